"""%solve: the solve engine driven through the notebook's transport."""

from __future__ import annotations

import pytest

import stacklab.solve
from stacklab.catalog import lab
from stacklab.notebooks.session import Session
from stacklab.solve import LabSolution, Step


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path / "state"))
    return tmp_path


def test_a_dry_run_prints_the_real_steps_and_runs_nothing(run_magic, home):
    out, _, shown = run_magic(Session(spec="dry-run"), "line", "solve", "3")
    assert shown == [] and "nothing is run" in out
    for step_id in ("03-packages", "03-bind-address", "03-databases"):
        assert f"# {step_id}:" in out


def test_solve_needs_one_lab_or_until(run_magic, home):
    _, _, shown = run_magic(Session(spec="dry-run"), "line", "solve", "")
    assert "needs one lab" in shown[0]["text/plain"]


def test_the_engine_applies_then_finds_nothing_to_do(run_magic, home, monkeypatch):
    marker = home / "made-by-step"
    step = Step(id="03-demo", lab=3, title="make a file", modern=(f"touch {marker}",),
                tutorial_2012=None, why="a test step", check=f"test -e {marker}",
                apply=(f"echo applying; touch {marker}",))
    monkeypatch.setattr(stacklab.solve, "load",
                        lambda settings, **kw: [LabSolution(lab(3), (step,))])
    session = Session(spec="local")
    out, _, _ = run_magic(session, "line", "solve", "3")
    assert "✔ 03-demo" in out and "(changed," in out and marker.exists()
    out, _, _ = run_magic(session, "line", "solve", "--until 3")
    assert "· 03-demo" in out and "no change, the host was already there" in out


def test_a_failing_step_is_reported_and_strict_mode_raises(run_magic, home, monkeypatch):
    from stacklab.notebooks.magics import CellFailed

    step = Step(id="03-broken", lab=3, title="cannot work", modern=("false",),
                tutorial_2012=None, why="", check="false", apply=("echo nope; exit 5",))
    monkeypatch.setattr(stacklab.solve, "load",
                        lambda settings, **kw: [LabSolution(lab(3), (step,))])
    out, _, _ = run_magic(Session(spec="local"), "line", "solve", "3")
    assert "✘ lab 3" in out and "03-broken" in out and "exit 5" in out
    with pytest.raises(CellFailed):
        run_magic(Session(spec="local", strict=True), "line", "solve", "3")
