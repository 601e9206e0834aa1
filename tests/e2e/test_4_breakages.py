"""Stage 4: break the solved host as a learner might; exactly the intended checks turn
red, each with its hint; `solve --only N` repairs it, and every check is green again."""

from __future__ import annotations

import pytest
from breakages import BREAKAGES, Breakage
from kit import LabHost, failing


@pytest.mark.parametrize("case", BREAKAGES, ids=lambda b: b.name)
def test_a_broken_host_fails_exactly_the_intended_checks_and_solve_repairs_it(
        solved: LabHost, case: Breakage):
    _, before = solved.check("3-14")
    assert not before.red, f"not green before breaking it: {failing(before)}"
    try:
        solved.sh(case.script)
        broken = solved.wait_for(set(case.red), "3-14", timeout=case.settle)
        solved.timings.add(f"break: {case.name} (until red)", broken.seconds)
        assert broken.red == set(case.red), (
            f"expected red: {sorted(case.red)}\nred: {failing(broken)}")
        for key in case.red:
            c = broken.checks[key]
            assert c["hint"].strip(), f"{key} failed without a hint"
            assert c["found"].strip(), f"{key} failed without saying what it found"
        repair = solved.solve("--only", str(case.repaired_by))
        solved.timings.add(f"repair: solve --only {case.repaired_by}", repair.seconds)
        assert repair.code == 0, f"solve --only {case.repaired_by} failed:\n{repair.tail()}"
        assert "no change" not in repair.out.splitlines()[-1], repair.tail(20)
    finally:
        if case.cleanup:
            solved.ssh(case.cleanup)
    healed = solved.wait_for(set(), "3-14", timeout=240)
    assert not healed.red, f"still red after the repair: {failing(healed)}"
