"""`stacklab notebooks build|check`: the notebooks, generated from labs/."""

from __future__ import annotations

import sys

import click

from stacklab.errors import StacklabError
from stacklab.paths import kit_root


def _inputs():
    from stacklab.notebooks.labtext import LabTextError
    from stacklab.notebooks.sync import default_inputs

    try:
        return default_inputs(kit_root())
    except LabTextError as exc:
        raise StacklabError(str(exc), "fix the lab text, then build again") from None


@click.group()
def notebooks() -> None:
    """Generate the learners' and instructors' notebooks from labs/."""


@notebooks.command()
def build() -> None:
    """Write notebooks/ and solutions/notebooks/ from labs/ (deterministic)."""
    from stacklab.notebooks.labtext import LabTextError
    from stacklab.notebooks.sync import build as build_all

    inputs = _inputs()
    try:
        written = build_all(inputs)
    except LabTextError as exc:
        raise StacklabError(str(exc), "fix the lab text, then build again") from None
    for path in written:
        click.echo(f"wrote {path.relative_to(inputs.root)}")
    click.echo(f"{len(written)} notebook(s) written, the others were already up to date")


@notebooks.command(name="check")
def check_drift() -> None:
    """Fail when the committed notebooks differ from what `build` would write."""
    from stacklab.notebooks.labtext import LabTextError
    from stacklab.notebooks.sync import drift

    try:
        lines = drift(_inputs())
    except LabTextError as exc:
        raise StacklabError(str(exc), "fix the lab text, then build again") from None
    for line in lines:
        click.secho(line, fg="red")
    if lines:
        sys.exit(1)
    click.echo("✔ every notebook matches labs/")
