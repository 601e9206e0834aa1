"""`stacklab grade`: an instructor's run over a whole class."""

from __future__ import annotations

from pathlib import Path

import click

from stacklab.errors import NotYetAvailable


@click.command()
@click.option("--inventory", "-i", type=click.Path(path_type=Path), required=True,
              help="The class: one line per student (name, ssh URL, optional key), "
                   "or an Ansible inventory (INI or YAML).")
@click.option("--labs", "lab_spec", default="all", show_default=True,
              help="Which labs to grade, e.g. 3-9.")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=8, show_default=True,
              help="Hosts graded at once.")
@click.option("--timeout", type=float, default=300, show_default=True,
              help="Seconds allowed per host.")
@click.option("--out", type=click.Path(path_type=Path), default=Path("grades"),
              show_default=True, help="Folder for the reports (JSON, JUnit, CSV, HTML).")
def grade(inventory: Path, lab_spec: str, jobs: int, timeout: float, out: Path) -> None:
    """Grade every host of a class in parallel and write a gradebook."""
    raise NotYetAvailable("stacklab grade")
