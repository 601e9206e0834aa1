"""What a check is and what it found: plain data, JSON in and out.

A check (in the spirit of otter-grader's test cases) has a lab, an id, a title, points,
a hint, whether it is hidden from learners, and the messages shown on success and on
failure. A run of checks against one host gives a :class:`RunResult`; a class run gives
a :class:`ClassReport`, one RunResult per student.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from enum import Enum
from typing import Any, Literal


class Outcome(str, Enum):
    """How a check ended: the one place that spells the verdicts.

    passed: the host is in the tutorial's state. failed: it is not (what was found, a
    hint): the learner's to fix. error: the kit could not find out (timeout, lost
    connection, an API that did not answer): never the learner's mistake. blocked: the
    check failed while a check it depends on was red (`blocked_by` names that check): one
    root cause is reported once. not-verified: a hardware limit of this host (named).
    n/a: does not apply to this host. not-verified and n/a are worth 0 of 0; error and
    blocked earn no points but are counted apart from failed in every report.
    """

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    BLOCKED = "blocked"
    NOT_VERIFIED = "not-verified"
    NOT_APPLICABLE = "n/a"

    def __str__(self) -> str:  # "passed", not "Outcome.PASSED", in f-strings and JSON
        return self.value


Status = Literal["passed", "failed", "error", "blocked", "not-verified", "n/a"]
OK_STATUSES = (Outcome.PASSED.value, Outcome.NOT_APPLICABLE.value, Outcome.NOT_VERIFIED.value)
# could not be judged: neither the learner's success nor their mistake
UNJUDGED_STATUSES = (Outcome.ERROR.value, Outcome.BLOCKED.value)
NOT_VERIFIED = "not verified on this host: "  # how a not-verified check's `found` begins
# the hint of an error: the check's own hint would send the learner to redo what may be done
UNJUDGED_HINT = "not a verdict on your work: the kit could not find this out; check again"
# ok: every check judged. unreachable/refused/timeout(connect)/error: not graded at all.
# timeout after a start: the host's time limit ended the run; incomplete: some checks ended
# in error (could not be found out): both are worth grading again.
HostStatus = Literal["ok", "unreachable", "refused", "timeout", "hostkey", "error",
                     "incomplete", "interrupted"]


@dataclass(frozen=True)
class CheckSpec:
    """The declaration of one check (from the @check marker of a grader test)."""

    lab: int
    id: str  # 'mariadb_listens_on_all_addresses': the test's name without 'test_'
    title: str
    points: float
    hint: str
    hidden: bool = False
    success: str = ""  # shown when it passes (may be empty)
    failure: str = ""  # shown when it fails, before what was found
    needs: tuple[str, ...] = ()  # keys of the checks it cannot pass without (earlier ones)

    @property
    def key(self) -> str:
        """'03.mariadb_listens_on_all_addresses': unique across the labs."""
        return f"{self.lab:02d}.{self.id}"


@dataclass(frozen=True)
class CheckResult:
    lab: int
    id: str
    title: str
    points: float  # earned
    max: float
    status: Status
    hint: str = ""
    found: str = ""  # what the check saw instead (or, on success, a note)
    message: str = ""  # the success or failure message of the check
    duration: float = 0.0
    hidden: bool = False
    note: str = ""  # what the check said beside its result (e.g. which backend served it)
    blocked_by: str = ""  # status blocked: the key of the red check it depends on

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES

    @property
    def key(self) -> str:
        return f"{self.lab:02d}.{self.id}"

    @property
    def reason_not_verified(self) -> str:
        """Why a not-verified check could not be verified ('' for any other status)."""
        if self.status != "not-verified":
            return ""
        return self.found.removeprefix(NOT_VERIFIED)

    @property
    def red(self) -> bool:
        """Failed, error or blocked: what makes the checks that need it blocked."""
        return self.status in (Outcome.FAILED, Outcome.ERROR, Outcome.BLOCKED)

    @classmethod
    def unjudged(cls, spec: CheckSpec, reason: str) -> CheckResult:
        """A check the kit could not run or judge (host unreachable, run stopped): error."""
        return cls(lab=spec.lab, id=spec.id, title=spec.title, points=0, max=spec.points,
                   status=Outcome.ERROR.value, hint=UNJUDGED_HINT, found=reason,
                   hidden=spec.hidden)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["passed"] = self.passed
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class RunResult:
    """Every check of one run against one host."""

    name: str  # the student (or 'lab' for a learner's own host)
    url: str  # where the host is: never holds a secret
    labs: list[int]
    checks: list[CheckResult] = field(default_factory=list)
    status: HostStatus = "ok"
    reason: str = ""  # why the host could not be graded (status != ok)
    duration: float = 0.0
    connections: int = 0  # SSH connections this run opened
    # who the student is for an LMS gradebook, from the inventory (email, sis_id, section)
    roster: dict[str, str] = field(default_factory=dict)

    @property
    def points(self) -> float:
        return round(sum(c.points for c in self.checks), 2)

    @property
    def max_points(self) -> float:
        return round(sum(c.max for c in self.checks), 2)

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.checks)

    @property
    def not_verified(self) -> list[CheckResult]:
        """The checks this host could not verify (worth 0 of 0: neither passed nor failed)."""
        return [c for c in self.checks if c.status == "not-verified"]

    def counts(self) -> dict[str, int]:
        """How many checks ended in each outcome (every outcome present, 0 where none)."""
        found = {o.value: 0 for o in Outcome}
        for c in self.checks:
            found[c.status] = found.get(c.status, 0) + 1
        return found

    @property
    def root_causes(self) -> list[CheckResult]:
        """The red checks that are not blocked by another: what a report leads with."""
        return [c for c in self.checks if c.status in (Outcome.FAILED, Outcome.ERROR)]

    def blocked_by(self, key: str) -> list[CheckResult]:
        """The checks that `key` (a root cause) blocked, directly or through others."""
        direct = [c for c in self.checks if c.status == Outcome.BLOCKED and c.blocked_by == key]
        found = list(direct)
        for c in direct:
            found += [d for d in self.blocked_by(c.key) if d not in found]
        return found

    @property
    def all_passed(self) -> bool:
        return self.status == "ok" and bool(self.checks) and all(c.ok for c in self.checks)

    def for_lab(self, lab: int) -> list[CheckResult]:
        return [c for c in self.checks if c.lab == lab]

    def lab_points(self, lab: int) -> tuple[float, float]:
        checks = self.for_lab(lab)
        return round(sum(c.points for c in checks), 2), round(sum(c.max for c in checks), 2)

    def visible(self) -> RunResult:
        """The same result without hidden checks: what a learner may see."""
        return replace(self, checks=[c for c in self.checks if not c.hidden])

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "url": self.url, "labs": list(self.labs),
                "status": self.status, "reason": self.reason,
                "points": self.points, "max_points": self.max_points,
                "passed": self.passed, "total": len(self.checks),
                "not_verified": [c.key for c in self.not_verified],
                "duration": round(self.duration, 3), "connections": self.connections,
                "roster": dict(self.roster), "checks": [c.to_dict() for c in self.checks]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        return cls(name=data["name"], url=data["url"], labs=list(data["labs"]),
                   checks=[CheckResult.from_dict(c) for c in data.get("checks", [])],
                   status=data.get("status", "ok"), reason=data.get("reason", ""),
                   duration=data.get("duration", 0.0),
                   connections=data.get("connections", 0),
                   roster=dict(data.get("roster") or {}))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> RunResult:
        return cls.from_dict(json.loads(text))


@dataclass(frozen=True)
class ClassReport:
    """A class run: one RunResult per student, in inventory order."""

    labs: list[int]
    hosts: list[RunResult]
    duration: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"labs": list(self.labs), "duration": round(self.duration, 3),
                "hosts": [h.to_dict() for h in self.hosts]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClassReport:
        return cls(labs=list(data["labs"]), duration=data.get("duration", 0.0),
                   hosts=[RunResult.from_dict(h) for h in data["hosts"]])

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ClassReport:
        return cls.from_dict(json.loads(text))
