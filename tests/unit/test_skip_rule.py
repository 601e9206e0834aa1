"""The skip rule (tests/skip_rule.py), proved on small pytest runs of its own (pytester).

Under CI=true a skip fails the run unless it names a hardware limit ENVIRONMENT.md lists;
without CI a skip passes and the run ends saying how to enable what was skipped.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hardware import HARDWARE_LIMITS, hardware_limit
from requires import find_program, missing_program, programs_in, shared, skip_unless_file

pytest_plugins = ["pytester"]
KIT = Path(__file__).resolve().parents[2]
ENVIRONMENT = shared("ENVIRONMENT.md")


@pytest.fixture
def run(pytester, monkeypatch):
    """run(test source, ci=bool) -> pytest's result for a file with the kit's skip rule."""
    pytester.makeconftest("from skip_rule import pytest_configure  # noqa: F401\n")

    def go(source: str, *, ci: bool):
        if ci:
            monkeypatch.setenv("CI", "true")
        else:
            monkeypatch.delenv("CI", raising=False)
        pytester.makepyfile(test_it=source)
        return pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rs")

    return go


PLAIN_SKIP = """
import pytest
def test_ok(): pass
def test_skipped(): pytest.skip("this machine is busy")
"""

HARDWARE_SKIP = """
import pytest
from hardware import hardware_limit
def test_ok(): pass
def test_lvm(): pytest.skip(hardware_limit("no device-mapper", "lvcreate needs it"))
"""

PROGRAM_SKIP = """
from requires import requires_program
@requires_program("stacklab-no-such-program", package="stacklab-pkg")
def test_needs_it(): pass
def test_ok(): pass
"""

MODULE_SKIP = """
import pytest
pytest.skip("not today", allow_module_level=True)
def test_never(): pass
"""


def test_under_ci_a_skip_that_is_no_hardware_limit_fails_the_run(run):
    result = run(PLAIN_SKIP, ci=True)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*1 skip(s) are not listed hardware limits*",
                                 "*test_it.py::test_skipped: this machine is busy"])


def test_under_ci_a_named_hardware_limit_passes(run):
    result = run(HARDWARE_SKIP, ci=True)
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["CI: 1 skip(s) for listed hardware limits"])


def test_without_ci_a_skip_passes(run):
    result = run(PLAIN_SKIP, ci=False)
    assert result.ret == pytest.ExitCode.OK
    assert "count as failures" not in result.stdout.str()


def test_a_missing_program_skips_naming_its_package_and_fails_only_under_ci(run):
    relaxed = run(PROGRAM_SKIP, ci=False)
    assert relaxed.ret == pytest.ExitCode.OK
    relaxed.assert_outcomes(passed=1, skipped=1)
    relaxed.stdout.fnmatch_lines([
        "stacklab: 1 test(s) skipped for want of stacklab-no-such-program; "
        "to run them: apt-get install stacklab-pkg"])
    strict = run(PROGRAM_SKIP, ci=True)
    assert strict.ret == pytest.ExitCode.TESTS_FAILED


def test_under_ci_a_skipped_module_fails_the_run(run):
    assert run(MODULE_SKIP, ci=True).ret == pytest.ExitCode.TESTS_FAILED
    assert run(MODULE_SKIP, ci=False).ret != pytest.ExitCode.TESTS_FAILED


def test_a_time_budget_is_not_a_hardware_limit():
    with pytest.raises(AssertionError, match="not a listed hardware limit"):
        hardware_limit("too slow under TCG", "6-8 minutes")


def test_reasons_name_the_debian_package():
    assert missing_program("sh", package="dash") is None
    assert find_program("/usr/sbin/no-such-sbin-program") is None
    why = missing_program("/usr/sbin/stacklab-nope", package="openssh-server")
    assert why == "missing program: stacklab-nope (apt-get install openssh-server)"
    assert programs_in(why + "; " + why.replace("nope", "other")) == [
        ("stacklab-nope", "openssh-server"), ("stacklab-other", "openssh-server")]
    assert programs_in("needs root: namespaces") == []


def test_the_hardware_limits_are_the_rows_of_environment_md():
    """Only the limits ENVIRONMENT.md lists count (it lives beside the kit, in ../shared)."""
    skip_unless_file(ENVIRONMENT, "the build machines' description")
    text = ENVIRONMENT.read_text()
    table = text.split("## What does not work here", 1)[1].split("\n\n", 1)[0]
    rows = [line.split("|")[1].strip() for line in table.splitlines()
            if line.startswith("|") and not set(line) <= set("|- ")][1:]
    assert rows, "ENVIRONMENT.md has no table under 'What does not work here'"
    for limit in HARDWARE_LIMITS:
        words = re.sub(r"^no (usable )?", "", limit)
        assert any(words in row for row in rows), f"{limit!r} is not a row of {rows}"


def test_the_e2e_suite_run_by_a_normal_user_under_ci_fails(tmp_path):
    """Every e2e test needs root: as any other user they skip, and CI=true turns that red.

    The suite runs for real in a pytest of its own that sees a normal user's uid (a real
    one could not read this interpreter everywhere) and a PATH with no programs at all, so
    nothing in it could start a lab host even if its root check were gone.
    """
    as_a_user = ("import os, sys, pytest; os.geteuid = lambda: 1000; "
                 "sys.exit(pytest.main(sys.argv[1:]))")
    env = {"PATH": str(tmp_path), "HOME": str(tmp_path), "CI": "true",
           "STACKLAB_STATE_DIR": str(tmp_path / "state"), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-c", as_a_user, "tests/e2e", "-q", "-p",
                           "no:cacheprovider"], cwd=KIT, env=env, capture_output=True,
                          text=True, timeout=300)
    out = done.stdout + done.stderr
    assert done.returncode == pytest.ExitCode.TESTS_FAILED, out[-3000:]
    assert " passed" not in out and "needs root: the end-to-end suite" in out, out[-3000:]
    assert "count as failures" in out
