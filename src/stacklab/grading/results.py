"""Each check's pytest report becomes one :class:`CheckResult` with its Outcome.

An assertion (``expect``, ``fail``, ``assert``) is failed; :class:`CheckError` (timeouts,
lost connections, an API that did not answer, the host's time limit) and any other exception
are error; ``not_applicable`` and ``not_verified`` are n/a and not-verified; a check that
failed while a check it needs is red is blocked (:mod:`stacklab.grading.needs`). Every text
is scrubbed of the lab's secrets. Plain pytest runs end with the kit's own table.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from stacklab.grading import needs
from stacklab.grading.control import control_of
from stacklab.grading.fixtures import secrets_of
from stacklab.grading.markers import NOT_APPLICABLE, HostTimeLimit, found_of, notes_of
from stacklab.grading.model import (
    NOT_VERIFIED,
    UNJUDGED_HINT,
    CheckResult,
    CheckSpec,
    Outcome,
    RunResult,
)
from stacklab.grading.redact import redact

SPEC = pytest.StashKey[CheckSpec]()
PARTIAL = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    spec = item.stash.get(SPEC, None)
    if spec is None or call.when == "teardown":
        return report
    partial = item.stash.setdefault(PARTIAL, {"duration": 0.0})
    partial["duration"] += call.duration
    if call.when == "setup" and report.passed:
        return report
    control = control_of(item.config)
    result = needs.judge(_result(spec, call, report, partial["duration"], notes_of(item)),
                         spec, control.evaluated)
    result = _scrub(result, secrets_of(item.config))
    if isinstance(call.excinfo.value if call.excinfo else None, HostTimeLimit):
        control.time_limit_reached = True
    control.evaluated[spec.key] = result
    if control.reports(spec):
        control.results.append(result)
        if control.on_result is not None:
            control.on_result(result)
    return report


def _result(spec: CheckSpec, call: pytest.CallInfo, report, duration: float,
            note: str) -> CheckResult:
    base = CheckResult(lab=spec.lab, id=spec.id, title=spec.title, points=0, max=spec.points,
                       status=Outcome.FAILED.value, hint=spec.hint, message=spec.failure,
                       duration=round(duration, 3), hidden=spec.hidden, note=note)
    if report.passed:
        return replace(base, points=spec.points, status=Outcome.PASSED.value, hint="",
                       message=spec.success)
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else "skipped"
        reason = reason.removeprefix("Skipped: ")
        if reason.startswith(NOT_APPLICABLE):
            return replace(base, status=Outcome.NOT_APPLICABLE.value, max=0, hint="",
                           message="", found=reason.removeprefix(NOT_APPLICABLE))
        if reason.startswith(NOT_VERIFIED):  # the found text keeps its "not verified" head
            return replace(base, status=Outcome.NOT_VERIFIED.value, max=0, hint="",
                           message="", found=reason)
        # a plain skip is no verdict on the host
        return replace(base, status=Outcome.ERROR.value, hint=UNJUDGED_HINT, message="",
                       found=f"not checked: {reason}")
    exc = call.excinfo.value if call.excinfo else None
    found, hint = found_of(exc) if exc is not None else ("failed", None)
    if isinstance(exc, AssertionError):
        return replace(base, found=found, hint=hint or spec.hint)
    return replace(base, status=Outcome.ERROR.value, found=found, hint=UNJUDGED_HINT,
                   message="")


def _scrub(result: CheckResult, secrets: list[str]) -> CheckResult:
    return replace(result, found=redact(result.found, secrets),
                   hint=redact(result.hint, secrets), message=redact(result.message, secrets),
                   note=redact(result.note, secrets))


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    """Plain pytest runs end with the kit's own table: ✔/✘, points, hints."""
    control = control_of(config)
    if not control.results or not control.summary:
        return
    from stacklab.outputs import table

    labs = sorted({r.lab for r in control.results})
    hosts = getattr(config.option, "hosts", None) or "local"
    run = RunResult(name="lab", url=hosts, labs=labs, checks=list(control.results))
    terminalreporter.write_line("")
    terminalreporter.write(table.render_run(run, width=terminalreporter._tw.fullwidth))
