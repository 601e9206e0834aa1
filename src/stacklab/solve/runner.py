"""Bring a host to a lab's state: for each step, check; if not done, apply, then re-check.

Checks only read, so a second run changes nothing ("no change" per step) and a run that
stopped half-way resumes where it stopped. After apply the check is polled (every
``step.interval`` seconds, up to ``step.timeout``): waits are polls with a deadline,
never a sleep-and-hope. A check that exits GIVE_UP (e.g. the instance went to ERROR)
stops the polling at once. The first failure stops the run with one message naming the
lab, the step, the command and the tail of its output.

Catching up converges: a step's apply changes or removes what stands in the way of the
tutorial's state, within the lab's own objects. Before an apply that would take something
away (a step's ``asks`` prints what), the runner asks ``confirm``; a refusal stops the run
with one line and changes nothing. An apply that exits BY_HAND found something it must
not touch (data): its last output line, naming the object and the command to run by hand,
is the whole message.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from stacklab.errors import StacklabError
from stacklab.solve.ahead import ChecksAhead
from stacklab.solve.log import RunLog
from stacklab.solve.model import LabSolution, Outcome, Step
from stacklab.solve.transport import Result, Transport

GIVE_UP = 99  # a check's exit code meaning "this will not pass by waiting longer"
BY_HAND = 98  # an apply's exit code: "left alone (data); the last line says what to do"
CHECK_TIMEOUT = 120.0  # one run of a check
APPLY_TIMEOUT = 1800.0  # one apply command (package installs of a whole service)
READ_ONLY_ROLES = {"check", "asks"}  # scripts that only read the host (share tokens)


class SolveFailed(StacklabError):
    """A step could not be applied: the message says which, where and why."""


class Refused(SolveFailed):
    """A step would take something away and was not allowed to (no --yes)."""


def refuse(step: Step, what: str) -> bool:
    """The default answer when nobody can be asked: no."""
    return False


class Reporter(Protocol):
    def lab_started(self, solution: LabSolution) -> None: ...
    def step_started(self, step: Step, phase: str) -> None: ...
    def step_finished(self, step: Step, outcome: Outcome, seconds: float) -> None: ...
    def lab_finished(self, solution: LabSolution, seconds: float) -> None: ...


class SilentReporter:
    def lab_started(self, solution: LabSolution) -> None: ...
    def step_started(self, step: Step, phase: str) -> None: ...
    def step_finished(self, step: Step, outcome: Outcome, seconds: float) -> None: ...
    def lab_finished(self, solution: LabSolution, seconds: float) -> None: ...


@dataclass(frozen=True)
class StepResult:
    step: Step
    outcome: Outcome
    seconds: float


@dataclass
class RunReport:
    results: list[StepResult] = field(default_factory=list)
    lab_seconds: dict[int, float] = field(default_factory=dict)

    @property
    def changed(self) -> list[StepResult]:
        return [r for r in self.results if r.outcome is Outcome.CHANGED]


def step_script(step: Step, command: str, credentials: dict[str, str]) -> str:
    """One of the step's commands (or its check) as it runs: its credentials sourced first."""
    if step.credentials is None:
        return command
    rc = credentials.get(step.credentials)
    if rc is None:
        raise StacklabError(f"step {step.id} needs '{step.credentials}' credentials, "
                            "but no rc file is known for them")
    return f". {rc}\n{command}"


class Runner:
    def __init__(self, transport: Transport, log: RunLog, *,
                 credentials: dict[str, str] | None = None,
                 reporter: Reporter | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 confirm: Callable[[Step, str], bool] = refuse,
                 ahead: int = 0) -> None:
        """`ahead`: run up to that many steps' checks side by side before the steps need
        them, until the first step changes something (stacklab.solve.ahead); 0: none."""
        self.transport = transport
        self.ahead = ahead
        self.confirm = confirm
        self.log = log
        self.credentials = credentials or {}
        self.reporter = reporter or SilentReporter()
        self.sleep = sleep
        self.clock = clock

    def run(self, solutions: list[LabSolution]) -> RunReport:
        report = RunReport()
        self.log.write(f"solve on {self.transport.description}: labs "
                       + ", ".join(str(s.lab.number) for s in solutions))
        ahead = ChecksAhead([s for sol in solutions for s in sol.steps], self.check_quietly,
                            jobs=self.ahead) if self.ahead else None
        try:
            for solution in solutions:
                started = self.clock()
                self.reporter.lab_started(solution)
                self.log.write(f"=== lab {solution.lab.number}: {solution.lab.title}")
                for step in solution.steps:
                    report.results.append(self.run_step(solution, step, ahead))
                report.lab_seconds[solution.lab.number] = self.clock() - started
                self.reporter.lab_finished(solution, report.lab_seconds[solution.lab.number])
        finally:
            if ahead:
                ahead.stop()
        return report

    def run_step(self, solution: LabSolution, step: Step,
                 ahead: ChecksAhead | None = None) -> StepResult:
        started = self.clock()
        self.log.write(f"=== step {step.id}: {step.title}")
        self.reporter.step_started(step, "check")
        early = ahead.take(step) if ahead else None
        if early is not None:
            self.log.command(f"{step.id} check (run ahead)", step.check, early.exit_code,
                             early.seconds, early.output)
            if early.ok:
                return self.finish(step, Outcome.NO_CHANGE, started)
        # a red one is checked again in its turn: beside others, a check that times
        # something (a ping, an ssh into the guest) may have met a busy host
        if self.execute(step, "check", step.check, CHECK_TIMEOUT).ok:
            return self.finish(step, Outcome.NO_CHANGE, started)
        if ahead:
            ahead.stop()  # this step changes the host: later checks must see it
        self.ask(solution, step)
        for command in step.apply:
            self.reporter.step_started(step, "apply")
            result = self.execute(step, "apply", command, APPLY_TIMEOUT)
            if result.exit_code == BY_HAND:
                raise self.by_hand(solution, step, result)
            if not result.ok:
                raise self.failure(solution, step, command, result, "failed")
        self.reporter.step_started(step, "wait" if step.timeout else "verify")
        deadline = self.clock() + step.timeout
        while True:
            result = self.execute(step, "check", step.check, CHECK_TIMEOUT)
            if result.ok:
                return self.finish(step, Outcome.CHANGED, started)
            if result.exit_code == GIVE_UP or self.clock() >= deadline:
                raise self.failure(solution, step, step.check, result,
                                   self.why_check_failed(step, result))
            self.sleep(step.interval)

    def ask(self, solution: LabSolution, step: Step) -> None:
        """Before an apply that takes something away: say what, and go on only if allowed."""
        if not step.asks:
            return
        found = self.execute(step, "asks", step.asks, CHECK_TIMEOUT)
        if not found.ok:
            raise self.failure(solution, step, step.asks, found,
                               "could not tell what the change would take away")
        what = found.output.strip()
        if not what:
            return
        self.log.write(f"=== step {step.id}: would " + what.replace("\n", "; "))
        if not self.confirm(step, what):
            self.log.write(f"=== step {step.id}: not allowed: nothing changed")
            raise Refused(
                f"lab {solution.lab.number}, step {step.id}: left as it is: it would "
                + what.replace("\n", "; "),
                f"to allow it: stacklab solve --only {solution.lab.number} --yes "
                "(or do it by hand)")

    def by_hand(self, solution: LabSolution, step: Step, result: Result) -> SolveFailed:
        line = result.tail(1) or "(no output)"
        self.log.write(f"=== step {step.id}: LEFT ALONE: {line}")
        return SolveFailed(f"lab {solution.lab.number}, step {step.id}: {line}",
                           f"nothing was changed by this step; full log: {self.log.path}")

    @staticmethod
    def why_check_failed(step: Step, result: Result) -> str:
        if result.exit_code == GIVE_UP:
            return "check reports a failure that waiting will not fix"
        if not step.apply:
            return f"check did not pass within {step.timeout:.0f}s"
        if step.timeout:
            return f"check still fails {step.timeout:.0f}s after it was applied"
        return "check still fails after it was applied"

    def check_quietly(self, step: Step) -> Result:
        """`step`'s check, not logged (ChecksAhead: logged when its step takes it)."""
        return self.transport.run(self.script(step, step.check), timeout=CHECK_TIMEOUT,
                                  read_only=True)

    def execute(self, step: Step, role: str, command: str, timeout: float) -> Result:
        result = self.transport.run(self.script(step, command), timeout=timeout,
                                    read_only=role in READ_ONLY_ROLES)
        self.log.command(f"{step.id} {role}", command, result.exit_code, result.seconds,
                         result.output)
        return result

    def script(self, step: Step, command: str) -> str:
        return step_script(step, command, self.credentials)

    def finish(self, step: Step, outcome: Outcome, started: float) -> StepResult:
        seconds = self.clock() - started
        self.log.write(f"=== step {step.id}: {outcome.value} ({seconds:.1f}s)")
        self.reporter.step_finished(step, outcome, seconds)
        return StepResult(step, outcome, seconds)

    def failure(self, solution: LabSolution, step: Step, command: str, result: Result,
                what: str) -> SolveFailed:
        self.log.write(f"=== step {step.id}: FAILED ({what})")
        shown = command if len(command) < 400 else command[:400] + " …"
        tail = result.tail() or "(no output)"
        return SolveFailed(
            f"lab {solution.lab.number} ({solution.lab.title}), step {step.id} "
            f"\"{step.title}\": {what} (exit {result.exit_code})\n"
            f"  command:\n    " + shown.replace("\n", "\n    ") + "\n"
            "  last lines of its output:\n    " + tail.replace("\n", "\n    "),
            f"full log: {self.log.path}; fix the cause and run the same command again: "
            "steps already done are skipped")
