"""A fake lab host for the solve engine's tests: it remembers what was applied."""

from __future__ import annotations

from dataclasses import dataclass, field

from stacklab.solve.model import LabSolution, Step
from stacklab.solve.transport import Result


@dataclass
class FakeHost:
    """Each step's check passes once all of that step's apply commands have run.

    ``fail`` maps an apply command to the output it fails with (once, or always);
    ``late`` maps a step id to how many extra checks it needs after apply (a slow service).
    """

    solutions: list[LabSolution]
    fail: dict[str, str] = field(default_factory=dict)
    fail_always: bool = False
    late: dict[str, int] = field(default_factory=dict)
    give_up: set[str] = field(default_factory=set)
    applied: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    description: str = "fake"

    def __post_init__(self) -> None:
        self.by_check = {s.check: s for sol in self.solutions for s in sol.steps}
        self.by_apply = {c: s for sol in self.solutions for s in sol.steps for c in s.apply}
        self.asks = {s.asks for sol in self.solutions for s in sol.steps if s.asks}

    def done(self, step: Step) -> bool:
        return all(c in self.applied for c in step.apply) and bool(step.apply)

    def run(self, script: str, *, timeout: float | None = None,
            read_only: bool = False) -> Result:
        self.scripts.append(script)
        command = script.split("\n", 1)[1] if script.startswith(". ~/") else script
        if command in self.by_check:
            step = self.by_check[command]
            if step.id in self.give_up:
                return Result(99, f"{step.id}: broken for good", 0.1)
            if self.done(step) and self.late.get(step.id, 0) > 0:
                self.late[step.id] -= 1
                return Result(1, f"{step.id}: not yet", 0.1)
            return Result(0 if self.done(step) else 1, "", 0.1)
        if command in self.asks:  # a fresh host: nothing stands in the way
            return Result(0, "", 0.1)
        if command in self.by_apply:
            if command in self.fail:
                output = self.fail[command]
                if not self.fail_always:
                    del self.fail[command]
                return Result(1, output, 0.2)
            self.applied.append(command)
            return Result(0, "ok", 0.2)
        raise AssertionError(f"the runner sent a command no step has:\n{script}")

    def close(self) -> None:
        pass


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
