"""How a grader test declares its check, and how it says what it found.

    @check(points=2, title="MariaDB listens on all addresses",
           hint="tutorial §3: bind-address = {s.mysql.bind_address}, then restart",
           success="MariaDB answers on the lab network")
    def test_mariadb_listens_on_all_addresses(host, settings):
        ...
        expect(ok, found=f"MariaDB listens on {where}")

A failing check shows its hint and what was found: pass `found=` to :func:`expect` /
:func:`fail`, or write ``assert cond, "what was found"``. A failure may carry a more
precise hint of its own (e.g. the volume group exists but on another disk).

What the kit could not find out (a timeout, a lost connection, an API that did not answer)
is never the learner's mistake: raise :class:`CheckError` (status error), never
:class:`CheckFailed`. A check names what it needs (``needs=("05.admin_logs_in_to_keystone",)``,
keys of checks of an earlier lab or earlier in its own module): when it fails while one of
them is red, it is reported as blocked by that check, not as a failure of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import pytest

from stacklab.grading.model import NOT_VERIFIED, CheckSpec

MARKER = "check"
_MODULE = re.compile(r"test_(\d{2})_")
_KEY = re.compile(r"\d{2}\.\w+(\[[^\]]*\])?")


def check(*, points: float, title: str, hint: str, hidden: bool = False,
          success: str = "", failure: str = "",
          needs: tuple[str, ...] = ()) -> pytest.MarkDecorator:
    """Declare a grader test as a check worth `points`, with a title and a hint.

    `needs`: the keys ('04.host_name_resolves_to_the_lab_address') of the checks this one
    cannot pass without; a failure while one of them is red is reported as blocked by it.
    """
    if points < 0:
        raise ValueError("points must not be negative")
    if isinstance(needs, str) or not all(_KEY.fullmatch(k) for k in needs):
        raise ValueError(f"needs is a tuple of check keys like '05.admin_logs_in_to_keystone', "
                         f"not {needs!r}")
    return getattr(pytest.mark, MARKER)(points=points, title=title, hint=hint, hidden=hidden,
                                        success=success, failure=failure, needs=tuple(needs))


class CheckFailed(AssertionError):
    """A check did not hold: `found` says what was seen, `hint` may replace the check's."""

    def __init__(self, found: str, hint: str | None = None) -> None:
        super().__init__(found)
        self.found = found
        self.hint = hint


class CheckError(Exception):
    """The kit could not find out (timeout, lost connection, an API that did not answer):
    the check ends in error, never counted as the learner's mistake."""

    def __init__(self, found: str) -> None:
        super().__init__(found)
        self.found = found


class CheckTimeout(CheckError):
    """A check took longer than its time limit."""


class HostTimeLimit(CheckError):
    """The host's time limit was reached before or while the check ran."""


def expect(condition: Any, found: str, hint: str | None = None) -> None:
    """Fail the check with what was found (and an optional sharper hint) unless condition."""
    __tracebackhide__ = True
    if not condition:
        raise CheckFailed(found, hint)


def fail(found: str, hint: str | None = None) -> None:
    __tracebackhide__ = True
    raise CheckFailed(found, hint)


NOT_APPLICABLE = "n/a: "


def not_applicable(reason: str) -> None:
    """This check does not apply to this host (e.g. iSCSI on the RBD stand-in): 0 of 0."""
    __tracebackhide__ = True
    pytest.skip(NOT_APPLICABLE + reason)


# The rows of ENVIRONMENT.md's "What does not work here": a not-verified reason names its row
HARDWARE_LIMITS = ("no usable KVM", "no device-mapper", "no iSCSI", "no NFS",
                   "no Open vSwitch kernel datapath", "no 802.1Q VLAN devices", "no udev")


def not_verified(reason: str) -> None:
    """This check cannot be verified on this host: its kernel lacks what the check needs.

    Worth 0 of 0 (neither passed nor failed) with status 'not-verified'; what was found reads
    ``not verified on this host: <reason>``. `reason` starts with the hardware limit it
    hits, as ENVIRONMENT.md names it: ``not_verified("no iSCSI: …")``.
    """
    __tracebackhide__ = True
    if not reason.startswith(tuple(f"{limit}: " for limit in HARDWARE_LIMITS)):
        raise ValueError(f"a not-verified reason starts with one of {', '.join(HARDWARE_LIMITS)}"
                         f" and ': ', not {reason!r}")
    pytest.skip(NOT_VERIFIED + reason)


NOTE = "stacklab-note"  # the key of a note in the pytest item's user_properties
# The check running in this thread (a ContextVar: hosts graded in threads never share it);
# the note itself lives on that check's own pytest item.
_RUNNING: ContextVar[pytest.Item | None] = ContextVar("stacklab_running_check", default=None)


def note(text: str) -> None:
    """Say something beside the check's ✔ (e.g. which backend served it).

    Shown in the table and the HTML report and kept in JSON ("note"). Outside a running
    check (a grader function called directly) it does nothing.
    """
    item = _RUNNING.get()
    if item is not None:
        item.user_properties.append((NOTE, text))


@contextmanager
def running(item: pytest.Item) -> Iterator[None]:
    """While the plugin runs `item`'s test: note() attaches to that item."""
    token = _RUNNING.set(item)
    try:
        yield
    finally:
        _RUNNING.reset(token)


def notes_of(item: pytest.Item) -> str:
    """The notes a check attached, in order, each once."""
    found = [str(value) for key, value in item.user_properties if key == NOTE]
    return "; ".join(dict.fromkeys(found))


def lab_of_module(module_name: str) -> int | None:
    m = _MODULE.match(module_name.rsplit(".", 1)[-1])
    return int(m.group(1)) if m else None


def spec_of(item: pytest.Item, settings: Any = None) -> CheckSpec | None:
    """The check an item declares, or None for a test without @check.

    Titles, hints and messages may name settings as ``{s.network.public.address}``: they
    are filled in from `settings`, so the texts show the values this lab really uses.
    """
    mark = item.get_closest_marker(MARKER)
    if mark is None:
        return None
    module = getattr(item, "module", None)
    lab = lab_of_module(module.__name__) if module else None
    texts = {k: fill(mark.kwargs[k], settings) for k in ("title", "hint", "success", "failure")}
    return CheckSpec(lab=lab or 0, id=check_id(item), points=mark.kwargs["points"],
                     hidden=mark.kwargs["hidden"], needs=tuple(mark.kwargs.get("needs", ())),
                     **texts)


def check_id(item: pytest.Item) -> str:
    """The test's name without 'test_', and its own parameters (not the host's)."""
    name = (getattr(item, "originalname", None) or item.name).removeprefix("test_")
    callspec = getattr(item, "callspec", None)
    params = [getattr(value, "id", value) for key, value in
              (callspec.params.items() if callspec else []) if key != "_testinfra_host"]
    return f"{name}[{'-'.join(map(str, params))}]" if params else name


def fill(text: str, settings: Any) -> str:
    """`text` with its {s.section.key} fields taken from the settings."""
    if not text or settings is None or "{" not in text:
        return text
    try:
        return text.format(s=settings)
    except (KeyError, AttributeError, IndexError, ValueError):
        return text


def found_of(exc: BaseException) -> tuple[str, str | None]:
    """(what was found, a hint that replaces the check's or None) for a failed check."""
    if isinstance(exc, CheckFailed):
        return exc.found, exc.hint
    if isinstance(exc, AssertionError):
        text = str(exc)
        # pytest's rewritten assertions append '\nassert …' after the message
        head = text.split("\nassert ", 1)[0].strip()
        return (head or text.strip() or "the assertion did not hold"), None
    if isinstance(exc, CheckError):
        return exc.found, None
    return f"could not check: {type(exc).__name__}: {exc}", None
