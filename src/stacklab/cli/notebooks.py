"""`stacklab notebooks build|check`: the notebooks, generated from labs/."""

from __future__ import annotations

import click

from stacklab.errors import NotYetAvailable


@click.group()
def notebooks() -> None:
    """Generate the learners' and instructors' notebooks from labs/."""


@notebooks.command()
def build() -> None:
    """Write notebooks/ and solutions/ notebooks from labs/ (deterministic)."""
    raise NotYetAvailable("stacklab notebooks build")


@notebooks.command(name="check")
def check_drift() -> None:
    """Fail when the committed notebooks differ from what `build` would write."""
    raise NotYetAvailable("stacklab notebooks check")
