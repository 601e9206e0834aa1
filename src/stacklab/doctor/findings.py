"""What the doctor found: one line per question, with a fix when something is missing."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Status(str, Enum):
    OK = "ok"
    WARN = "warn"  # works, but slowly or with a caveat
    FAIL = "fail"  # this part cannot work until fixed
    SKIP = "skip"  # not relevant on this machine


@dataclass(frozen=True)
class Finding:
    topic: str
    status: Status
    detail: str
    fix: str = ""


@dataclass
class Diagnosis:
    findings: list[Finding] = field(default_factory=list)
    providers: list[str] = field(default_factory=list)  # usable lab-host providers, best first

    def add(self, finding: Finding) -> Finding:
        self.findings.append(finding)
        return finding

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.status is Status.FAIL and f.topic in BLOCKING]

    @property
    def lab_can_start(self) -> bool:
        return bool(self.providers) and not self.blocking


# Topics whose failure stops the lab from starting; a missing VirtualBox is no blocker
# when libvirt works, so providers are judged together through `providers`.
BLOCKING = {"memory", "disk", "python", "host-only network"}
