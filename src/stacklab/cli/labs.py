"""`stacklab labs`: the labs, and where the learner stands in each."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from stacklab.catalog import LABS
from stacklab.progress import read_progress


@click.command()
def labs() -> None:
    """List the labs and where you stand (from your last `stacklab check`)."""
    progress = read_progress()
    table = Table(title="stacklab: the AIMS 2012 OpenStack tutorial, lab by lab")
    for column in ("Lab", "Title", "Tutorial section", "Your last check"):
        table.add_column(column)
    for lab in LABS:
        seen = progress.get(lab.number)
        if not seen:
            status = "[dim]not checked yet[/dim]"
        else:
            done = seen["passed"] == seen["total"]
            colour = "green" if done else "yellow"
            status = (f"[{colour}]{seen['passed']}/{seen['total']} checks, "
                      f"{seen['points']:g}/{seen['max_points']:g} points[/{colour}] "
                      f"[dim]{seen['checked_at']}[/dim]")
        table.add_row(f"{lab.number:2d}", lab.title, lab.section, status)
    Console().print(table)
    click.echo("Open notebooks/NN-name.ipynb for a lab; `stacklab check N` checks it.")
