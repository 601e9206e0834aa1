"""`stacklab grade`: an instructor's run over a whole class."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

INVENTORY_HELP = """The class, one student per host, in one of three formats:

\b
plain (one line per student):
    alice  ssh://vagrant@10.0.0.11:22  ~/.ssh/class_key
    bob    vagrant@10.0.0.12:2222      key=~/.ssh/bob provider=container
    carol  vagrant@10.0.0.13  email=carol@example.edu sis_id=S1003 section=A
Ansible INI:
    [class]
    alice ansible_host=10.0.0.11 ansible_port=22 ansible_user=vagrant
          ansible_ssh_private_key_file=~/.ssh/class_key
Ansible YAML:
    all:
      children:
        class:
          hosts:
            alice: {ansible_host: 10.0.0.11, ansible_user: vagrant}
"""


@click.command(epilog=INVENTORY_HELP)
@click.option("--inventory", "-i", type=click.Path(path_type=Path), required=True,
              help="The class: one line per student (name, ssh URL, optional key), "
                   "or an Ansible inventory (INI or YAML).")
@click.option("--labs", "lab_spec", default="all", show_default=True,
              help="Which labs to grade, e.g. 3-9.")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=8, show_default=True,
              help="Hosts graded at once.")
@click.option("--timeout", type=click.FloatRange(5, 86400), default=300, show_default=True,
              help="Seconds allowed per host.")
@click.option("--check-timeout", type=click.FloatRange(1, 3600), default=60,
              show_default=True, help="Seconds allowed per check.")
@click.option("--connect-timeout", type=click.FloatRange(1, 600), default=10,
              show_default=True, help="Seconds allowed to open each host's SSH connection.")
@click.option("--out", type=click.Path(path_type=Path), default=Path("grades"),
              show_default=True, help="Folder for the reports (JSON, JUnit, CSV, HTML).")
@click.option("--format", "formats", multiple=True,
              help="Report format(s) to write (repeat the option); default: all of "
                   "table, json, junit, csv, html.")
@click.option("--gradebook", "gradebooks", multiple=True,
              type=click.Choice(["csv", "moodle", "canvas"]),
              help="Also write the gradebook an LMS imports as is (repeat the option): "
                   "grades-moodle.csv, grades-canvas.csv; csv is the generic grades.csv.")
def grade(inventory: Path, lab_spec: str, jobs: int, timeout: float, check_timeout: float,
          connect_timeout: float, out: Path, formats: tuple[str, ...],
          gradebooks: tuple[str, ...] = ()) -> None:
    """Grade every host of a class in parallel and write a gradebook."""
    from stacklab import outputs
    from stacklab.catalog import select
    from stacklab.grading.classrun import grade_class, warm_up
    from stacklab.grading.inventory import load_inventory
    from stacklab.outputs import table

    targets = load_inventory(inventory)
    labs = select(lab_spec)
    formats = outputs.with_gradebooks(formats, gradebooks)
    outputs.choose(formats)  # an unknown format fails before any host is contacted
    console = Console()
    per_host = len(warm_up(labs, targets[0].provider, True))
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[now]}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(f"grading {len(targets)} hosts", total=len(targets) * per_host,
                            now="")

        def on_event(event) -> None:
            kind, target, payload = event
            if kind == "check":
                bar.advance(task)
                bar.update(task, now=f"{target.name}: {payload.key}")
            elif kind == "done":
                seen = len([c for c in payload.checks if c.status != "not-run"])
                bar.advance(task, max(0, per_host - seen))
                bar.update(task, now=f"{target.name}: {payload.status}")

        report = grade_class(targets, labs, jobs=jobs, timeout=timeout,
                             check_timeout=check_timeout, connect_timeout=connect_timeout,
                             on_event=on_event)
    console.print(table.for_terminal(report, console.width))  # one line a student if narrow
    written = outputs.write(report, out, formats or None)
    for path in written:
        console.print(f"wrote {path}")
    unreached = [h for h in report.hosts if h.status != "ok"]
    if unreached:
        console.print(f"[yellow]{len(unreached)} host(s) not fully graded: "
                      + ", ".join(f"{h.name} ({h.status})" for h in unreached) + "[/yellow]")
