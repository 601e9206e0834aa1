"""Rules every test run of the kit follows.

With CI=true a skipped test is a failure unless its reason names one of the hardware
limits that ../shared/ENVIRONMENT.md lists for the build machines. Write such skips as
``pytest.skip(hardware_limit("no device-mapper", "why this test needs it"))``.
"""

from __future__ import annotations

import os

from hardware import HARDWARE_LIMITS, PREFIX, hardware_limit  # noqa: F401


def _allowed(reason: str) -> bool:
    return any(reason.startswith(PREFIX + limit) for limit in HARDWARE_LIMITS)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if os.environ.get("CI", "").lower() != "true":
        return
    bad = []
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        if not _allowed(reason):
            bad.append(f"{report.nodeid}: {reason}")
    allowed = len(terminalreporter.stats.get("skipped", [])) - len(bad)
    if allowed:
        terminalreporter.write_line(f"CI: {allowed} skip(s) for listed hardware limits")
    if bad:
        terminalreporter.write_line("CI=true: these skips are not listed hardware limits, "
                                    "so they count as failures:", red=True)
        for line in bad:
            terminalreporter.write_line(f"  {line}", red=True)
        config._stacklab_bad_skips = len(bad)


def pytest_sessionfinish(session, exitstatus):
    if getattr(session.config, "_stacklab_bad_skips", 0) and exitstatus == 0:
        session.exitstatus = 1
