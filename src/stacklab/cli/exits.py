"""The exit codes of `stacklab check` and `stacklab grade`, and the errors that carry them.

    0    every check judged and passed (check); every host fully graded (grade)
    1    check only: a check failed, the learner's to fix (every other check was judged)
    2    bad input: one line naming it, before any host is contacted
    3    not fully judged: a host could not be reached, ran out of time, or a check ended
         in error (the kit could not find out); grade: after the one retry
    130  interrupted by Ctrl-C (SIGINT); 143 stopped by SIGTERM (grade writes the partial
         report first, the unfinished hosts marked "interrupted")

The README's "Exit codes" section and each command's --help say the same.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

from stacklab.errors import StacklabError

OK = 0
FAILED = 1
BAD_INPUT = 2
INCOMPLETE = 3

CHECK_EPILOG = """\b
Exit codes:
  0    every check passed
  1    a check failed (yours to fix: see its hint)
  2    bad input (an option, a lab, a settings value): nothing contacted
  3    not every check could be judged: the lab host could not be
       reached, the time limit was reached, or a check ended in error
  130  interrupted (Ctrl-C); 143 stopped by SIGTERM
"""

GRADE_EPILOG = """\b
Exit codes:
  0    every host was fully graded (whatever its points)
  2    bad input (an option, the inventory, a settings value, --out):
       no host was contacted
  3    some hosts were not fully graded, even after one retry
       (unreachable, out of time, checks in error): the summary names
       them and why; the reports are written
  130  interrupted (Ctrl-C); 143 stopped by SIGTERM: the partial reports
       are written, the unfinished hosts marked "interrupted"
"""


class NotJudged(StacklabError):
    """The run could not judge everything it was asked to (exit 3)."""

    exit_code = INCOMPLETE


class Interrupted(StacklabError):
    """A signal stopped the run: exit 128 + the signal's number (130, 143)."""

    def __init__(self, signum: int, hint: str | None = None) -> None:
        super().__init__(f"interrupted by {signal_name(signum)}", hint)
        self.exit_code = 128 + signum


def signal_name(signum: int) -> str:
    """'SIGTERM', 'SIGINT (Ctrl-C)': how messages name a signal."""
    name = signal.Signals(signum).name
    return f"{name} (Ctrl-C)" if signum == signal.SIGINT else name


@contextmanager
def stopped_by_signals() -> Iterator[list[int]]:
    """Ctrl-C and SIGTERM stop the work inside as a KeyboardInterrupt (pytest ends its run,
    the SSH connection is closed); leaving the block then raises :class:`Interrupted`.

    Outside the main thread (no signal handlers there) the block runs as it is.
    """
    caught: list[int] = []

    def stop(signum: int, frame: object) -> None:
        caught.append(signum)
        raise KeyboardInterrupt

    try:
        previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread
        yield caught
        return
    try:
        yield caught
    except KeyboardInterrupt:
        raise Interrupted(caught[0] if caught else signal.SIGINT) from None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if caught:  # pytest took the KeyboardInterrupt and returned what it had
        raise Interrupted(caught[0])
