"""Wait until the lab host answers SSH with the lab's key and its pinned host key (through
the forwarder), over the kit's one transport."""

from __future__ import annotations

import time
from collections.abc import Callable

from stacklab.errors import StacklabError
from stacklab.hosts.errors import HostUnreachable
from stacklab.hosts.target import Target
from stacklab.hosts.transport import connect


def run_ssh(target: Target, command: str, timeout: float = 10.0) -> tuple[int, str]:
    """One command over SSH on its own connection; returns (exit status, stdout)."""
    connection = connect(target, timeout=min(timeout, 10.0))
    try:
        out = connection.run(command, timeout=timeout)
        return out.rc, out.stdout
    finally:
        connection.close()


def wait_for_ssh(target: Target, timeout: float, still_running: Callable[[], bool],
                 command: str = "true") -> float:
    """Retry until `command` succeeds over SSH; return the seconds it took. A host showing
    another key than the one pinned at `up` stops the wait at once (never retried)."""
    started = time.monotonic()
    last = "no answer yet"
    while time.monotonic() - started < timeout:
        if not still_running():
            raise StacklabError("the lab host stopped while booting",
                                "see its console log in the instance folder")
        try:
            status, _ = run_ssh(target, command, timeout=5)
            if status == 0:
                return time.monotonic() - started
            last = f"`{command}` exited {status}"
        except HostUnreachable as exc:
            if exc.status == "hostkey":
                raise
            last = exc.reason
        time.sleep(0.5)
    raise StacklabError(f"the lab host did not answer SSH within {timeout:.0f} s ({last})",
                        "see its console log in the instance folder")
