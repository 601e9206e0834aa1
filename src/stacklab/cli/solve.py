"""`stacklab solve`: apply the reference solution, to catch up."""

from __future__ import annotations

import getpass
from collections.abc import Callable

import click
from rich.console import Console

from stacklab.catalog import lab
from stacklab.cli.options import resolve_target, target_options
from stacklab.errors import StacklabError
from stacklab.grading.redact import redact
from stacklab.hosts.target import Target, read_lab_state
from stacklab.settings import load_settings
from stacklab.solve.ahead import jobs_from_env
from stacklab.solve.catalog import load
from stacklab.solve.credentials import rc_files
from stacklab.solve.display import RichReporter, summary_table
from stacklab.solve.dryrun import dry_run_text, plan_text
from stacklab.solve.log import RunLog, new_log_path
from stacklab.solve.model import LabSolution, Step
from stacklab.solve.runner import Runner
from stacklab.solve.transport import open_transport


@click.command()
@click.option("--until", "until", metavar="LAB", help="Solve every lab up to and including LAB.")
@click.option("--only", "only", metavar="LAB", help="Solve just this lab.")
@click.option("--dry-run", is_flag=True,
              help="Change nothing: run the read-only checks on the host and list what a "
                   "run would change and why (every command, if the host cannot be reached).")
@click.option("--yes", is_flag=True,
              help="Allow changes that take something away (detach a volume, remove an empty "
                   "volume group) without asking: for unattended runs.")
@target_options
def solve(until: str | None, only: str | None, dry_run: bool, yes: bool,
          host_url: str | None, local: bool) -> None:
    """Catch up: bring the lab host to where the labs up to LAB leave it.

    Idempotent: a second run changes nothing and says so. What stands in the way of the
    tutorial's state is changed; before anything is taken away, it asks (or --yes).
    """
    if (until is None) == (only is None):
        raise click.UsageError("give --until LAB or --only LAB")
    wanted = chosen_labs(until, only)
    target = dry_run_target(host_url, local) if dry_run else resolve_target(host_url, local)
    known = not dry_run or bool(host_url or local or read_lab_state())
    settings = load_settings(target.kind)
    ssh_user = getpass.getuser() if target.local else target.user
    solutions = [s for s in load(settings, ssh_user=ssh_user)
                 if s.lab.number in wanted and s.steps]
    console = Console()
    if not solutions:
        console.print("Labs 1 and 2 have no steps on the lab host: their answers are the "
                      "knowledge checks in their notebooks.")
        return
    credentials = rc_files(settings)
    if dry_run:
        click.echo(f"# stacklab solve --dry-run for {target.url} "
                   f"(OS profile {settings.host.os}); nothing is changed\n")
        plan = (dry_run_on_host(solutions, target, credentials) if known else
                "# no lab host is known (`stacklab up`, or --host): every step is listed\n\n"
                + dry_run_text(solutions, credentials))
        # the settings' passwords are masked here as in every other output (they are in
        # the settings file for whoever needs to type a command by hand)
        click.echo(redact(plan), nl=False)
        return
    run(solutions, target, credentials, console, yes=yes)


def chosen_labs(until: str | None, only: str | None) -> set[int]:
    if only is not None:
        return {lab(only).number}
    return set(range(1, lab(until).number + 1))


def dry_run_target(host_url: str | None, local: bool) -> Target:
    """The host whose settings apply, found without connecting to anything."""
    if host_url or local:
        return resolve_target(host_url, local)
    state = read_lab_state()
    if state and "target" in state:
        return Target.from_dict(state["target"])
    return Target()


def dry_run_on_host(solutions: list[LabSolution], target: Target,
                    credentials: dict[str, str]) -> str:
    """The plan against the host's state; every command when the host cannot be reached."""
    try:
        transport = open_transport(target)
    except StacklabError as exc:
        return f"# the host was not asked ({exc.message}): every step is listed\n\n" + \
            dry_run_text(solutions, credentials)
    try:
        return plan_text(solutions, credentials, transport)
    except StacklabError as exc:
        return f"# the host was not asked ({exc.message}): every step is listed\n\n" + \
            dry_run_text(solutions, credentials)
    finally:
        transport.close()


def asker(yes: bool, reporter: RichReporter) -> Callable[[Step, str], bool]:
    """How a step that would take something away gets its answer: --yes, or a person."""
    def confirm(step: Step, what: str) -> bool:
        if yes:
            return True
        if not click.get_text_stream("stdin").isatty():
            return False
        reporter.progress.stop()
        try:
            return click.confirm(f"{step.id} would:\n  " + what.replace("\n", "\n  ")
                                 + "\nGo ahead?", default=False)
        finally:
            reporter.progress.start()
    return confirm


def run(solutions: list[LabSolution], target: Target, credentials: dict[str, str],
        console: Console, *, yes: bool = False) -> None:
    transport = open_transport(target)
    transport.run("true", timeout=60)  # reach the host first: an unreachable one leaves no log
    with RunLog(new_log_path()) as log:
        console.print(f"Solving labs {solutions[0].lab.number}–{solutions[-1].lab.number} "
                      f"on {target.url} [dim](log: {log.path})[/dim]")
        reporter = RichReporter(console, solutions)
        try:
            report = Runner(transport, log, credentials=credentials, reporter=reporter,
                            confirm=asker(yes, reporter),
                            ahead=jobs_from_env()).run(solutions)
        finally:
            reporter.stop()
            transport.close()
    console.print(summary_table(report, solutions))
    if report.changed:
        console.print(f"[green]Done[/green]: {len(report.changed)} step(s) changed the host.")
    else:
        console.print("[green]Done[/green]: no change: the host was already there.")
