"""`stacklab check`: a learner's check of one or more labs."""

from __future__ import annotations

import click
from rich.console import Console

from stacklab.cli.exits import CHECK_EPILOG, FAILED, INCOMPLETE, OK, NotJudged, stopped_by_signals
from stacklab.cli.options import Seconds, resolve_target, target_options

UNREACHABLE_HINT = ("is the lab host running? `stacklab up` starts it; `stacklab doctor` "
                    "explains what is missing")


@click.command(epilog=CHECK_EPILOG)
@click.argument("labs", required=False, metavar="[LAB]")
@target_options
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--timeout", type=Seconds(5, 86400), default=300, show_default=True,
              help="Seconds allowed for the whole check (the checks not started by then "
                   "are reported as not run).")
@click.option("--check-timeout", type=Seconds(1, 3600), default=60, show_default=True,
              help="Seconds allowed per check.")
def check(labs: str | None, host_url: str | None, local: bool, as_json: bool,
          timeout: float, check_timeout: float) -> None:
    """Check your work: ✔/✘ per check, with points and hints.

    LAB is a lab number, a range or a list (3, 3-7, 3,5) or `all` (the default).
    The lab, the options and the settings are checked before the lab host is contacted.
    """
    from stacklab.catalog import select
    from stacklab.grading.prefetch import default_memory
    from stacklab.grading.runner import run_checks
    from stacklab.outputs import table
    from stacklab.progress import record_run
    from stacklab.settings import load_settings

    chosen = select(labs)
    target = resolve_target(host_url, local)
    load_settings(target.kind)  # a bad value stops here, naming its key
    console = Console(stderr=as_json)
    with stopped_by_signals(), \
            console.status(f"checking {len(chosen)} lab(s) on {target.url} …"):
        result = run_checks(target, chosen, timeout=timeout, check_timeout=check_timeout,
                            include_hidden=False, memory=default_memory())
    if result.status != "ok" and result.connections == 0 and not target.local:
        # no connection was ever opened: one line, not a table of checks never run
        raise NotJudged(f"cannot reach the lab host: {result.reason}", UNREACHABLE_HINT)
    record_run(result)
    if as_json:
        click.echo(result.to_json())
    else:
        console.print(table.run_table(result))
    raise SystemExit(exit_code(result))


def exit_code(result) -> int:
    """0 all passed; 3 something could not be judged (it may pass on a second run); 1 a
    check failed and everything else was judged."""
    from stacklab.grading.classrun import not_fully_graded

    if not_fully_graded(result):
        return INCOMPLETE
    return OK if result.all_passed else FAILED
