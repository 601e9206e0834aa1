"""The runner's idempotence, resume, polling and failure logic, against a fake host."""

from __future__ import annotations

import pytest
from solve_fakes import FakeClock, FakeHost

from stacklab.catalog import lab
from stacklab.solve.log import RunLog
from stacklab.solve.model import LabSolution, Outcome, Step
from stacklab.solve.runner import Runner, SolveFailed

CREDS = {"admin": "~/admin-rc", "project": "~/user-rc"}


def step(sid: str, labn: int = 3, *, apply=None, timeout=0.0, credentials=None) -> Step:
    return Step(id=sid, lab=labn, title=f"title of {sid}", modern=(), tutorial_2012=None,
                why="why", check=f"check {sid}",
                apply=tuple(apply if apply is not None else [f"apply {sid} a", f"apply {sid} b"]),
                credentials=credentials, timeout=timeout, interval=2.0)


@pytest.fixture
def solutions():
    return [LabSolution(lab(3), (step("03-a"), step("03-b", credentials="admin"))),
            LabSolution(lab(4), (step("04-a", 4), step("04-wait", 4, apply=[], timeout=10)))]


def runner(host, tmp_path, clock=None):
    clock = clock or FakeClock()
    log = RunLog(tmp_path / "solve.log")
    return Runner(host, log, credentials=CREDS, sleep=clock.sleep, clock=clock)


def test_first_run_applies_every_step_once_and_second_run_changes_nothing(solutions, tmp_path):
    # the wait step passes by itself here: give it an apply-less "done" state
    host = FakeHost(solutions)
    host.done = lambda s: (not s.apply) or all(c in host.applied for c in s.apply)
    first = runner(host, tmp_path).run(solutions)
    assert [r.outcome for r in first.results] == [Outcome.CHANGED] * 3 + [Outcome.NO_CHANGE]
    assert host.applied == ["apply 03-a a", "apply 03-a b", "apply 03-b a", "apply 03-b b",
                            "apply 04-a a", "apply 04-a b"]
    second = runner(host, tmp_path).run(solutions)
    assert [r.outcome for r in second.results] == [Outcome.NO_CHANGE] * 4
    assert len(host.applied) == 6, "a second run must not apply anything"
    assert set(second.lab_seconds) == {3, 4}


def test_credentials_are_sourced_before_the_command(solutions, tmp_path):
    host = FakeHost(solutions)
    host.done = lambda s: (not s.apply) or all(c in host.applied for c in s.apply)
    runner(host, tmp_path).run(solutions)
    admin = [s for s in host.scripts if "03-b" in s]
    assert admin and all(s.startswith(". ~/admin-rc\n") for s in admin)
    assert not any(s.startswith(".") for s in host.scripts if "03-a" in s)


def test_failure_names_lab_step_command_and_output_tail_then_rerun_resumes(solutions,
                                                                             tmp_path):
    output = "\n".join(f"line {i}" for i in range(40)) + "\nE: the real reason"
    host = FakeHost(solutions, fail={"apply 03-b b": output})
    host.done = lambda s: (not s.apply) or all(c in host.applied for c in s.apply)
    with pytest.raises(SolveFailed) as err:
        runner(host, tmp_path).run(solutions)
    text = str(err.value)
    assert "lab 3 (MySQL (MariaDB))" in text and "step 03-b" in text
    assert "apply 03-b b" in text and "E: the real reason" in text
    assert "line 39" in text and "line 5\n" not in text, "only the tail of the output"
    assert "full log:" in text
    log = (tmp_path / "solve.log").read_text()
    assert "line 5" in log and "FAILED" in log, "the full output goes to the log"
    assert "apply 04-a a" not in host.applied, "the run stops at the first failure"

    resumed = runner(host, tmp_path).run(solutions)
    outcomes = {r.step.id: r.outcome for r in resumed.results}
    assert outcomes["03-a"] is Outcome.NO_CHANGE
    assert outcomes["03-b"] is Outcome.CHANGED and outcomes["04-a"] is Outcome.CHANGED
    assert host.applied.count("apply 03-a a") == 1


def test_apply_is_followed_by_polling_the_check_until_it_passes(tmp_path):
    sols = [LabSolution(lab(6), (step("06-slow", 6, timeout=60),))]
    host, clock = FakeHost(sols, late={"06-slow": 3}), FakeClock()
    report = runner(host, tmp_path, clock).run(sols)
    assert report.results[0].outcome is Outcome.CHANGED
    assert clock.sleeps == [2.0, 2.0, 2.0]


def test_polling_stops_at_the_deadline_with_a_clear_message(tmp_path):
    sols = [LabSolution(lab(6), (step("06-slow", 6, timeout=10),))]
    host, clock = FakeHost(sols, late={"06-slow": 100}), FakeClock()
    with pytest.raises(SolveFailed, match=r"step 06-slow .*check still fails 10s after"):
        runner(host, tmp_path, clock).run(sols)
    assert 10 <= clock.now <= 12


def test_a_check_that_gives_up_stops_polling_at_once(tmp_path):
    sols = [LabSolution(lab(12), (step("12-launch", 12, timeout=300),))]
    host, clock = FakeHost(sols, give_up={"12-launch"}), FakeClock()
    with pytest.raises(SolveFailed, match="waiting will not fix") as err:
        runner(host, tmp_path, clock).run(sols)
    assert clock.sleeps == [] and "broken for good" in str(err.value)


def test_a_step_whose_check_fails_right_after_apply_fails(tmp_path):
    sols = [LabSolution(lab(3), (step("03-x"),))]
    host = FakeHost(sols, late={"03-x": 1})
    with pytest.raises(SolveFailed, match="check still fails after it was applied"):
        runner(host, tmp_path).run(sols)


def test_wait_step_fails_when_the_state_never_comes(tmp_path):
    sols = [LabSolution(lab(9), (step("09-agents", 9, apply=[], timeout=30),))]
    host, clock = FakeHost(sols), FakeClock()
    with pytest.raises(SolveFailed, match="did not pass within 30s"):
        runner(host, tmp_path, clock).run(sols)


def test_real_steps_are_idempotent_against_the_fake_host(debian_solutions, tmp_path):
    """Every real step of labs 3–14: applied once on a fresh host, never on a second run."""
    sols = [s for s in debian_solutions if s.steps]
    host = FakeHost(sols)
    host.done = lambda s: (not s.apply) or all(c in host.applied for c in s.apply)
    first = runner(host, tmp_path).run(sols)
    applying = [s for sol in sols for s in sol.steps if s.apply]
    assert [r.step.id for r in first.changed] == [s.id for s in applying]
    count = len(host.applied)
    second = runner(host, tmp_path).run(sols)
    assert second.changed == [] and len(host.applied) == count
    assert all(r.outcome is Outcome.NO_CHANGE for r in second.results)
