"""The checks of a solve run's steps, run side by side before the steps need them.

A no-change run (the host is already where the labs leave it) spends its time on checks,
one after another. Checks only read, so while no step has changed anything, a check run
earlier, beside others, says what it would say now. :class:`ChecksAhead` starts the checks
of all the run's steps at once (``jobs`` at a time, in the steps' order, each on its own
channel of the run's connection) and hands each result to its step. A green result is the
step's; a red one is checked again in its turn (a check that times something may have met
a host busy with the others). The first step that changes the host ends it (:meth:`stop`):
checks not started yet are dropped, results not taken yet are thrown away, and every later
check runs live, after the change it may see.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future

from stacklab.solve.model import Step
from stacklab.solve.transport import Result

JOBS = 4  # checks at once on the lab host (two cores; each check is a shell and a call or two)
ENV = "STACKLAB_CHECKS_AHEAD"  # how many at once; 0: every check live, in its turn


def jobs_from_env() -> int:
    """STACKLAB_CHECKS_AHEAD, or JOBS when it is unset or not a number."""
    value = os.environ.get(ENV, "").strip()
    return max(0, int(value)) if value.isdigit() else JOBS


class ChecksAhead:
    def __init__(self, steps: list[Step], check: Callable[[Step], Result], *,
                 jobs: int = JOBS) -> None:
        self._check = check
        self._results: dict[str, Future[Result]] = {}
        self._queue: queue.SimpleQueue[tuple[Step, Future[Result]] | None] = queue.SimpleQueue()
        self._stopped = False
        for step in steps:
            if step.id not in self._results:
                future: Future[Result] = Future()
                self._results[step.id] = future
                self._queue.put((step, future))
        for _ in range(max(1, min(jobs, len(self._results)))):
            self._queue.put(None)  # one end mark per worker
            # daemon threads: an interrupted run must not wait for checks nobody will read
            threading.Thread(target=self._work, name="stacklab-check-ahead",
                             daemon=True).start()

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            step, future = item
            if self._stopped or not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(self._check(step))
            except BaseException as exc:  # handed to the step that takes it (HostUnreachable)
                future.set_exception(exc)

    def take(self, step: Step) -> Result | None:
        """`step`'s check result, or None: the run changed something, check it live."""
        future = self._results.pop(step.id, None)
        if future is None or self._stopped:
            return None
        return future.result()

    def stop(self) -> None:
        """Something changed: no check result from before it is used any more."""
        self._stopped = True
        for future in self._results.values():
            future.cancel()
        self._results.clear()
