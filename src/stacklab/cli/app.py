"""The command group and its error handling: learners see one line, never a traceback."""

from __future__ import annotations

import os
import sys

import click

from stacklab.errors import StacklabError
from stacklab.grading.redact import redact


class Group(click.Group):
    """A click group that turns the kit's errors into one clear line and an exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except StacklabError as exc:
            fail(exc.message, exc.hint, exc.exit_code)
        except KeyboardInterrupt:
            fail("interrupted", None, 130)
        except Exception as exc:  # a bug of ours: still no traceback unless asked for
            if os.environ.get("STACKLAB_DEBUG"):
                raise
            fail(f"internal error: {type(exc).__name__}: {exc}",
                 "run again with STACKLAB_DEBUG=1 for the traceback, and report it", 70)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # the order they were added: a learner's order


def fail(message: str, hint: str | None, code: int) -> None:
    # An error line may quote a command or its output (a failed solve step): the settings'
    # secrets are masked here as everywhere else text leaves the kit.
    click.secho(f"stacklab: {redact(message)}", fg="red", err=True)
    if hint:
        click.echo(f"  → {redact(hint)}", err=True)
    sys.exit(code)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="stacklab")
def cli() -> None:
    """stacklab: the AIMS 2012 OpenStack tutorial, re-run on OpenStack 2025.1.

    Start the lab host, work through the notebooks, check your work.
    Instructors grade a whole class with `stacklab grade`.
    """


def _register() -> None:
    from stacklab.cli import (
        box,
        check,
        classroom,
        doctor,
        grade,
        labs,
        lifecycle,
        notebooks,
        solve,
    )

    for command in (labs.labs, check.check, grade.grade, solve.solve, notebooks.notebooks,
                    lifecycle.up, lifecycle.down, box.box, doctor.doctor, classroom.class_):
        cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="stacklab")
