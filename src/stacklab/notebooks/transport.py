"""How a notebook cell's shell script reaches the lab host, with its output streamed back.

Two transports share one small interface (:class:`Transport`):

- :class:`CellTransport`: the lab host through a connection of
  :mod:`stacklab.hosts.transport` (SSH, opened on the first cell and kept for the whole
  notebook; or this machine, for a kernel running on the lab host). Over SSH the cells go
  through one long-lived command runner on the host (:mod:`stacklab.hosts.session`), not a
  new channel each. Output is handed on as it comes, so long commands show their progress;
  the cell runs under timeout(1) on the host, and an interrupt stops its processes there.
- :class:`DryRunTransport`: no lab host at all. It asks bash to parse the cell
  (``bash -n``) and runs nothing: the notebooks' own tests use it, so a cell whose shell
  is broken still fails there.

A transport never raises for a failing command: it returns the exit code, and the caller
(the ``%%vm`` magic) decides how to show it. A host that cannot be reached raises
:class:`~stacklab.hosts.errors.HostUnreachable` (a StacklabError: one line).
"""

from __future__ import annotations

import contextlib
import shlex
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from stacklab.hosts.session import HostSession, RunnerUnavailable
from stacklab.hosts.target import Target
from stacklab.hosts.transport import (
    TIMED_OUT,
    Connection,
    Exit,
    SSHConnection,
    open_connection,
)

INTERRUPTED = 130
KILL_GRACE = 5.0  # seconds between TERM and KILL when a cell runs past its timeout
CONNECT_TIMEOUT = 15.0

Sink = Callable[[str], None]


@dataclass(frozen=True)
class Outcome:
    """How one cell ended."""

    exit_code: int
    seconds: float
    timed_out: bool = False
    interrupted: bool = False
    ran: bool = True  # False for a dry run: the script was only parsed

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


class Transport(Protocol):
    description: str  # where cells run, for people (never holds a secret)

    def run(self, script: str, *, timeout: float, stdout: Sink, stderr: Sink) -> Outcome: ...

    def close(self) -> None: ...


def remote_command(script: str, timeout: float, marker: str) -> str:
    """The command line that runs ``script`` under bash with a hard time limit.

    timeout(1) signals the whole process group, so a cell's children stop with it.
    ``marker`` (bash's $0) lets an interrupt find exactly this cell's processes.
    """
    limit = max(1, int(timeout + 0.999))
    # --norc: bash started by sshd would otherwise read ~/.bashrc, once more per cell
    return (f"exec timeout -k {int(KILL_GRACE)} {limit} bash --norc -c {shlex.quote(script)} "
            f"{marker}")


class CellTransport:
    """Cells on the lab host through one connection of :mod:`stacklab.hosts.transport`
    (SSH, opened on the first cell and kept, or this machine), streamed as they run."""

    def __init__(self, connection: Connection, *, persistent: bool = True) -> None:
        self.connection = connection  # also the graders' and the solution's (%check, %solve)
        self.description = connection.description
        # over SSH, cells go through one long-lived runner on the host (no channel per
        # cell); persistent=False keeps a channel per cell (the benchmark's baseline)
        self.cells: HostSession | None = (HostSession(connection) if persistent
                                          and isinstance(connection, SSHConnection) else None)

    @property
    def connections_opened(self) -> int:
        return self.connection.connections_opened

    def run(self, script: str, *, timeout: float, stdout: Sink, stderr: Sink) -> Outcome:
        started = time.monotonic()
        marker = f"cell-{uuid.uuid4().hex[:12]}"
        limit = max(1, int(timeout + 0.999))  # whole seconds, as timeout(1) takes them
        try:
            if self.cells is not None and self.cells.ready():
                with contextlib.suppress(RunnerUnavailable):
                    # bash straight under the runner, which keeps the time limit itself
                    # (TERM to the cell's process group, KILL 5 s later: exit code 124)
                    done = self.cells.stream_argv(["bash", "--norc", "-c", script, marker],
                                                  timeout=limit, stdout=stdout,
                                                  stderr=stderr)
                    return self._outcome(done)
            # a channel for this cell (the runner is starting, or the host has none): the
            # host's timeout(1) ends the cell; this limit is the backstop if it hangs
            done = self.connection.stream(remote_command(script, timeout, marker),
                                          timeout=timeout + KILL_GRACE + 5, stdout=stdout,
                                          stderr=stderr)
        except KeyboardInterrupt:
            # the runner, if it ran the cell, has stopped its processes already; this finds
            # those of a cell on a channel (a closed channel alone does not stop them)
            self._stop(marker)
            return Outcome(INTERRUPTED, time.monotonic() - started, interrupted=True)
        return self._outcome(done)

    @staticmethod
    def _outcome(done: Exit) -> Outcome:
        return Outcome(done.code, done.seconds,
                       timed_out=done.timed_out or done.code == TIMED_OUT)

    def _stop(self, marker: str) -> None:
        """Stop the cell's processes on the host (a closed channel alone would not)."""
        pattern = f"{marker[:-1]}[{marker[-1]}]"  # so pkill does not match its own command
        with contextlib.suppress(Exception):  # best effort: the host may be gone
            self.connection.run(f"pkill -TERM -f {shlex.quote(pattern)}", timeout=5)

    def close(self) -> None:
        if self.cells is not None:
            self.cells.close()
        self.connection.close()


class DryRunTransport:
    """No lab host: bash parses the cell (``bash -n``) and nothing runs."""

    description = "dry run (no lab host: cells are parsed, not run)"

    def run(self, script: str, *, timeout: float, stdout: Sink, stderr: Sink) -> Outcome:
        started = time.monotonic()
        proc = subprocess.run(["bash", "-n", "-c", script], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout, check=False)
        if proc.stderr:
            stderr(proc.stderr)
        if proc.returncode == 0:
            stdout("[dry run] the cell's shell is well formed; nothing was run\n")
        return Outcome(proc.returncode, time.monotonic() - started, ran=False)

    def close(self) -> None:
        pass


DRY_RUN = "dry-run"


def open_transport(spec: str | Target) -> Transport:
    """A transport for a target URL ('ssh://…', 'local', 'dry-run') or a Target."""
    if isinstance(spec, str):
        if spec.strip() == DRY_RUN:
            return DryRunTransport()
        spec = Target.from_url(spec)
    return CellTransport(open_connection(spec, timeout=CONNECT_TIMEOUT))
