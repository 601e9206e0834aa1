"""How a notebook cell's shell script reaches the lab host, with its output streamed back.

Three transports share one small interface (:class:`Transport`):

- :class:`SSHTransport`: the lab host over SSH. One fabric connection is opened on first
  use and kept for the whole notebook; each cell is one new channel on it (a few ms),
  read as the bytes come so long commands show their progress.
- :class:`LocalTransport`: this machine (a kernel running on the lab host itself).
- :class:`DryRunTransport`: no lab host at all. It asks bash to parse the cell
  (``bash -n``) and runs nothing: the notebooks' own tests use it, so a cell whose shell
  is broken still fails there.

A transport never raises for a failing command: it returns the exit code, and the caller
(the ``%%vm`` magic) decides how to show it. It raises :class:`StacklabError` only when the
host cannot be reached at all.
"""

from __future__ import annotations

import codecs
import os
import select
import shlex
import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from stacklab.errors import StacklabError
from stacklab.hosts.target import Target

TIMED_OUT = 124  # what coreutils' timeout(1) returns; used for a cell past its limit
INTERRUPTED = 130
KILL_GRACE = 5.0  # seconds between TERM and KILL when a cell runs past its timeout
CHUNK = 32768

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


class _Decoder:
    """Bytes to text for one stream, safe when a UTF-8 character spans two chunks."""

    def __init__(self, sink: Sink) -> None:
        self._decode = codecs.getincrementaldecoder("utf-8")(errors="replace").decode
        self._sink = sink

    def feed(self, data: bytes, final: bool = False) -> None:
        text = self._decode(data, final)
        if text:
            self._sink(text)


class SSHTransport:
    """A lab host over SSH: one connection, opened on first use, one channel per cell."""

    def __init__(self, target: Target, *, connect_timeout: float = 15.0) -> None:
        self.target = target
        self.description = target.url
        self.connect_timeout = connect_timeout
        self._connection = None
        self.connections_opened = 0  # how many times this transport (re)connected

    @property
    def connection(self):
        """The fabric Connection, opened (again, if it dropped) on first use."""
        conn = self._connection
        transport = conn.client.get_transport() if conn is not None and conn.is_connected \
            else None
        if transport is None or not transport.is_active():
            from stacklab.hosts.ssh import connect

            conn = connect(self.target, timeout=self.connect_timeout)
            try:
                conn.open()
            except Exception as exc:  # paramiko/socket errors: the host is not there
                raise StacklabError(f"cannot reach the lab host {self.target.url}: {exc}",
                                    "is it running? `stacklab up`, or set another host "
                                    "with %vm_target ssh://user@host:port") from None
            self._connection = conn
            self.connections_opened += 1
        return conn

    @property
    def client(self):
        """The open paramiko SSHClient under the connection (for the graders' run)."""
        return self.connection.client

    def run(self, script: str, *, timeout: float, stdout: Sink, stderr: Sink) -> Outcome:
        started = time.monotonic()
        ssh = self.connection.client.get_transport()
        marker = f"cell-{uuid.uuid4().hex[:12]}"
        channel = ssh.open_session(timeout=self.connect_timeout)
        try:
            channel.exec_command(remote_command(script, timeout, marker))
            channel.shutdown_write()  # the cell reads no input: stdin is at its end
            return self._stream(channel, started, timeout, stdout, stderr)
        except KeyboardInterrupt:
            self._stop(marker)
            return Outcome(INTERRUPTED, time.monotonic() - started, interrupted=True)
        finally:
            channel.close()

    def _stream(self, channel, started: float, timeout: float, stdout: Sink,
                stderr: Sink) -> Outcome:
        out, err = _Decoder(stdout), _Decoder(stderr)
        # the remote timeout(1) ends the command; this is the backstop if the host hangs
        deadline = started + timeout + KILL_GRACE + 5
        while True:
            if channel.recv_stderr_ready():
                err.feed(channel.recv_stderr(CHUNK))
            elif channel.recv_ready():
                data = channel.recv(CHUNK)
                if data:
                    out.feed(data)
            elif channel.eof_received or channel.closed:
                break
            else:
                left = deadline - time.monotonic()
                if left <= 0:
                    return Outcome(TIMED_OUT, time.monotonic() - started, timed_out=True)
                select.select([channel], [], [], min(left, 1.0))
        out.feed(b"", final=True)
        err.feed(b"", final=True)
        if not channel.status_event.wait(max(1.0, deadline - time.monotonic())):
            return Outcome(TIMED_OUT, time.monotonic() - started, timed_out=True)
        code = channel.exit_status
        return Outcome(code, time.monotonic() - started, timed_out=code == TIMED_OUT)

    def _stop(self, marker: str) -> None:
        """Stop the cell's processes on the host (an interrupted channel alone would not)."""
        pattern = f"{marker[:-1]}[{marker[-1]}]"  # so pkill does not match its own command
        try:
            channel = self.connection.client.get_transport().open_session(timeout=5)
            channel.exec_command(f"pkill -TERM -f {shlex.quote(pattern)}")
            channel.status_event.wait(5)
            channel.close()
        except Exception:  # best effort: the host may be gone
            pass

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class LocalTransport:
    """This machine: for a kernel that runs on the lab host itself."""

    description = "local"

    def run(self, script: str, *, timeout: float, stdout: Sink, stderr: Sink) -> Outcome:
        started = time.monotonic()
        proc = subprocess.Popen(["bash", "-c", script], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        decoders = {proc.stdout.fileno(): _Decoder(stdout), proc.stderr.fileno(): _Decoder(stderr)}
        open_fds = set(decoders)
        deadline = started + timeout
        try:
            while open_fds:
                left = deadline - time.monotonic()
                if left <= 0:
                    _kill_group(proc)
                    return Outcome(TIMED_OUT, time.monotonic() - started, timed_out=True)
                ready, _, _ = select.select(list(open_fds), [], [], min(left, 1.0))
                for fd in ready:
                    data = os.read(fd, CHUNK)
                    if data:
                        decoders[fd].feed(data)
                    else:
                        decoders[fd].feed(b"", final=True)
                        open_fds.discard(fd)
            code = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except KeyboardInterrupt:
            _kill_group(proc)
            return Outcome(INTERRUPTED, time.monotonic() - started, interrupted=True)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            return Outcome(TIMED_OUT, time.monotonic() - started, timed_out=True)
        finally:
            proc.stdout.close()
            proc.stderr.close()
        return Outcome(code, time.monotonic() - started)

    def close(self) -> None:
        pass


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=KILL_GRACE)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


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
    return LocalTransport() if spec.local else SSHTransport(spec)
