"""Instructors' cells check before they act (%%vm --step ID): a step whose check passes is
skipped, one whose check fails runs, --force runs it anyway; learners' cells never check."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

import stacklab.solve
from stacklab.catalog import LABS, lab
from stacklab.notebooks.builder import AUDIENCES, output_path
from stacklab.notebooks.guard import SKIPPED
from stacklab.notebooks.session import Session
from stacklab.solve import LabSolution, Step

ROOT = Path(__file__).resolve().parents[2]

# A stand-in for the cloud's `openstack token issue`: it works once credentials are sourced.
OPENSTACK = """#!/bin/sh
[ "$1 $2" = "token issue" ] && [ -n "$OS_USERNAME" ] && [ -n "$OS_PASSWORD" ] && echo gAAAA-token
"""


def code_cells(path: Path) -> list:
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def instructor_cell(number: int, step_id: str) -> str:
    path = output_path(ROOT, lab(number), "instructor")
    return next(c.source for c in code_cells(path)
                if c.source.startswith(f"%%vm --step {step_id}"))


def split(source: str) -> tuple[str, str]:
    magic, _, body = source.partition("\n")
    return magic.removeprefix("%%vm").strip(), body


@pytest.mark.integration
def test_a_solution_step_cell_runs_once_then_is_skipped_over_ssh(sshd, run_magic):
    """Lab 10's rc file step, as the committed instructor notebook has it, on a real sshd."""
    (sshd.bin / "openstack").write_text(OPENSTACK)
    (sshd.bin / "openstack").chmod(0o755)
    line, body = split(instructor_cell(10, "10-rc-file"))
    t = sshd.target
    session = Session(spec=f"ssh://{t.user}@{t.hostname}:{t.port}?key={t.key_file}")
    novarc = sshd.home / session.settings().identity.rc_file
    novarc.unlink(missing_ok=True)

    out, err, shown = run_magic(session, "cell", "vm", line, body)  # check fails: it runs
    assert SKIPPED not in out and shown == [] and novarc.is_file(), err
    os.utime(novarc, ns=(10**18, 10**18))  # so a rewrite would show

    out, _, shown = run_magic(session, "cell", "vm", line, body)  # check passes: skipped
    assert out == SKIPPED + "\n" and shown == []
    assert novarc.stat().st_mtime_ns == 10**18, "the skipped cell wrote the file"

    out, _, _ = run_magic(session, "cell", "vm", line + " --force", body)
    assert SKIPPED not in out and novarc.stat().st_mtime_ns != 10**18

    (sshd.bin / "openstack").unlink()  # the cloud is gone: the check fails again, it runs
    os.utime(novarc, ns=(10**18, 10**18))
    out, _, _ = run_magic(session, "cell", "vm", line, body)
    assert SKIPPED not in out and novarc.stat().st_mtime_ns != 10**18
    session.close()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def fake_solution(monkeypatch, *steps: Step) -> None:
    monkeypatch.setattr(stacklab.solve, "load",
                        lambda settings, **kw: [LabSolution(lab(12), tuple(steps))])


def test_the_check_runs_with_the_steps_credentials(run_magic, home, monkeypatch):
    session = Session(spec="local")
    (home / session.settings().identity.rc_file).write_text("export OS_USERNAME=aims\n")
    fake_solution(monkeypatch, Step(
        id="12-demo", lab=12, title="t", modern=(), tutorial_2012=None, why="",
        check='[ "$OS_USERNAME" = aims ]', apply=(), credentials="project"))
    out, _, _ = run_magic(session, "cell", "vm", "--step 12-demo", "echo ran")
    assert out == SKIPPED + "\n"
    (home / session.settings().identity.rc_file).write_text("export OS_USERNAME=other\n")
    session = Session(spec="local")
    out, _, _ = run_magic(session, "cell", "vm", "--step 12-demo", "echo ran")
    assert out == "ran\n"


def test_a_step_this_host_does_not_have_runs_with_a_note(run_magic, home, monkeypatch):
    fake_solution(monkeypatch)
    out, _, _ = run_magic(Session(spec="local"), "cell", "vm", "--step 07-elsewhere",
                          "echo ran")
    assert out.endswith("ran\n") and "no step 07-elsewhere" in out


def test_a_dry_run_checks_nothing_and_parses_the_cell(run_magic, home, monkeypatch):
    def no_host(*args, **kwargs):
        raise AssertionError("a dry run has no host to check")

    monkeypatch.setattr(stacklab.solve, "load", no_host)
    out, _, _ = run_magic(Session(spec="dry-run"), "cell", "vm", "--step 12-keypair", "true")
    assert "nothing was run" in out


@pytest.mark.parametrize("provider", ["vagrant", "container"])
def test_only_the_instructors_solution_cells_check_first(provider):
    for number_lab in LABS:
        for audience in AUDIENCES:
            for cell in code_cells(output_path(ROOT, number_lab, audience, provider)):
                guarded = "--step" in cell.source.partition("\n")[0]
                kind = cell.id.rsplit("-", 1)[-1]
                if audience == "learner":
                    assert not guarded, cell.id
                elif kind == "step":
                    assert guarded, cell.id
    keypair = instructor_cell(12, "12-keypair")
    assert keypair.startswith("%%vm --step 12-keypair --rc project\n")
    assert "openstack keypair create" in keypair
