"""Time limits of a run: each check's own, and the host's.

A check gets ``check_timeout`` seconds (SIGALRM in the main thread), never beyond the host's
deadline. Running out of either is an error (the kit could not find out), never a failure:
:class:`CheckTimeout` for the check's own limit, :class:`HostTimeLimit` for the host's, which
also sets ``RunControl.time_limit_reached``. Waiting for shared work with its own limit (the
OpenStack snapshot) pauses the check's alarm (:func:`paused`).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from stacklab.grading.control import RunControl, control_of
from stacklab.grading.markers import CheckTimeout, HostTimeLimit, running


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    control = control_of(item.config)
    if control.deadline is not None and time.monotonic() > control.deadline:
        control.time_limit_reached = True
        raise HostTimeLimit(f"not checked: the host's time limit ({control.host_timeout:g} s) "
                            "was reached first")
    with _time_limit(control):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    with _time_limit(control_of(item.config)), running(item):
        return (yield)


def _active() -> bool:
    return threading.current_thread() is threading.main_thread() and hasattr(signal,
                                                                             "setitimer")


class _time_limit:
    """SIGALRM after the check's time limit (main thread only; elsewhere no limit)."""

    def __init__(self, control: RunControl) -> None:
        self.control = control
        limit, self.host_limit = control.check_timeout, False
        if control.deadline is not None:
            left = max(0.05, control.deadline - time.monotonic())
            limit, self.host_limit = min(limit, left), left < limit
        self.limit = limit
        self.active = limit > 0 and _active()

    def __enter__(self) -> None:
        if not self.active:
            return

        def expired(signum, frame):
            if self.host_limit:
                self.control.time_limit_reached = True
                raise HostTimeLimit(f"stopped: the host's time limit "
                                    f"({self.control.host_timeout:g} s) was reached")
            raise CheckTimeout(f"no answer within {self.limit:g} s (the check's time limit)")

        self.previous = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, self.limit)

    def __exit__(self, *exc) -> None:
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)


@contextmanager
def paused() -> Iterator[None]:
    """The check's alarm stopped while waiting for work bounded by its own limit."""
    if not _active():
        yield
        return
    left, _ = signal.setitimer(signal.ITIMER_REAL, 0)
    try:
        yield
    finally:
        if left > 0:  # the check's own time goes on where it stopped
            signal.setitimer(signal.ITIMER_REAL, max(0.01, left))
