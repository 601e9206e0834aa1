"""Stage 1: on a fresh lab host, each lab in turn: `check N` red, `solve --only N`, then
`check N` green.

Red before green: before its lab is solved, every check of the lab is red (failed, error
or blocked: any status but passed, n/a and not-verified), with a hint and what it found;
the only exceptions are checks an earlier lab's steps make green (a step's `covers:` names
a later lab's check, e.g. lab 3 creates every service's database). Otherwise a check that
is green before its lab proves nothing about the lab.

`--only N` per lab (not `--until N`) so every step runs once here: `--until N` would
re-check every earlier lab twelve times over. Stage 2's `solve --until 14` covers --until.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hardware import HARDWARE_LIMITS
from kit import KIT, Done, LabHost, explained, failing

LABS = range(3, 15)
# Green on a freshly started host: `stacklab up` names the host as the tutorial does (the
# Vagrantfile and the container alike), so lab 4's host-name checks hold before lab 4.
GIVEN_BY_UP = {"04.host_is_named_as_in_the_tutorial", "04.host_name_resolves_to_the_lab_address"}


@pytest.mark.parametrize("number", LABS)
def test_solving_the_lab_makes_its_checks_green(lab: LabHost, number: int):
    if number > 3 and not getattr(lab, f"lab_{number - 1}_green", False):
        pytest.fail(f"lab {number - 1} is not green: lab {number} builds on it")
    _, fresh = lab.check(str(number))
    lab.timings.add(f"check {number} (before its solve)", fresh.seconds)
    assert fresh.checks, f"check {number} ran no check"
    lab.saw_red(fresh, fresh.checks)
    not_red = not_red_before_solving(fresh, number)
    assert not not_red, (f"before solve --only {number}, these checks are not red: "
                         f"{fresh.describe(not_red)}")
    solved = lab.solve("--only", str(number))
    lab.timings.add(f"solve --only {number}", solved.seconds)
    assert solved.code == 0, f"solve --only {number} failed:\n{solved.tail()}"
    _, done = lab.check(str(number))
    lab.timings.add(f"check {number}", done.seconds)
    assert done.checks, f"check {number} ran no check"
    assert not done.red, f"after solve --only {number}, red: {failing(done)}"
    setattr(lab, f"lab_{number}_green", True)
    if number == LABS[-1]:
        lab.solved = True


def made_green_earlier(number: int) -> set[str]:
    """Checks of lab `number` that a step of an earlier lab covers (solutions/steps)."""
    keys = set()
    for path in sorted((KIT / "solutions" / "steps").glob("*.yaml")):
        lab = int(path.name[:2])
        for step in yaml.safe_load(path.read_text())["steps"] if lab < number else []:
            keys.update(k for k in step.get("covers") or [] if k.startswith(f"{number:02d}."))
    return keys


def not_red_before_solving(fresh: Done, number: int) -> set[str]:
    """The checks that should be red now but are not, or are red without saying why: a
    failed or error check says what it found and gives a hint; a blocked one names the
    check that blocked it (its own hint would send the learner the wrong way)."""
    judged = {k for k, c in fresh.checks.items() if c["status"] not in ("n/a", "not-verified")}
    expected = judged - made_green_earlier(number) - GIVEN_BY_UP
    return {k for k in expected if k not in fresh.red or not explained(fresh.checks[k])}



def test_a_full_check_is_green(solved: LabHost):
    _, done = solved.check("3-14")
    solved.timings.add("full check 3-14", done.seconds)
    assert not done.red, failing(done)


def test_a_check_asking_the_host_at_once_judges_as_one_asking_in_turn(solved: LabHost):
    """The collector (stacklab.grading.prefetch) changes how the graders' commands reach
    the host, never a verdict: with the commands the last run asked prefetched, and with
    every command in its turn (STACKLAB_PREFETCH=0), each check ends the same."""
    solved.check("3-14")  # the runs before this one taught it the commands
    live_result, live = solved.check("3-14", env={"STACKLAB_PREFETCH": "0"})
    fast_result, fast = solved.check("3-14")
    solved.timings.add("full check 3-14, every command in its turn", live_result.seconds)
    solved.timings.add("full check 3-14, commands asked at once", fast_result.seconds)

    def verdicts(done):
        return {k: (c["status"], c["points"]) for k, c in done.checks.items()}

    assert verdicts(fast).keys() == verdicts(live).keys()
    differ = {k for k in verdicts(fast) if verdicts(fast)[k] != verdicts(live)[k]}
    if differ:  # a check that times something (a ping into the guest) may meet a slow
        # moment once: ask both ways again; what prefetching changes differs again
        _, live = solved.check("3-14", env={"STACKLAB_PREFETCH": "0"})
        _, fast = solved.check("3-14")
        differ = {k for k in differ if verdicts(fast)[k] != verdicts(live)[k]}
    assert not differ, {k: (verdicts(fast)[k], verdicts(live)[k]) for k in differ}


RECORD_ENV = "STACKLAB_E2E_RECORD"  # a file to write the recording to (re-recording)


def test_the_solved_host_is_recorded_for_the_unit_tests(solved: LabHost, tmp_path):
    """tests/recordings/record.py on this host: the unit and integration tests replay what a
    real solved host answers. With STACKLAB_E2E_RECORD=tests/recordings/solved-2025.1.json it
    re-records the committed file; otherwise it records aside and names the commands the
    committed recording lacks (those tests fail until it is re-recorded)."""
    out = Path(os.environ.get(RECORD_ENV) or tmp_path / "solved.json").resolve()
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(KIT / "tests" / "recordings" / "record.py"),
                           "--out", str(out)], cwd=KIT, env=solved.env, capture_output=True,
                          text=True, timeout=900, stdin=subprocess.DEVNULL, check=False)
    solved.timings.add("record the solved host", time.monotonic() - started)
    assert done.returncode == 0, f"record.py failed:\n{done.stdout}{done.stderr}"
    fresh = {(a["command"], a["stdin"]) for a in json.loads(out.read_text())["answers"]}
    committed = KIT / "tests" / "recordings" / "solved-2025.1.json"
    if committed.exists() and committed.resolve() != out:
        known = {(a["command"], a["stdin"]) for a in json.loads(committed.read_text())["answers"]}
        missing = sorted(c for c, _ in fresh - known)
        if missing:
            print(f"the committed recording lacks {len(missing)} commands: re-record with "
                  f"{RECORD_ENV}={committed}: " + "; ".join(missing))


def test_lab_14_says_which_backend_served_and_what_was_not_verified(solved: LabHost):
    _, done = solved.check("14")
    attached = done.checks["14.volume_is_attached_to_the_instance"]
    assert "rbd stand-in: no device-mapper on this host" in attached.get("note", ""), attached
    lvm = done.checks["14.volume_is_a_logical_volume_of_the_group"]
    assert lvm["status"] == "not-verified", lvm
    assert lvm["found"].startswith("not verified on this host: no device-mapper"), lvm


def test_every_check_not_verified_names_a_listed_hardware_limit(solved: LabHost):
    _, done = solved.check("3-14")
    assert done.not_verified, "the rbd stand-in leaves LVM and iSCSI not verified here"
    for key, found in done.not_verified.items():
        reason = found.removeprefix("not verified on this host: ")
        assert reason.startswith(HARDWARE_LIMITS), f"{key}: {found}"
