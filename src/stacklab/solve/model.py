"""What a reference solution is made of: labs, their steps, and how a step ends."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from stacklab.catalog import Lab


@dataclass(frozen=True)
class Step:
    """One idempotent action of a lab's reference solution, rendered for one host.

    ``modern`` is what a learner types today (shown in the notebooks beside
    ``tutorial_2012``); ``apply`` is what ``stacklab solve`` runs, which may add what a
    person would not type (non-interactive flags, preseeding, retries). ``check`` only
    reads: it exits 0 when the step's effect is already there. After ``apply`` the check
    must pass, polled every ``interval`` seconds for up to ``timeout`` seconds.
    """

    id: str  # '05-keystone-bootstrap': unique, lab number first
    lab: int
    title: str
    modern: tuple[str, ...]
    tutorial_2012: str | None
    why: str
    check: str
    apply: tuple[str, ...]
    credentials: str | None = None  # None | 'admin' | 'project': the rc file sourced first
    timeout: float = 0.0  # how long to poll the check after apply (0 = check once)
    interval: float = 2.0
    # the graders' checks (ids, e.g. 'volume_group_is_on_the_second_disk') this step turns
    # green: every check of a lab is covered by some step (tests/unit/solve)
    covers: tuple[str, ...] = ()
    # read-only: prints one line per thing the apply would take away or disrupt (a volume
    # detached, a volume group removed); empty output = nothing to ask. The runner asks
    # before applying (`solve --yes` answers yes).
    asks: str | None = None


@dataclass(frozen=True)
class LabSolution:
    """A lab and the steps that bring a host to the state its graders expect."""

    lab: Lab
    steps: tuple[Step, ...] = field(default_factory=tuple)


class Outcome(str, Enum):
    NO_CHANGE = "no change"  # the check passed before anything ran
    CHANGED = "changed"  # apply ran, then the check passed
    WOULD_RUN = "would run"  # dry run
