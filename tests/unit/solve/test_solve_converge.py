"""Catching up converges: a step asks before taking something away, stops with one line
when it finds data it must not touch, and `--dry-run` on a host says what it would change."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from stacklab.catalog import lab
from stacklab.solve.dryrun import plan_text
from stacklab.solve.log import RunLog
from stacklab.solve.model import LabSolution, Outcome, Step
from stacklab.solve.runner import BY_HAND, Refused, Runner, SolveFailed
from stacklab.solve.transport import Result


def step(sid: str, *, asks: str | None = None) -> Step:
    return Step(id=sid, lab=14, title=f"the state {sid} wants", modern=(), tutorial_2012=None,
                why="why", check=f"check {sid}", apply=(f"apply {sid}",), asks=asks)


@dataclass
class Host:
    """A host whose answers are scripted per command; applying a step makes its check pass."""

    answers: dict[str, Result]
    ran: list[str] = field(default_factory=list)
    description: str = "scripted"

    def run(self, script: str, *, timeout: float | None = None,
            read_only: bool = False) -> Result:
        self.ran.append(script)
        if script.startswith("check ") and f"apply {script[6:]}" in self.ran:
            return Result(0, "", 0.0)
        return self.answers.get(script, Result(0, "", 0.0))

    def close(self) -> None:
        pass


def solution(*steps: Step) -> list[LabSolution]:
    return [LabSolution(lab(14), steps)]


def run(host: Host, steps: list[LabSolution], tmp_path, confirm=None):
    kwargs = {"confirm": confirm} if confirm else {}
    return Runner(host, RunLog(tmp_path / "solve.log"), **kwargs).run(steps)


RED = Result(1, "aims-vol1: in-use; aims-vm1's volumes: /dev/vdb other /dev/vdc aims-vol1", 0.1)
TAKES = Result(0, "detach other from aims-vm1 (/dev/vdb)\n", 0.1)


def test_a_step_that_would_take_something_away_is_refused_without_an_answer(tmp_path):
    host = Host({"check 14-attach": RED, "asks 14-attach": TAKES})
    with pytest.raises(Refused) as err:
        run(host, solution(step("14-attach", asks="asks 14-attach")), tmp_path)
    assert "apply 14-attach" not in host.ran, "refused: nothing may change"
    assert "detach other from aims-vm1" in err.value.message
    assert "stacklab solve --only 14 --yes" in err.value.hint


def test_with_a_yes_it_applies_and_the_question_names_what_it_takes(tmp_path):
    host = Host({"check 14-attach": RED, "asks 14-attach": TAKES})
    asked = []
    report = run(host, solution(step("14-attach", asks="asks 14-attach")), tmp_path,
                 confirm=lambda s, what: asked.append((s.id, what)) or True)
    assert asked == [("14-attach", "detach other from aims-vm1 (/dev/vdb)")]
    assert [r.outcome for r in report.results] == [Outcome.CHANGED]


def test_nothing_to_take_away_means_no_question(tmp_path):
    host = Host({"check 14-attach": RED, "asks 14-attach": Result(0, "\n", 0.1)})
    report = run(host, solution(step("14-attach", asks="asks 14-attach")), tmp_path,
                 confirm=lambda s, what: pytest.fail("asked with nothing to take away"))
    assert [r.outcome for r in report.results] == [Outcome.CHANGED]


def test_a_step_already_done_is_not_asked_about(tmp_path):
    host = Host({"asks 14-attach": TAKES})  # its check passes
    report = run(host, solution(step("14-attach", asks="asks 14-attach")), tmp_path)
    assert [r.outcome for r in report.results] == [Outcome.NO_CHANGE]
    assert "asks 14-attach" not in host.ran


def test_data_it_must_not_touch_stops_the_run_with_its_one_line(tmp_path):
    line = ("left alone: /dev/sdb holds the volume group mine with 2 logical volume(s) "
            "(data); move or remove them by hand")
    host = Host({"check 07-vg": Result(1, "nova-volumes is on: /dev/loop0", 0.1),
                 "apply 07-vg": Result(BY_HAND, "some output\n" + line + "\n", 0.1)})
    with pytest.raises(SolveFailed) as err:
        run(host, solution(step("07-vg"), step("07-next")), tmp_path)
    assert err.value.message == f"lab 14, step 07-vg: {line}"
    assert "command:" not in err.value.message
    assert "check 07-next" not in host.ran, "the run stops there"


def test_a_dry_run_on_a_host_shows_found_beside_wanted_and_runs_only_checks(tmp_path):
    host = Host({"check 14-attach": RED, "asks 14-attach": TAKES})
    text = plan_text(solution(step("14-create"), step("14-attach", asks="asks 14-attach")),
                     {}, host)
    assert "# in place   14-create: the state 14-create wants" in text
    assert "# WOULD RUN  14-attach" in text
    assert "#   wanted: the state 14-attach wants" in text
    assert "#   found:  aims-vol1: in-use; aims-vm1's volumes: /dev/vdb other" in text
    assert "asks first (or --yes): it would detach other from aims-vm1" in text
    assert "apply 14-attach" in text and "# 1 step(s) would change the host" in text
    assert not any(s.startswith("apply") for s in host.ran), "a dry run applies nothing"


def test_a_dry_run_on_a_host_in_place_says_no_change(tmp_path):
    text = plan_text(solution(step("14-create")), {}, Host({}))
    assert text.rstrip().endswith("# no change: the host is already there")
