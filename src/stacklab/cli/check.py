"""`stacklab check`: a learner's check of one or more labs."""

from __future__ import annotations

import click

from stacklab.cli.options import target_options
from stacklab.errors import NotYetAvailable


@click.command()
@click.argument("labs", required=False, metavar="[LAB]")
@target_options
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def check(labs: str | None, host_url: str | None, local: bool, as_json: bool) -> None:
    """Check your work: ✔/✘ per check, with points and hints.

    LAB is a lab number, a range or a list (3, 3-7, 3,5) or `all` (the default).
    Exits 0 when every check passes.
    """
    raise NotYetAvailable("stacklab check")
