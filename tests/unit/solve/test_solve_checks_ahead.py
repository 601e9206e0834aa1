"""Checks run ahead (stacklab.solve.ahead): a no-change run takes every check from the batch
run side by side at its start; once a step changes the host, every later check runs live,
after the change, so a result from before it is never used."""

from __future__ import annotations

import threading

import pytest
from solve_fakes import FakeClock, FakeHost

from stacklab.catalog import lab
from stacklab.hosts.errors import HostUnreachable
from stacklab.solve.ahead import JOBS, jobs_from_env
from stacklab.solve.log import RunLog
from stacklab.solve.model import LabSolution, Outcome, Step
from stacklab.solve.runner import Runner
from stacklab.solve.transport import Result


def step(sid: str, labn: int = 3, *, apply=None) -> Step:
    return Step(id=sid, lab=labn, title=f"title of {sid}", modern=(), tutorial_2012=None,
                why="why", check=f"check {sid}",
                apply=tuple(apply if apply is not None else [f"apply {sid}"]))


def solutions(n: int = 8) -> list[LabSolution]:
    return [LabSolution(lab(3), tuple(step(f"03-{i}") for i in range(n // 2))),
            LabSolution(lab(4), tuple(step(f"04-{i}", 4) for i in range(n // 2)))]


def run(host, tmp_path, sols, ahead=JOBS):
    clock = FakeClock()
    return Runner(host, RunLog(tmp_path / "solve.log"), sleep=clock.sleep, clock=clock,
                  ahead=ahead).run(sols)


class Together(FakeHost):
    """Each check waits (at most 5 s) until `together` checks are under way at once."""

    def __init__(self, sols, together: int) -> None:
        super().__init__(sols)
        self.barrier = threading.Barrier(together, timeout=5)

    def run(self, script, *, timeout=None, read_only=False):
        if script.startswith("check"):
            try:
                self.barrier.wait()
            except threading.BrokenBarrierError:
                return Result(1, "ran alone", 0.0)
        return super().run(script, timeout=timeout)


def test_a_no_change_run_takes_each_check_from_checks_run_side_by_side(tmp_path):
    sols = solutions(8)
    host = Together(sols, JOBS)
    host.applied = [c for sol in sols for s in sol.steps for c in s.apply]  # all done
    report = run(host, tmp_path, sols)
    assert [r.outcome for r in report.results] == [Outcome.NO_CHANGE] * 8
    assert sorted(host.scripts) == sorted(s.check for sol in sols for s in sol.steps)
    log = (tmp_path / "solve.log").read_text()
    assert log.count("check (run ahead)") == 8
    assert log.index("03-0 check") < log.index("03-3 check") < log.index("04-0 check")


def test_after_a_step_changes_the_host_later_checks_run_live_after_it(tmp_path):
    """04-0's check is green before 03-1's apply and red after it: the result from before
    must not be used (it would leave 04-0 undone)."""
    sols = solutions(4)
    host = FakeHost(sols)
    host.applied = ["apply 03-0", "apply 04-1"]
    undone = {"apply 04-0"}

    def done(s):
        if s.id == "04-0":  # green until 03-1 is applied, then it needs its own apply
            return "apply 03-1" not in host.applied or "apply 04-0" in host.applied
        return all(c in host.applied for c in s.apply)

    host.done = done
    report = run(host, tmp_path, sols)
    outcomes = {r.step.id: r.outcome for r in report.results}
    assert outcomes == {"03-0": Outcome.NO_CHANGE, "03-1": Outcome.CHANGED,
                        "04-0": Outcome.CHANGED, "04-1": Outcome.NO_CHANGE}
    assert undone <= set(host.applied)


def test_a_check_red_beside_others_is_checked_again_in_its_turn(tmp_path):
    """13-reachable (a ping and an ssh into a guest) was red once among checks run ahead
    and green alone a moment later: a second solve then said it changed the host."""
    sols = solutions(4)

    class BusyOnce(FakeHost):
        def __post_init__(self) -> None:
            super().__post_init__()
            self.reds = {"check 03-1"}

        def run(self, script, *, timeout=None, read_only=False):
            if script in self.reds:
                self.reds.discard(script)
                return Result(1, "no answer within 2 s", 2.0)
            return super().run(script, timeout=timeout)

    host = BusyOnce(sols)
    host.applied = [c for sol in sols for s in sol.steps for c in s.apply]
    report = run(host, tmp_path, sols)
    assert [r.outcome for r in report.results] == [Outcome.NO_CHANGE] * 4
    log = (tmp_path / "solve.log").read_text()
    assert log.count("03-1 check") == 2 and log.count("check (run ahead)") == 4
    assert host.scripts.count("check 04-1") == 1  # later steps keep their results


def test_without_ahead_each_check_runs_in_its_turn(tmp_path):
    sols = solutions(4)

    class InFlight(FakeHost):
        now = most = 0
        lock = threading.Lock()

        def run(self, script, *, timeout=None, read_only=False):
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
            try:
                return super().run(script, timeout=timeout)
            finally:
                with self.lock:
                    self.now -= 1

    host = InFlight(sols)
    host.applied = [c for sol in sols for s in sol.steps for c in s.apply]
    report = run(host, tmp_path, sols, ahead=0)
    assert [r.outcome for r in report.results] == [Outcome.NO_CHANGE] * 4
    assert host.most == 1
    assert "run ahead" not in (tmp_path / "solve.log").read_text()


def test_a_host_lost_during_a_check_run_ahead_stops_the_run_as_a_live_one_would(tmp_path):
    sols = solutions(4)

    class Lost(FakeHost):
        def run(self, script, *, timeout=None, read_only=False):
            if script == "check 03-1":
                raise HostUnreachable("error", "ssh://lab", "the SSH connection failed")
            return super().run(script, timeout=timeout)

    host = Lost(sols)
    host.applied = [c for sol in sols for s in sol.steps for c in s.apply]
    with pytest.raises(HostUnreachable):
        run(host, tmp_path, sols)


@pytest.mark.parametrize("value,jobs", [("", JOBS), ("0", 0), ("7", 7), ("many", JOBS)])
def test_stacklab_checks_ahead_sets_how_many(monkeypatch, value, jobs):
    monkeypatch.setenv("STACKLAB_CHECKS_AHEAD", value)
    assert jobs_from_env() == jobs
