"""`stacklab check`: a learner's check of one or more labs."""

from __future__ import annotations

import click
from rich.console import Console

from stacklab.cli.options import resolve_target, target_options
from stacklab.errors import StacklabError

UNREACHABLE_HINT = ("is the lab host running? `stacklab up` starts it; `stacklab doctor` "
                    "explains what is missing")


@click.command()
@click.argument("labs", required=False, metavar="[LAB]")
@target_options
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--check-timeout", type=click.FloatRange(1, 3600), default=60, show_default=True,
              help="Seconds allowed per check.")
def check(labs: str | None, host_url: str | None, local: bool, as_json: bool,
          check_timeout: float) -> None:
    """Check your work: ✔/✘ per check, with points and hints.

    LAB is a lab number, a range or a list (3, 3-7, 3,5) or `all` (the default).
    Exits 0 when every check passes, 1 when one fails.
    """
    from stacklab.catalog import select
    from stacklab.grading.runner import run_checks
    from stacklab.outputs import table
    from stacklab.progress import record

    chosen = select(labs)
    target = resolve_target(host_url, local)
    console = Console(stderr=as_json)
    with console.status(f"checking {len(chosen)} lab(s) on {target.url} …"):
        result = run_checks(target, chosen, check_timeout=check_timeout, include_hidden=False)
    if result.status in ("unreachable", "refused", "hostkey") or (
            result.status == "timeout" and not any(c.passed for c in result.checks)):
        raise StacklabError(f"cannot reach the lab host: {result.reason}", UNREACHABLE_HINT)
    for lab in chosen:
        checks = result.for_lab(lab.number)
        if checks:
            got, best = result.lab_points(lab.number)
            record(lab.number, got, best, sum(c.ok for c in checks), len(checks))
    if as_json:
        click.echo(result.to_json())
    else:
        console.print(table.run_table(result))
    raise SystemExit(0 if result.all_passed else 1)
