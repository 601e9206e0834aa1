"""`stacklab doctor`: explain what this machine lacks to run the lab."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.table import Table

from stacklab.doctor import Status, diagnose
from stacklab.settings import load_settings

MARK = {Status.OK: "[green]✔[/green]", Status.WARN: "[yellow]![/yellow]",
        Status.FAIL: "[red]✘[/red]", Status.SKIP: "[dim]–[/dim]"}


@click.command()
def doctor() -> None:
    """Check this machine: Vagrant and a provider, virtualisation, network, memory, disk.

    Exits 0 only when the lab host can start.
    """
    console = Console()
    with console.status("Examining this machine (a KVM test boot can take up to 20 s)…"):
        d = diagnose(load_settings(), container_settings=load_settings("container"))
    table = Table(show_header=True, header_style="bold")
    for column in ("", "What", "Found", "Fix"):
        table.add_column(column)
    for f in d.findings:
        table.add_row(MARK[f.status], f.topic, f.detail, f.fix)
    console.print(table)
    if d.lab_can_start:
        console.print(f"[green]The lab can start[/green] with: {', '.join(d.providers)} "
                      f"(`stacklab up` picks {d.providers[0]}).")
        return
    why = [f.topic for f in d.blocking] or ["no usable provider"]
    console.print(f"[red]The lab cannot start yet[/red]: {', '.join(why)}. See the fixes above.")
    sys.exit(1)
