"""The rule for skipped tests (a pytest plugin; tests/conftest.py loads it).

- Every run ends with one line per kind of skip that says how to enable the tests: the
  programs missing here and the `apt-get install` command that brings them (requires.py),
  the tests that need root, the files outside the repository that are absent.
- With CI=true a skip is a failure unless its reason names a hardware limit that
  ../shared/ENVIRONMENT.md lists (hardware.py): CI installs everything and runs as root,
  so any other skip hides a test that should have run. The run then exits 1.
"""

from __future__ import annotations

import os

import pytest
from hardware import HARDWARE_LIMITS, PREFIX
from requires import FILE, ROOT, programs_in

NAME = "stacklab-skip-rule"


def ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def is_hardware_limit(reason: str) -> bool:
    return reason.startswith(tuple(f"{PREFIX}{limit}: " for limit in HARDWARE_LIMITS))


def reason_of(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return text.removeprefix("Skipped: ")


class SkipRule:
    def __init__(self) -> None:
        self.skips: list[tuple[str, str]] = []  # (node id, reason)

    def _note(self, report: pytest.TestReport | pytest.CollectReport) -> None:
        if report.skipped and not hasattr(report, "wasxfail"):
            self.skips.append((report.nodeid, reason_of(report)))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._note(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self._note(report)

    def not_allowed(self) -> list[tuple[str, str]]:
        return [(node, why) for node, why in self.skips if not is_hardware_limit(why)]

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # the exit status pytest returns is session.exitstatus as it stands after this hook
        if ci() and self.not_allowed() and session.exitstatus in (
                pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:
        write = terminalreporter.write_line
        for line in self.summary():
            write(line)
        if ci():
            allowed = len(self.skips) - len(self.not_allowed())
            if allowed:
                write(f"CI: {allowed} skip(s) for listed hardware limits")
            if self.not_allowed():
                write(f"CI=true: {len(self.not_allowed())} skip(s) are not listed hardware "
                      "limits, so they count as failures:", red=True)
                for node, why in self.not_allowed():
                    write(f"  {node}: {why}", red=True)

    def summary(self) -> list[str]:
        """One line per kind of skip that this machine could remove."""
        programs: dict[str, str] = {}  # program -> package
        by_program, by_root, by_file = set(), set(), set()
        files: list[str] = []
        for node, why in self.skips:
            found = programs_in(why)
            for program, package in found:
                programs.setdefault(program, package)
            if found:
                by_program.add(node)
            elif why.startswith(ROOT):
                by_root.add(node)
            elif why.startswith(FILE):
                by_file.add(node)
                path = why.removeprefix(FILE).split(" (")[0]
                if path not in files:
                    files.append(path)
        lines = []
        if by_program:
            packages = " ".join(dict.fromkeys(sorted(programs.values())))
            lines.append(f"stacklab: {len(by_program)} test(s) skipped for want of "
                         f"{', '.join(sorted(programs))}; to run them: "
                         f"apt-get install {packages}")
        if by_root:
            lines.append(f"stacklab: {len(by_root)} test(s) skipped that need root; "
                         "to run them: run the tests as root")
        if by_file:
            lines.append(f"stacklab: {len(by_file)} test(s) skipped for want of "
                         f"{', '.join(files)} (outside this repository)")
        return lines


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin(NAME):
        config.pluginmanager.register(SkipRule(), NAME)
