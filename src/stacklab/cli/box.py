"""`stacklab box build`: the offline lab host image."""

from __future__ import annotations

import click

from stacklab.errors import NotYetAvailable


@click.group()
def box() -> None:
    """The offline classroom box (a Debian 13 lab host with every package cached)."""


@box.command()
def build() -> None:
    """Build the offline box (cached; rebuilt only when its inputs change)."""
    raise NotYetAvailable("stacklab box build")
