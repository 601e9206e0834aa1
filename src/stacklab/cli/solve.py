"""`stacklab solve`: apply the reference solution, to catch up."""

from __future__ import annotations

import click

from stacklab.cli.options import target_options
from stacklab.errors import NotYetAvailable


@click.command()
@click.option("--until", "until", metavar="LAB", help="Solve every lab up to and including LAB.")
@click.option("--only", "only", metavar="LAB", help="Solve just this lab.")
@click.option("--dry-run", is_flag=True, help="Print the commands without running them.")
@target_options
def solve(until: str | None, only: str | None, dry_run: bool, host_url: str | None,
          local: bool) -> None:
    """Catch up: bring the lab host to where the labs up to LAB leave it.

    Idempotent: a second run changes nothing and says so.
    """
    raise NotYetAvailable("stacklab solve")
