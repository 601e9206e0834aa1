"""What several formats share: verdict labels, root causes, lab columns, class pass rates,
and the last line of defence for secrets.

Every format reads a check's verdict through :func:`outcome`, so the statuses an older
result file may still hold ("timeout", "not-run": the kit could not find out) show as
error everywhere, never as a learner's failure.
"""

from __future__ import annotations

from dataclasses import dataclass

from stacklab.catalog import lab as lab_of
from stacklab.grading.model import CheckResult, ClassReport, Outcome, RunResult
from stacklab.grading.redact import redact

LEGACY = {"timeout": Outcome.ERROR.value, "not-run": Outcome.ERROR.value}
MARK = {"passed": "✔", "failed": "✘", "error": "!", "blocked": "⊘", "n/a": "–",
        "not-verified": "○"}
LABEL = {"passed": "passed", "failed": "failed", "error": "could not check",
         "blocked": "blocked", "not-verified": "not verified", "n/a": "does not apply"}
HOST_STATUS = {"ok": "graded", "unreachable": "unreachable", "refused": "key refused",
               "timeout": "timed out", "hostkey": "host key refused", "error": "error",
               "incomplete": "incomplete", "interrupted": "interrupted"}
RED = (Outcome.FAILED.value, Outcome.ERROR.value)


def without(report: ClassReport, key: str) -> list[str]:
    """The students whose inventory entry lacks roster field `key` (email, sis_id)."""
    return [h.name for h in report.hosts if not h.roster.get(key)]


def some_lack(report: ClassReport, key: str) -> str:
    """'1 of 3 students (carol) have no sis_id' when some but not all lack `key`, else ''."""
    missing = without(report, key)
    if not missing or len(missing) == len(report.hosts):
        return ""
    named = ", ".join(missing[:3]) + (", …" if len(missing) > 3 else "")
    return (f"{len(missing)} of {len(report.hosts)} students ({named}) "
            f"{'has' if len(missing) == 1 else 'have'} no {key}")


def outcome(check: CheckResult) -> str:
    """The check's verdict, one of Outcome's values (retired statuses read as error)."""
    return LEGACY.get(check.status, check.status)


def clean(text: str) -> str:
    return redact(text or "")


def points(value: float) -> str:
    """A number as a gradebook wants it: '.' for decimals, no exponent, no trailing zeros."""
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def lab_title(number: int) -> str:
    return f"{number:02d} {lab_of(number).title}"


def lab_short(number: int) -> str:
    return f"lab{number:02d}"


def check_label(check: CheckResult) -> str:
    """'04 host name resolves to the lab address': how a person names a check."""
    return f"{check.lab:02d} {check.title}"


def host_label(run: RunResult) -> str:
    return HOST_STATUS.get(run.status, run.status)


def lab_numbers(report: ClassReport) -> list[int]:
    return sorted(set(report.labs) | {c.lab for h in report.hosts for c in h.checks})


def counts(run: RunResult) -> dict[str, int]:
    """How many checks ended in each outcome (every outcome present)."""
    found = {o.value: 0 for o in Outcome}
    for c in run.checks:
        found[outcome(c)] = found.get(outcome(c), 0) + 1
    return found


def root_causes(run: RunResult) -> list[CheckResult]:
    """The red checks no other check explains: failed ones first, the one that blocked most
    checks first among them, then the checks the kit could not judge."""
    red = [c for c in run.checks if outcome(c) in RED]
    return sorted(red, key=lambda c: (outcome(c) != Outcome.FAILED.value,
                                      -blocked_count(run, c), c.lab))


def blocked_count(run: RunResult, check: CheckResult) -> int:
    return len(run.blocked_by(check.key))


def blocker(run: RunResult, check: CheckResult) -> str:
    """'blocked by 04 host name resolves …': the check a blocked check waited for."""
    named = next((c for c in run.checks if c.key == check.blocked_by), None)
    return "blocked by " + (check_label(named) if named else check.blocked_by or "another check")


def cause_line(run: RunResult, check: CheckResult) -> str:
    text = check_label(check)
    if outcome(check) == Outcome.ERROR.value:
        text += " (could not check)"
    n = blocked_count(run, check)
    if n:
        text += f" — {n} check{'s' if n != 1 else ''} blocked by it"
    return text


def graded(run: RunResult) -> bool:
    """Whether the host could be graded at all (reached, and some check was judged)."""
    return run.status == "ok" or any(outcome(c) not in ("error", "blocked") for c in run.checks)


def headline(run: RunResult, limit: int = 3, within: list[CheckResult] | None = None) -> str:
    """What a report leads with: '1 problem: 04 … — 29 checks blocked by it'. `within`
    (a lab's checks) names only the causes of those, counted over the whole run."""
    if not graded(run):
        return f"could not be graded: {host_label(run)}: {clean(run.reason)}"
    causes = root_causes(run)
    if within is not None:
        keys = {root_of(run, c).key for c in within}
        causes = [c for c in causes if c.key in keys]
    lead = f"{host_label(run)}: {clean(run.reason)}; " if run.status != "ok" else ""
    if not causes:
        return lead + ("every check passed" if (within or run.checks) else "no checks ran")
    shown = "; ".join(cause_line(run, c) for c in causes[:limit])
    more = f"; and {len(causes) - limit} more" if len(causes) > limit else ""
    return (lead + f"{len(causes)} problem{'s' if len(causes) != 1 else ''}: " + shown + more)


def root_of(run: RunResult, check: CheckResult) -> CheckResult:
    """The check a blocked check waits for, followed to the end (itself when not blocked)."""
    by_key = {c.key: c for c in run.checks}
    seen = set()
    while outcome(check) == Outcome.BLOCKED.value and check.blocked_by in by_key \
            and check.key not in seen:
        seen.add(check.key)
        check = by_key[check.blocked_by]
    return check


def tally(run: RunResult) -> str:
    """'27 passed, 1 failed, 1 could not check, 29 blocked' (outcomes that occurred)."""
    found = counts(run)
    order = ("passed", "failed", "error", "blocked", "not-verified", "n/a")
    return ", ".join(f"{found[o]} {LABEL[o]}" for o in order if found[o])


def detail(check: CheckResult, run: RunResult | None = None) -> str:
    """What a red check says: what was found (or what blocked it), then the hint."""
    parts = []
    if outcome(check) == Outcome.BLOCKED.value and run is not None:
        parts.append(blocker(run, check))
    if check.found:
        parts.append(clean(check.found))
    if check.hint and outcome(check) == Outcome.FAILED.value:
        parts.append("hint: " + clean(check.hint))
    return "\n".join(parts)


def counted(run: RunResult) -> list[CheckResult]:
    """The checks that could pass or fail on this host (not n/a, not not-verified)."""
    return [c for c in run.checks if outcome(c) not in ("n/a", "not-verified")]


def lab_cell(run: RunResult, lab: int, empty: str = "–") -> str:
    """A host's points for a lab, or `empty` when that lab was not graded on it."""
    return points(run.lab_points(lab)[0]) if run.for_lab(lab) else empty


def lab_max(report: ClassReport, lab: int) -> float:
    """A lab's maximum: the most any host could earn there."""
    return max((h.lab_points(lab)[1] for h in report.hosts), default=0)


def lab_known(run: RunResult, lab: int) -> bool:
    """Whether the host's points for `lab` are the truth: graded, and no check of the lab
    left open because the kit could not find out (an error, or blocked by one)."""
    if not graded(run) or not run.for_lab(lab):
        return False
    return all(outcome(root_of(run, c)) != Outcome.ERROR.value for c in run.for_lab(lab))


def grade_cell(run: RunResult, lab: int) -> str:
    """A gradebook cell: the points, or blank where the grade could not be found out."""
    return points(run.lab_points(lab)[0]) if lab_known(run, lab) else ""


@dataclass(frozen=True)
class CheckRate:
    """How the class did on one check: the instructor's first question."""

    lab: int
    title: str
    passed: int
    failed: int
    unjudged: int  # error or blocked: the kit could not judge it
    hosts: int

    @property
    def label(self) -> str:
        return f"{self.lab:02d} {self.title}"

    @property
    def rate(self) -> float:
        judged = self.passed + self.failed
        return self.passed / judged if judged else 0.0


def pass_rates(report: ClassReport) -> list[CheckRate]:
    """Every check the class met, the one most hosts fail first (hosts that could not be
    graded at all are left out: they say nothing about a check)."""
    found: dict[str, dict] = {}
    for host in filter(graded, report.hosts):
        for c in host.checks:
            verdict = outcome(c)
            if verdict in ("n/a", "not-verified"):
                continue
            row = found.setdefault(c.key, {"lab": c.lab, "title": c.title, "passed": 0,
                                           "failed": 0, "unjudged": 0, "hosts": 0})
            row["hosts"] += 1
            row["passed" if verdict == "passed" else "failed" if verdict == "failed"
                else "unjudged"] += 1
    rates = [CheckRate(**row) for row in found.values()]
    return sorted(rates, key=lambda r: (-r.failed, -r.unjudged, r.lab, r.title))
