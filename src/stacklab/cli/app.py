"""The command group and its error handling: learners see one line, never a traceback."""

from __future__ import annotations

import importlib
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


# name → (module of stacklab.cli, attribute), in a learner's order. A command's module is
# imported when it runs or when help lists it: `stacklab check` does not pay for the
# imports of solve, doctor or class (a third of a second of start-up).
COMMANDS = {
    "labs": ("labs", "labs"), "check": ("check", "check"), "grade": ("grade", "grade"),
    "solve": ("solve", "solve"), "notebooks": ("notebooks", "notebooks"),
    "up": ("lifecycle", "up"), "down": ("lifecycle", "down"), "box": ("box", "box"),
    "doctor": ("doctor", "doctor"), "class": ("classroom", "class_"),
}


class LazyGroup(Group):
    """The top-level group: its commands are found in COMMANDS when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name]
        return getattr(importlib.import_module(f"stacklab.cli.{module}"), attribute)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="stacklab")
def cli() -> None:
    """stacklab: the AIMS 2012 OpenStack tutorial, re-run on OpenStack 2025.1.

    Start the lab host, work through the notebooks, check your work.
    Instructors grade a whole class with `stacklab grade`.
    """


def main() -> None:
    cli(prog_name="stacklab")
