"""`stacklab notebooks build|check`: the notebooks, generated from labs/."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from stacklab.errors import StacklabError
from stacklab.paths import kit_root


def _inputs(provider: str | None = None, output: Path | None = None):
    from stacklab.notebooks.labtext import LabTextError
    from stacklab.notebooks.sync import COMMITTED_PROVIDER, default_inputs

    try:
        return default_inputs(kit_root(), provider or COMMITTED_PROVIDER, output)
    except LabTextError as exc:
        raise StacklabError(str(exc), "fix the lab text, then build again") from None


@click.group()
def notebooks() -> None:
    """Generate the learners' and instructors' notebooks from labs/."""


@notebooks.command()
@click.option("--provider", metavar="NAME",
              help="Build for this provider's lab host (e.g. container) instead of the "
                   "Vagrant VM the committed notebooks are for; needs --output.")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path),
              help="Write DIR/notebooks/ and DIR/solutions/notebooks/ instead of the "
                   "checkout's own folders.")
def build(provider: str | None, output: Path | None) -> None:
    """Write notebooks/ and solutions/notebooks/ from labs/ (deterministic)."""
    from stacklab.notebooks.labtext import LabTextError
    from stacklab.notebooks.sync import COMMITTED_PROVIDER
    from stacklab.notebooks.sync import build as build_all

    if provider and provider != COMMITTED_PROVIDER and output is None:
        raise click.UsageError("--provider needs --output: the checkout's notebooks are "
                               f"built for the {COMMITTED_PROVIDER} provider")
    inputs = _inputs(provider, output)
    try:
        written = build_all(inputs)
    except LabTextError as exc:
        raise StacklabError(str(exc), "fix the lab text, then build again") from None
    for path in written:
        click.echo(f"wrote {path.relative_to(inputs.out_root)}")
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
