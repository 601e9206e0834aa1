"""What several formats share: labels, lab columns, the last line of defence for secrets."""

from __future__ import annotations

from stacklab.catalog import lab as lab_of
from stacklab.grading.model import CheckResult, ClassReport, RunResult
from stacklab.grading.redact import redact

MARK = {"passed": "✔", "failed": "✘", "error": "✘", "timeout": "✘", "not-run": "·",
        "n/a": "–", "not-verified": "○"}
HOST_STATUS = {"ok": "graded", "unreachable": "unreachable", "refused": "key refused",
               "timeout": "timed out", "hostkey": "host key refused", "error": "error"}


def clean(text: str) -> str:
    return redact(text or "")


def points(value: float) -> str:
    return f"{value:g}"


def lab_title(number: int) -> str:
    return f"{number:02d} {lab_of(number).title}"


def lab_short(number: int) -> str:
    return f"lab{number:02d}"


def host_label(run: RunResult) -> str:
    return HOST_STATUS.get(run.status, run.status)


def lab_numbers(report: ClassReport) -> list[int]:
    return sorted(set(report.labs) | {c.lab for h in report.hosts for c in h.checks})


def detail(check: CheckResult) -> str:
    """What a failed check says: what was found, then the hint."""
    parts = [clean(check.found)] if check.found else []
    if check.hint and not check.ok:
        parts.append("hint: " + clean(check.hint))
    return "\n".join(parts)


def counted(run: RunResult) -> list[CheckResult]:
    """The checks that could pass or fail on this host (not n/a, not not-verified)."""
    return [c for c in run.checks if c.status not in ("n/a", "not-verified")]


def lab_cell(run: RunResult, lab: int, empty: str = "–") -> str:
    """A host's points for a lab, or `empty` when that lab was not graded on it."""
    return points(run.lab_points(lab)[0]) if run.for_lab(lab) else empty
