"""`stacklab grade`: an instructor's run over a whole class."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from stacklab.cli.exits import GRADE_EPILOG, Interrupted, NotJudged
from stacklab.cli.options import Seconds, accept_new_option
from stacklab.errors import StacklabError

if TYPE_CHECKING:
    from stacklab.grading.model import ClassReport

REPORT_STEM = "grades"  # grades.json, grades.csv, …

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


@click.command(epilog=INVENTORY_HELP + "\n" + GRADE_EPILOG)
@accept_new_option
@click.option("--inventory", "-i", type=click.Path(path_type=Path), required=True,
              help="The class: one line per student (name, ssh URL, optional key), "
                   "or an Ansible inventory (INI or YAML).")
@click.option("--labs", "lab_spec", default="all", show_default=True,
              help="Which labs to grade, e.g. 3-9.")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=8, show_default=True,
              help="Hosts graded at once (their retries: a quarter of that).")
@click.option("--timeout", type=Seconds(5, 86400), default=300, show_default=True,
              help="Seconds allowed per host.")
@click.option("--check-timeout", type=Seconds(1, 3600), default=60,
              show_default=True, help="Seconds allowed per check.")
@click.option("--connect-timeout", type=Seconds(1, 600), default=10,
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
    """Grade every host of a class in parallel and write a gradebook.

    Every input (options, inventory, labs, settings, --out) is checked before any host is
    contacted. A host not fully graded (unreachable, out of time, a check in error) is
    graded once more after the others; the summary names the hosts still not fully graded,
    and why.
    """
    from stacklab import outputs
    from stacklab.catalog import select
    from stacklab.grading.classrun import ClassRunInterrupted, grade_class, warm_up
    from stacklab.grading.inventory import load_inventory
    from stacklab.outputs import table
    from stacklab.settings import load_settings

    targets = load_inventory(inventory)
    labs = select(lab_spec)
    formats = outputs.with_gradebooks(formats, gradebooks)
    chosen = outputs.choose(formats)
    for kind in sorted({t.kind for t in targets}):
        load_settings(kind)  # a bad value stops the run here, naming its key
    check_out_folder(out, [f"{REPORT_STEM}{module.SUFFIX}" for module in chosen])
    console = Console()
    per_host = len(warm_up(labs, targets[0].kind, True))
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[now]}"), TimeElapsedColumn())
    signum = None
    total = len(targets) * per_host
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(f"grading {len(targets)} hosts", total=total, now="")

        def on_event(event) -> None:
            nonlocal total
            kind, target, payload = event
            if kind == "check":
                bar.advance(task)
                bar.update(task, now=f"{target.name}: {payload.key}")
            elif kind in ("done", "retry"):
                seen = len([c for c in payload.checks if c.status != "not-run"])
                bar.advance(task, max(0, per_host - seen))
                bar.update(task, now=f"{target.name}: {payload.status}")
            if kind == "retry":  # one more attempt to come, after the others
                total += per_host
                bar.update(task, total=total,
                           now=f"{target.name}: {payload.status}, will try again")

        try:
            report = grade_class(targets, labs, jobs=jobs, timeout=timeout,
                                 check_timeout=check_timeout, connect_timeout=connect_timeout,
                                 on_event=on_event)
        except ClassRunInterrupted as stopped:
            report, signum = stopped.report, stopped.signum
    console.print(table.for_terminal(report, console.width))  # one line a student if narrow
    try:
        written = outputs.write(report, out, formats or None, stem=REPORT_STEM)
    except OSError as exc:  # checked before grading; the folder changed since
        raise StacklabError(f"--out {out}: the reports could not be written ({exc})",
                            "the table above holds the grades") from None
    for path in written:
        console.print(f"wrote {path}", soft_wrap=True)
    for line in outputs.warnings(report, formats or None, stem=REPORT_STEM):
        console.print(f"warning: {line}", style="yellow", markup=False, highlight=False)
    missing = summarise(console, report)
    if signum is not None:
        raise Interrupted(signum, "the reports hold what was graded until then; the "
                                  "unfinished hosts are marked interrupted")
    if missing:
        raise NotJudged(f"{missing} of {len(report.hosts)} host(s) not fully graded",
                        "see the list above; grade them again with an inventory of "
                        "just those")


def summarise(console: Console, report: ClassReport) -> int:
    """Name every host that was not fully graded, and why (one line each); how many."""
    from stacklab.grading.classrun import not_fully_graded

    missing = [(h, not_fully_graded(h)) for h in report.hosts if not_fully_graded(h)]
    if not missing:
        console.print(f"[green]all {len(report.hosts)} host(s) fully graded[/green]")
        return 0
    console.print(f"[yellow]{len(missing)} host(s) not fully graded:[/yellow]")
    for host, why in missing:
        console.print(f"  {host.name}: {why}", markup=False, highlight=False)  # wraps
    return len(missing)


def check_out_folder(folder: Path, names: list[str]) -> None:
    """Stop now, before any host is contacted, when the reports could not be written in
    `folder` (it need not exist yet): a file, a path under a file, a folder not writable."""
    where = f"--out {folder}"
    nearest = next(p for p in (folder, *folder.parents) if p.exists() or p.is_symlink())
    if not nearest.is_dir():  # a file, or a link to nothing
        kind = "a file" if nearest.is_file() else "not a folder"
        what = f"is {kind}" if nearest == folder else f"is under {nearest}, which is {kind}"
        raise StacklabError(f"{where}: {what}", "give a folder for the reports (it may not "
                                                "exist yet)")
    if not os.access(nearest, os.W_OK | os.X_OK):
        raise StacklabError(f"{where}: {nearest} is not writable",
                            "give a folder you may write in")
    for name in names if nearest == folder else []:
        report = folder / name
        if report.is_dir() or (report.exists() and not os.access(report, os.W_OK)):
            raise StacklabError(f"{where}: {report} cannot be overwritten",
                                "move it away, or give another folder")
