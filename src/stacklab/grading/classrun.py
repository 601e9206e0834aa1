"""Grade a whole class: one forked worker process per host, `jobs` at a time.

The parent imports everything the graders need and collects the checks once, then forks:
30 hosts do not pay 30 imports, and a host that hangs is one process to kill. Each worker
runs :func:`~stacklab.grading.runner.run_checks` and streams every check result back over
a pipe, so a host killed at its time limit still reports the checks it finished.

A host that could not be graded in full (unreachable, out of time, a check in error) is
graded once more, after the others; the better of its two attempts is kept, and a host
still not fully graded is marked (:func:`not_fully_graded` says why). Every other host is
graded all the same.

SIGINT (Ctrl-C) and SIGTERM stop the run within seconds: each worker gets SIGTERM (its run
ends and closes its SSH connection), is killed if it has not exited after a short grace,
and :class:`ClassRunInterrupted` carries the partial report, the unfinished hosts marked
"interrupted".
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait

from stacklab.catalog import Lab, pick
from stacklab.errors import StacklabError
from stacklab.grading.model import CheckResult, CheckSpec, ClassReport, Outcome, RunResult
from stacklab.hosts.target import Target

Event = tuple[str, Target, object]  # ("start"|"check"|"retry"|"done", target, payload)

# host statuses worth a second attempt: the kit could not finish, the host may answer later
# ("refused": the login itself was refused; a second try would only refuse again)
RETRIED = ("unreachable", "timeout", "error", "incomplete")
# check statuses that are no verdict: the kit could not find out (the last two are what
# runs spelled before every such check became an error)
UNJUDGED = (Outcome.ERROR.value, "timeout", "not-run")
STOP_GRACE = 2.0  # seconds a worker has to end its run after SIGTERM before it is killed
RETRY_SHARE = 4  # the retries run at most jobs // RETRY_SHARE at a time (at least one)


class ClassRunInterrupted(Exception):
    """A signal stopped the class run; `report` holds what was graded until then."""

    def __init__(self, report: ClassReport, signum: int) -> None:
        super().__init__(f"interrupted by signal {signum}")
        self.report = report
        self.signum = signum


@dataclass
class _Worker:
    index: int
    target: Target
    process: multiprocessing.Process
    conn: Connection
    started: float
    attempt: int
    checks: list[CheckResult] = field(default_factory=list)
    result: RunResult | None = None


def _work(conn: Connection, target: Target, labs: list[int], check_timeout: float,
          include_hidden: bool, connect_timeout: float, host_timeout: float) -> None:
    from stacklab.grading.prefetch import default_memory
    from stacklab.grading.runner import run_checks

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # pytest ends the run; run_checks closes the connection

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    signal.signal(signal.SIGTERM, stop)
    gc.disable()  # a short life: collecting would touch (and copy) the parent's pages
    try:
        result = run_checks(target, labs, check_timeout=check_timeout,
                            include_hidden=include_hidden, connect_timeout=connect_timeout,
                            timeout=host_timeout, memory=default_memory(),
                            on_result=lambda r: conn.send(("check", r.to_dict())))
        conn.send(("done", result.to_dict()))
    except BaseException as exc:  # reported as the host's error, never a traceback
        conn.send(("crash", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def warm_up(labs: Sequence[int | Lab], kind: str, include_hidden: bool) -> list[CheckSpec]:
    """Import the graders in this process (the workers inherit them) and list the checks."""
    import paramiko  # noqa: F401
    import testinfra  # noqa: F401

    from stacklab.grading import plugin  # noqa: F401
    from stacklab.grading.resources import cloud, guest, lvm, mysql, rabbitmq  # noqa: F401
    from stacklab.grading.runner import collect_specs

    return collect_specs(labs, kind=kind, include_hidden=include_hidden)


def not_fully_graded(result: RunResult) -> str:
    """Why this host's result is not the whole truth about it; '' when it is."""
    if result.status != "ok":
        return f"{result.status}: {result.reason}" if result.reason else result.status
    unjudged = [c for c in result.checks if c.status in UNJUDGED]
    if not unjudged:
        return ""
    first = unjudged[0]
    return (f"{len(unjudged)} check(s) could not be judged, e.g. {first.key}: "
            f"{first.found or first.status}")


def check_limits(*, jobs: int, timeout: float, check_timeout: float,
                 connect_timeout: float) -> None:
    """Refuse limits no run can keep (nan, inf, 0, negative) before anything starts."""
    for name, value in (("timeout", timeout), ("check_timeout", check_timeout),
                        ("connect_timeout", connect_timeout)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise StacklabError(f"{name} {value!r}: not a usable time limit",
                                "give a finite number of seconds above 0")
    if not (isinstance(jobs, int) and jobs >= 1):
        raise StacklabError(f"jobs {jobs!r}: at least one host must be graded at a time")


def grade_class(targets: Sequence[Target], labs: Sequence[int | Lab] | str | None = None, *,
                jobs: int = 8, timeout: float = 300.0, check_timeout: float = 60.0,
                connect_timeout: float = 10.0, include_hidden: bool = True,
                retry: bool = True,
                on_event: Callable[[Event], None] | None = None) -> ClassReport:
    """Grade every target, `jobs` at once, each within `timeout` seconds; inventory order.

    With `retry`, a host not fully graded gets one more attempt once every other host has
    started. Raises :class:`ClassRunInterrupted` (with the partial report) on SIGINT or
    SIGTERM when called from the main thread.
    """
    check_limits(jobs=jobs, timeout=timeout, check_timeout=check_timeout,
                 connect_timeout=connect_timeout)
    chosen = [lab.number for lab in pick(labs)]
    started = time.monotonic()
    specs = {p: warm_up(chosen, p, include_hidden) for p in {t.kind for t in targets}}
    run = _ClassRun(targets, chosen, specs, jobs=jobs, timeout=timeout,
                    worker_args=(check_timeout, include_hidden, connect_timeout),
                    retry=retry, emit=on_event or (lambda event: None))
    caught: list[int] = []
    previous = _catch_signals(caught)
    gc.collect()
    gc.freeze()  # what the parent holds stays shared with the workers, never re-scanned
    try:
        run.loop(caught)
        if caught:
            run.stop(caught[0])
    except BaseException:  # e.g. a failing on_event: no worker outlives the run
        for worker in run.running:
            _kill(worker.process)
        raise
    finally:
        gc.unfreeze()
        _restore_signals(previous)
    report = ClassReport(labs=chosen, duration=time.monotonic() - started,
                         # the inventory's email / SIS id / section go with each host
                         hosts=[replace(run.finished[i], roster=targets[i].roster)
                                for i in range(len(targets))])
    if caught:
        raise ClassRunInterrupted(report, caught[0])
    return report


class _ClassRun:
    """The scheduling of one class run: who runs, who waits, who is retried."""

    def __init__(self, targets: Sequence[Target], labs: list[int],
                 specs: dict[str, list[CheckSpec]], *, jobs: int, timeout: float,
                 worker_args: tuple[float, bool, float], retry: bool,
                 emit: Callable[[Event], None]) -> None:
        self.labs, self.specs, self.jobs, self.timeout = labs, specs, jobs, timeout
        self.worker_args, self.retry, self.emit = worker_args, retry, emit
        self.context = multiprocessing.get_context("fork")
        self.pending: list[tuple[int, Target, int]] = [(i, t, 1) for i, t in enumerate(targets)]
        self.retries: list[tuple[int, Target, int]] = []
        self.first: dict[int, RunResult] = {}  # the first attempt of a host being retried
        self.running: list[_Worker] = []
        self.finished: dict[int, RunResult] = {}

    def launch(self, index: int, target: Target, attempt: int) -> None:
        parent, child = self.context.Pipe(duplex=False)
        check_timeout, include_hidden, connect_timeout = self.worker_args
        # the worker stops itself a little before the parent would kill it
        process = self.context.Process(
            target=_work, name=f"stacklab-grade-{target.name}", daemon=True,
            args=(child, target, self.labs, check_timeout, include_hidden, connect_timeout,
                  max(1.0, self.timeout - 2.0)))
        process.start()
        child.close()
        self.running.append(_Worker(index, target, process, parent, time.monotonic(), attempt))
        self.emit(("start", target, attempt))

    def loop(self, caught: list[int]) -> None:
        while (self.pending or self.retries or self.running) and not caught:
            if not self.pending:  # retries start once every host had its first attempt
                self.pending, self.retries = self.retries, []
            while self.pending and len(self.running) < self.limit() and not caught:
                self.launch(*self.pending.pop(0))
            ready = wait([w.conn for w in self.running] +
                         [w.process.sentinel for w in self.running], timeout=0.2)
            now = time.monotonic()
            for worker in list(self.running):
                if self.settle(worker, ready, now):
                    self.finish(worker)

    def limit(self) -> int:
        """How many hosts may be graded at once: `jobs`, and a quarter of that for the
        retries, whose hosts were too slow under the whole class's load; a lighter load
        gives them a fair second chance."""
        if self.pending and all(attempt > 1 for _, _, attempt in self.pending):
            return max(1, self.jobs // RETRY_SHARE)
        return self.jobs

    def settle(self, worker: _Worker, ready: list, now: float) -> bool:
        """Read what the worker sent; True once its result is known (it may be killed)."""
        done = self.drain(worker, ready)
        if not done and now - worker.started > self.timeout:
            _kill(worker.process)
            worker.result = self.partial(worker, "timeout", f"no result within "
                                         f"{self.timeout:g} s ({len(worker.checks)} checks "
                                         "done)")
            return True
        if not done and not worker.process.is_alive() and worker.conn not in ready:
            if self.drain(worker, [worker.conn]):
                return True
            worker.result = self.partial(worker, "error", "the grading process died (exit "
                                         f"code {worker.process.exitcode})")
            return True
        return done

    def finish(self, worker: _Worker) -> None:
        result = worker.result
        assert result is not None
        worker.process.join(timeout=1)
        worker.conn.close()
        self.running.remove(worker)
        if worker.attempt == 1 and self.retry and _worth_retrying(result):
            self.first[worker.index] = result
            self.retries.append((worker.index, worker.target, 2))
            self.emit(("retry", worker.target, result))
            return
        if worker.index in self.first:
            result = _better(self.first.pop(worker.index), result)
        result = _marked(result)
        self.finished[worker.index] = result
        self.emit(("done", worker.target, result))

    def stop(self, signum: int) -> None:
        """End every worker (SIGTERM, then SIGKILL after the grace) and mark the hosts that
        were not graded to the end as interrupted."""
        for worker in list(self.running):  # what a worker finished before the signal counts
            if self.drain(worker, [worker.conn]):
                self.finish(worker)
        for worker in self.running:
            if worker.process.is_alive() and worker.process.pid:
                os.kill(worker.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        while any(w.process.is_alive() for w in self.running) and time.monotonic() < deadline:
            wait([w.process.sentinel for w in self.running], timeout=0.1)
        why = f"interrupted by {signal.Signals(signum).name}"
        for worker in self.running:
            _kill(worker.process)
            worker.process.join(timeout=1)
            worker.conn.close()
            self.finished[worker.index] = self.cut_short(
                worker.index, self.partial(worker, "interrupted",
                                           f"{why} ({len(worker.checks)} checks done)"))
        for index, target, _ in self.pending + self.retries:
            self.finished[index] = self.cut_short(
                index, self.not_started(target, f"{why} before its turn"))
        self.running, self.pending, self.retries = [], [], []

    def cut_short(self, index: int, interrupted: RunResult) -> RunResult:
        """A host's result when the run stopped: interrupted, with the checks of its first
        attempt when its retry was the one cut short."""
        first = self.first.pop(index, None)
        if first is None:
            return interrupted
        return replace(first, status="interrupted",
                       reason=f"{interrupted.reason} in its retry; the first attempt: "
                              f"{not_fully_graded(first)}")

    def drain(self, worker: _Worker, ready: list) -> bool:
        """Read what the worker sent; True once it delivered its result."""
        if worker.conn not in ready:
            return worker.result is not None
        try:
            while worker.conn.poll():
                kind, payload = worker.conn.recv()
                if kind == "check":
                    check = CheckResult.from_dict(payload)
                    worker.checks.append(check)
                    self.emit(("check", worker.target, check))
                elif kind == "done":
                    worker.result = RunResult.from_dict(payload)
                    return True
                elif kind == "crash":
                    worker.result = self.partial(worker, "error", str(payload))
                    return True
        except (EOFError, OSError):
            pass
        return worker.result is not None

    def partial(self, worker: _Worker, status: str, reason: str) -> RunResult:
        specs = self.specs[worker.target.kind]
        done = {c.key for c in worker.checks}
        rest = [CheckResult.unjudged(s, f"not checked: {reason}")
                for s in specs if s.key not in done]
        return RunResult(name=worker.target.name, url=worker.target.url,
                         labs=sorted({s.lab for s in specs} | {c.lab for c in worker.checks}),
                         checks=worker.checks + rest, status=status,  # type: ignore[arg-type]
                         reason=reason, duration=time.monotonic() - worker.started)

    def not_started(self, target: Target, reason: str) -> RunResult:
        specs = self.specs[target.kind]
        return RunResult(name=target.name, url=target.url, labs=list(self.labs),
                         checks=[CheckResult.unjudged(s, f"not checked: {reason}") for s in specs],
                         status="interrupted", reason=reason)


def _worth_retrying(result: RunResult) -> bool:
    if result.status != "ok":
        return result.status in RETRIED
    return any(c.status in UNJUDGED for c in result.checks)


def _unjudged(result: RunResult) -> int:
    if result.status not in ("ok", "incomplete"):
        return len(result.checks) + 1  # nothing it says about the checks is a verdict
    return sum(c.status in UNJUDGED for c in result.checks)


def _better(first: RunResult, second: RunResult) -> RunResult:
    """The attempt that judged more checks (the later one when they judged as many), its
    reason saying that there were two, and what the other one met when it differs."""
    best = first if _unjudged(first) < _unjudged(second) else second
    why = not_fully_graded(best)
    if not why:
        return best
    other = not_fully_graded(second if best is first else first)
    which = "first" if best is second else "second"
    also = "" if other == why else f"; the {which}: {other}"
    return replace(best, reason=f"{best.reason or why} (2 attempts{also})")


def _marked(result: RunResult) -> RunResult:
    """A host that answered but left checks unjudged is 'incomplete', with the reason."""
    if result.status == "ok" and not_fully_graded(result):
        return replace(result, status="incomplete", reason=not_fully_graded(result))
    return result


def _catch_signals(caught: list[int]) -> dict[int, object]:
    """SIGINT and SIGTERM only note the signal: the run loop stops at its next turn."""
    def note(signum: int, frame: object) -> None:
        caught.append(signum)

    try:
        return {s: signal.signal(s, note) for s in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: the caller handles signals
        return {}


def _restore_signals(previous: dict[int, object]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)  # type: ignore[arg-type]


def _kill(process: multiprocessing.Process) -> None:
    if process.is_alive():
        process.kill()  # SIGKILL: a worker stuck in a read does not get to clean up
