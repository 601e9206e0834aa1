"""The graph of what each check needs: sound, and one root cause reported once.

Every break of the broken-host cases turns exactly its own checks red (failed), and any
check that fails because of it blocked, naming the check it needs; the graders' `needs`
name existing checks of an earlier or the same lab, and have no cycle.
"""

from __future__ import annotations

import pytest
import test_grading_broken_hosts as broken
from grading_helpers import by_key

from stacklab.grading import needs
from stacklab.grading.model import CheckResult, CheckSpec
from stacklab.grading.runner import collect_specs


def spec(key: str, *wanted: str) -> CheckSpec:
    return CheckSpec(lab=int(key[:2]), id=key[3:], title=key, points=1, hint="h",
                     needs=wanted)


def test_every_need_names_an_earlier_check_and_there_is_no_cycle():
    specs = collect_specs()
    assert needs.problems(specs) == []
    assert sum(bool(s.needs) for s in specs) >= 35  # the OpenStack and guest checks do


def test_a_bad_graph_is_found_out():
    specs = [spec("03.a"), spec("03.b", "03.a", "03.nothing"), spec("04.c", "05.d"),
             spec("05.d", "04.c")]
    found = needs.problems(specs)
    assert "03.b needs 03.nothing: no such check" in found
    assert "04.c needs 05.d, which runs after it" in found
    assert any(p.startswith("04.c needs itself") for p in found)


def test_closure_follows_needs_through_other_checks():
    known = {s.key: s for s in [spec("03.a"), spec("04.b", "03.a"), spec("05.c", "04.b"),
                                spec("05.e")]}
    assert needs.closure(["05.c"], known) == {"04.b", "03.a"}


def test_a_pass_is_a_pass_and_only_failures_are_blocked():
    need = CheckResult(3, "a", "A", 0, 1, "failed", found="it is off")
    evaluated = {"03.a": need}
    wants = spec("04.b", "03.a")
    passed = CheckResult(4, "b", "B", 1, 1, "passed")
    assert needs.judge(passed, wants, evaluated) is passed
    failed = CheckResult(4, "b", "B", 0, 1, "failed", hint="redo b", found="b is gone")
    got = needs.judge(failed, wants, evaluated)
    assert (got.status, got.blocked_by, got.hint) == ("blocked", "03.a", "")
    assert got.found == "blocked by 03.a (A): it is off"
    chained = needs.judge(CheckResult(5, "c", "C", 0, 1, "failed"), spec("05.c", "04.b"),
                          {"03.a": need, "04.b": got})
    assert chained.found == "blocked by 04.b (B), itself blocked by 03.a (A): it is off"
    fine = {"03.a": CheckResult(3, "a", "A", 1, 1, "passed")}
    assert needs.judge(failed, wants, fine) is failed  # red for its own reason


def _cases() -> dict:
    """Each break, with the checks it must turn red itself and those it must block."""
    table: dict = {}
    for breaking, _labs, key, *_ in broken.CASES:
        table.setdefault(breaking, (set(), set()))[0].add(key)
    for breaking, _labs, key, by, _found in broken.BLOCKED:
        red, blocked = table.setdefault(breaking, (set(), set()))
        blocked.add(key)
        if by[:2] == key[:2] or breaking is not broken.hosts_file_and_keystone_broken:
            red.add(by)
    table[broken.no_answers_saved][0].update(  # every question of lab 2 is unanswered
        f"02.answer[{q.id}]" for q in __import__("stacklab.grading.knowledge", fromlist=["x"])
        .load_questions(2))
    return table


CASES = _cases()


def instance_stopped(h):
    h.bodies["servers"][0]["status"] = "SHUTOFF"
    h.ping_ok = False
    h.guest_ssh_error = "ssh: connect to host 172.16.4.224 port 22: Connection timed out"


@pytest.mark.parametrize("breaking", list(CASES), ids=[b.__name__ for b in CASES])
def test_each_break_turns_its_own_checks_red_and_blocks_what_needs_them(solved, grade,
                                                                       breaking):
    red, blocked = CASES[breaking]
    breaking(solved)
    result = grade(solved)
    roots = {c.key for c in result.root_causes}
    assert roots >= {k for k in red if k not in blocked}
    assert roots <= red | {"05.admin_logs_in_to_keystone", "04.host_name_resolves_to_the_lab_"
                                                          "address"}
    assert {k for k in blocked} <= {c.key for c in result.checks if c.status == "blocked"}
    _every_blocked_check_names_a_red_need(result)


def test_a_stopped_instance_is_reported_once_and_blocks_ping_ssh_and_the_guest(solved, grade):
    instance_stopped(solved)
    result = grade(solved)
    assert [c.key for c in result.root_causes] == ["12.instance_is_active_as_the_tutorial_says"]
    assert "status SHUTOFF" in result.root_causes[0].found
    took_down = {c.key for c in result.blocked_by("12.instance_is_active_as_the_tutorial_says")}
    assert took_down == {"13.instance_answers_ping", "13.instance_answers_ssh",
                         "14.guest_sees_the_volume"}
    for check in result.blocked_by("12.instance_is_active_as_the_tutorial_says"):
        assert check.points == 0 and check.hint == "" and "status SHUTOFF" in check.found
    _every_blocked_check_names_a_red_need(result)


def test_keystone_down_is_one_problem_with_the_rest_of_openstack_blocked(solved, grade):
    broken.admin_login_refused(solved)
    result = grade(solved)
    assert [c.key for c in result.root_causes] == ["05.admin_logs_in_to_keystone"]
    took_down = result.blocked_by("05.admin_logs_in_to_keystone")
    assert len(took_down) >= 25
    assert result.counts()["failed"] == 1 and result.counts()["blocked"] == len(took_down)


def _every_blocked_check_names_a_red_need(result) -> None:
    checks = by_key(result)
    known = {s.key: s for s in collect_specs()}
    for check in checks.values():
        if check.status != "blocked":
            continue
        assert check.blocked_by in known[check.key].needs, check.key
        if check.blocked_by in checks:
            assert checks[check.blocked_by].red
        assert check.found.startswith(f"blocked by {check.blocked_by} (")
        assert check.found.count("blocked by") <= 2  # the need, and the root cause
