"""Stage 4: break the solved host as a learner might; once the host is stable, exactly the
intended checks are red, each with its hint; `solve --only N` repairs it (even when the
case failed, so the next case starts from a solved host), and every check is green again.

At the end the suite prints, per lab, the cases, how many were repaired, and their seconds.
"""

from __future__ import annotations

import time

import pytest
from breakages import BREAKAGES, Breakage
from kit import CaseRun, Done, LabHost, explained, failing


def judge(case: Breakage, broken: Done) -> list[str]:
    """What is wrong with the broken host's verdicts (nothing: [])."""
    problems = []
    if not broken.settled:
        problems.append(f"the red set was still changing after {case.settle:.0f}s")
    if broken.red != set(case.red):
        problems.append(f"expected red: {sorted(case.red)}\nred: {failing(broken)}")
    for key in sorted(set(case.red) & broken.red):
        if not explained(broken.checks[key]):
            problems.append(f"{key} is red without saying why (what it found and a hint, "
                            "or the check that blocked it)")
    return problems


def break_and_repair(host: LabHost, case: Breakage) -> list[str]:
    """Break, judge once stable, repair (always), then judge the repair once stable."""
    started = time.monotonic()
    problems: list[str] = []
    repaired = False
    try:
        host.sh(case.script)
        broken = host.settle(case.labs, quiet=case.quiet, timeout=case.settle)
        host.timings.add(f"break: {case.name} (until stable)", broken.seconds)
        host.saw_red(broken, case.red)
        problems += judge(case, broken)
    except AssertionError as exc:  # the break itself failed: still repair
        problems.append(str(exc))
    finally:
        repair = host.solve("--only", str(case.repaired_by), *case.repair_args)
        host.timings.add(f"repair: solve --only {case.repaired_by}", repair.seconds)
        if case.stops_with:  # solve must leave it alone, saying what to do by hand
            if repair.code == 0 or case.stops_with not in repair.out:
                problems.append(f"solve --only {case.repaired_by} did not stop with "
                                f"{case.stops_with!r}:\n{repair.tail()}")
            host.sh(case.by_hand)  # what that line says to do
            repair = host.solve("--only", str(case.repaired_by), *case.repair_args)
            host.timings.add(f"repair after the hand's part: solve --only "
                             f"{case.repaired_by}", repair.seconds)
        if case.cleanup:
            host.ssh(case.cleanup)
    if repair.code != 0:
        problems.append(f"solve --only {case.repaired_by} failed:\n{repair.tail()}")
    elif "no change" in repair.out.splitlines()[-1]:
        problems.append(f"the repair changed nothing:\n{repair.tail(20)}")
    healed = host.settle(case.labs, quiet=20, timeout=240)
    if healed.red:
        problems.append(f"still red after the repair: {failing(healed)}")
    else:
        repaired = not problems
    host.cases.append(CaseRun(case.repaired_by, case.name, repaired,
                              time.monotonic() - started))
    return problems


@pytest.mark.parametrize("case", BREAKAGES, ids=lambda b: b.name)
def test_a_broken_host_fails_exactly_the_intended_checks_and_solve_repairs_it(
        solved: LabHost, case: Breakage):
    if not getattr(solved, "green_before_breaking", False):
        _, before = solved.check("3-14")
        assert not before.red, f"not green before breaking it: {failing(before)}"
    solved.green_before_breaking = False
    problems = break_and_repair(solved, case)
    # the next case needs a green host: a full check shows it when the judged labs did not
    if not problems and case.labs.startswith("3-"):
        solved.green_before_breaking = True
    assert not problems, "\n".join(problems)
