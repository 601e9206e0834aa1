"""The reference solution's steps, as the lab texts see them: looked up by id.

The solutions own the commands (``stacklab.solve``); a lab text only names a step, so a
command is written once and the notebooks, ``stacklab solve`` and the graders' hints can
never disagree about it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from stacklab.settings import Settings


@dataclass(frozen=True)
class StepView:
    """What a notebook shows of one step."""

    id: str
    lab: int
    title: str
    modern: tuple[str, ...]
    tutorial_2012: str | None
    why: str
    credentials: str | None = None  # None | 'admin' | 'project'

    @property
    def script(self) -> str:
        return "\n".join(self.modern)


class UnknownStep(KeyError):
    def __init__(self, step_id: str, known: Iterable[str]) -> None:
        near = difflib.get_close_matches(step_id, list(known), n=3)
        text = f"no solution step {step_id!r}"
        if near:
            text += f" (did you mean {', '.join(near)}?)"
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return self.text


class StepBook:
    """Steps by id, for one host; ``elsewhere`` holds the ids that only other hosts have
    (a container's stand-in backend, say): a lab text may name them, this host skips them."""

    def __init__(self, steps: Iterable[StepView], elsewhere: Iterable[str] = ()) -> None:
        self._steps: dict[str, StepView] = {}
        for step in steps:
            if step.id in self._steps:
                raise ValueError(f"solution step {step.id!r} is defined twice")
            self._steps[step.id] = step
        self.elsewhere = frozenset(elsewhere) - set(self._steps)

    def get(self, step_id: str) -> StepView:
        try:
            return self._steps[step_id]
        except KeyError:
            raise UnknownStep(step_id, set(self._steps) | self.elsewhere) from None

    def applies(self, step_id: str) -> bool:
        """True for this host's steps, False for another host's; unknown ids raise."""
        if step_id in self._steps:
            return True
        if step_id in self.elsewhere:
            return False
        raise UnknownStep(step_id, set(self._steps) | self.elsewhere)

    def for_lab(self, lab: int) -> list[StepView]:
        return [s for s in self._steps.values() if s.lab == lab]

    def __len__(self) -> int:
        return len(self._steps)

    @classmethod
    def from_solutions(cls, settings: Settings, os: str | None = None,
                       elsewhere: Iterable[str] = ()) -> StepBook:
        """Every lab's steps from the reference solution, rendered with these settings."""
        return cls(solution_steps(settings, os), elsewhere)


def solution_steps(settings: Settings, os: str | None = None) -> list[StepView]:
    from stacklab.solve import load

    return [StepView(id=step.id, lab=solution.lab.number, title=step.title,
                     modern=tuple(step.modern), tutorial_2012=step.tutorial_2012,
                     why=step.why, credentials=step.credentials)
            for solution in load(settings, os=os) for step in solution.steps]
