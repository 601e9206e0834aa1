"""The pytest plugin on small grader files: markers, hidden checks, time limits, n/a,
not verified, summary."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

GRADER = '''
import time
from stacklab.grading import check, expect, not_applicable, not_verified, note

@check(points=2, title="listens on {s.mysql.port}", hint="set bind-address")
def test_listens(host):
    expect(False, found="listening on 127.0.0.1:3306")

@check(points=1, title="plain assert", hint="look at it")
def test_plain_assert(host):
    value = 3
    assert value == 4, "value is 3"

@check(points=1, title="hangs", hint="never ends")
def test_hangs(host):
    time.sleep(30)

@check(points=1, title="secret", hint="h", hidden=True)
def test_hidden(host):
    note("served by the stand-in")
    note("served by the stand-in")  # said twice, kept once

@check(points=1, title="does not apply", hint="h")
def test_na(host):
    not_applicable("the RBD stand-in needs no iSCSI")

@check(points=2, title="cannot be verified", hint="h")
def test_nv(host):
    not_verified("no iSCSI: this kernel has no iSCSI target")

@check(points=1, title="unknown limit", hint="h")
def test_nv_unknown(host):
    not_verified("it did not work")

@check(points=1, title="crashes", hint="h")
def test_crash(host):
    raise KeyError("boom")

def test_not_a_check(host):
    pass
'''


@pytest.fixture
def graders(pytester):
    pytester.makepyfile(test_03_sample=GRADER)
    pytester.makeconftest('pytest_plugins = ["stacklab.grading.plugin"]')
    return pytester


def results(pytester, **control):
    """Run as stacklab.grading.run_checks does: a RunControl decides limits and hidden checks."""
    from stacklab.grading.control import RunControl

    run = RunControl(summary=False, **control)
    pytester.runpytest_inprocess("-p", "no:cacheprovider", plugins=[run])
    return {r.id: r for r in run.results}


def test_statuses_found_and_hints(graders):
    got = results(graders, check_timeout=1)
    assert got["listens"].status == "failed" and got["listens"].found == \
        "listening on 127.0.0.1:3306"
    assert got["listens"].title == "listens on 3306"  # filled in from the settings
    assert got["listens"].hint == "set bind-address" and got["listens"].lab == 3
    assert got["plain_assert"].found == "value is 3"
    assert got["hangs"].status == "error" and "within 1 s" in got["hangs"].found
    assert "not a verdict on your work" in got["hangs"].hint  # never the check's own hint
    assert 0.9 < got["hangs"].duration < 30  # the check sleeps 30 s: its limit cut it off
    assert got["na"].status == "n/a" and got["na"].max == 0 and "RBD" in got["na"].found
    assert got["crash"].status == "error" and "KeyError" in got["crash"].found
    nv = got["nv"]
    assert (nv.status, nv.points, nv.max, nv.hint) == ("not-verified", 0, 0, "")
    assert nv.found == "not verified on this host: no iSCSI: this kernel has no iSCSI target"
    assert nv.reason_not_verified == "no iSCSI: this kernel has no iSCSI target"
    assert nv.ok and not nv.passed
    # a reason must name one of ENVIRONMENT.md's limits: a grader bug shows as an error
    assert got["nv_unknown"].status == "error" and "no device-mapper" in got["nv_unknown"].found
    assert got["hidden"].passed and got["hidden"].hidden
    assert got["hidden"].note == "served by the stand-in"
    assert got["listens"].note == "" and got["nv"].note == ""  # notes stay with their check
    assert "not_a_check" not in got


def test_learners_do_not_see_hidden_checks(graders):
    got = results(graders, check_timeout=1, include_hidden=False)
    assert "hidden" not in got and "listens" in got


def test_plain_pytest_takes_options_and_ends_with_the_kits_table(graders):
    run = graders.runpytest_inprocess("-p", "no:cacheprovider", "--check-timeout", "1",
                                      "--learner")
    text = run.stdout.str()
    assert "listening on 127.0.0.1:3306" in text and "→ set bind-address" in text
    assert "no answer within 1 s" in text
    assert "secret" not in text  # --learner leaves hidden checks out
    assert "Total: 0/6 points, 0/5 checks passed" in text
    # the kit's table ends with the checks this host could not verify, and why
    after_total = text.split("checks passed\n", 1)[1]
    assert after_total.startswith("Not verified on this host (1, worth 0 of 0 points")
    assert "03.nv (no iSCSI: this kernel has no iSCSI target)" in after_total


def test_notes_of_checks_running_at_once_in_threads_stay_apart():
    import threading
    from types import SimpleNamespace

    from stacklab.grading.markers import note, notes_of, running

    items = [SimpleNamespace(user_properties=[]) for _ in range(2)]
    both_running = threading.Barrier(2)

    def check(item, text):
        with running(item):
            both_running.wait(5)  # the other host's check is running too
            note(text)

    threads = [threading.Thread(target=check, args=(item, f"host {n}"))
               for n, item in enumerate(items)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [notes_of(item) for item in items] == ["host 0", "host 1"]
