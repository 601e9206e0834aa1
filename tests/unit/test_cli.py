"""The command line: help for every command, one line (never a traceback) for every error."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from stacklab.cli import cli
from stacklab.cli.app import Group
from stacklab.errors import NotYetAvailable, StacklabError

DESIGN_COMMANDS = ["labs", "check", "grade", "solve", "notebooks", "up", "down", "box", "doctor",
                   "class"]


def leaf_paths(group: click.Group, prefix: tuple[str, ...] = ()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from leaf_paths(command, (*prefix, name))


def test_top_level_help_lists_every_command_of_the_design():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.output.split("Commands:")[1].splitlines()
              if line.strip()]
    assert listed == DESIGN_COMMANDS


@pytest.mark.parametrize("path", list(leaf_paths(cli)), ids=" ".join)
def test_every_command_has_its_own_help(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: cli {' '.join(path)}" in result.output
    assert len(result.output.splitlines()) >= 3


def _group_with(func) -> click.Group:
    group = Group(name="stacklab")
    group.add_command(click.Command("x", callback=func))
    return group


@pytest.mark.parametrize(("raised", "code", "line"), [
    (NotYetAvailable("stacklab frobnicate"), 2,
     "stacklab: stacklab frobnicate is not yet available in this version of stacklab"),
    (StacklabError("lab '99' does not exist", "see `stacklab labs`"), 2,
     "stacklab: lab '99' does not exist"),
    (RuntimeError("boom"), 70, "stacklab: internal error: RuntimeError: boom"),
])
def test_errors_become_one_line_and_an_exit_code(raised, code, line, monkeypatch):
    monkeypatch.delenv("STACKLAB_DEBUG", raising=False)

    def boom():
        raise raised

    result = CliRunner().invoke(_group_with(boom), ["x"])
    assert result.exit_code == code
    assert result.output.splitlines()[0] == line
    assert "Traceback" not in result.output


@pytest.mark.parametrize("argv", [
    ["check", "99"], ["solve", "--until", "99"], ["check", "--host", "http://nowhere"],
    ["grade", "--inventory", "/nonexistent/class.txt"], ["up", "--provider", "hyperv"],
])
def test_bad_input_from_a_learner_never_shows_a_traceback(argv, tmp_path):
    done = subprocess.run([sys.executable, "-m", "stacklab", *argv], capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                          "STACKLAB_STATE_DIR": str(tmp_path)}, timeout=60)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.strip(), "an error says what went wrong"
