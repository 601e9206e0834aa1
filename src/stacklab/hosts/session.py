"""One long-lived command runner on a host, for many short commands in a row.

Opening an SSH exec channel costs tens of milliseconds; a notebook cell should not. A
:class:`HostSession` starts a small helper (:mod:`stacklab.hosts.session_helper`) once, on
one exec channel of an :class:`~stacklab.hosts.transport.SSHConnection` (its source on the
command line of ``python3 -c``, as Ansible pipelines its modules; kept running, as Mitogen
keeps its remote interpreter), and sends it each command over that channel's stdin.

Each command still runs as over a channel of its own: under the SSH user's login shell in
its home, with its own stdin (empty: it reads EOF), its output streamed back as it comes,
its exit code (-1 for a signal, as paramiko reports one) and its time limit (exit 124,
``timed_out``). The helper frames everything it sends with counted lengths, so no output
can pass for its replies. :meth:`HostSession.execute_argv` runs a program with no shell in
between, under the helper's own time limit (one exec fewer: the notebooks run a cell's bash
that way). The first command need not wait for the host's Python: :meth:`HostSession.ready`
starts the helper in the background and the caller runs that command on a channel
meanwhile.

An interrupt (KeyboardInterrupt, or any exception while a command runs) makes the
helper stop the command's whole process group before it is raised on; if the helper does
not confirm, the channel is closed (which also stops the command) and a new helper starts
with the next command. A helper that died between commands (killed, the connection lost)
is replaced transparently; one that dies during a command is a HostUnreachable, as a
connection lost during a command is. A host without Python 3 gets each command on a
channel of its own, as before.
"""

from __future__ import annotations

import base64
import contextlib
import queue
import shlex
import threading
import time
import zlib
from pathlib import Path

import paramiko

from stacklab.hosts.errors import HostUnreachable
from stacklab.hosts.transport import (
    TIMED_OUT,
    Connection,
    Exit,
    Sink,
    SSHConnection,
    TextSink,
    _Decoder,
)

CHUNK = 32768
KILL_GRACE = 5.0  # the helper's seconds between TERM and KILL (session_helper.KILL_GRACE)
STOP_GRACE = KILL_GRACE + 5  # seconds to wait for the helper to confirm a stop
REPORT_GRACE = 3.0  # seconds past a time limit and KILL_GRACE to wait for its report
READY = b"stacklab-session 1"
_END = (b"", b"")  # the reader's mark: the channel ended


def bootstrap() -> str:
    """The command line that starts the helper on the host."""
    source = (Path(__file__).with_name("session_helper.py")).read_bytes()
    packed = base64.b64encode(zlib.compress(source, 9)).decode()
    program = f"import base64,zlib;exec(zlib.decompress(base64.b64decode('{packed}')))"
    # -I -S: no site or user paths: a quicker start, and nothing of the host's Python setup
    return f"exec python3 -I -S -c {shlex.quote(program)}"


class _Helper:
    """One running helper: its channel and a thread that turns its bytes into frames."""

    def __init__(self, channel: paramiko.Channel) -> None:
        self.channel = channel
        self.frames: queue.SimpleQueue[tuple[bytes, bytes]] = queue.SimpleQueue()
        self.ready = False
        self.ended = False
        threading.Thread(target=self._read, name="stacklab-session", daemon=True).start()

    def _read(self) -> None:
        buf = bytearray()
        try:
            while True:
                data = self.channel.recv(CHUNK)
                if not data:
                    break
                buf += data
                while len(buf) >= 5:
                    size = int.from_bytes(buf[1:5], "big")
                    if len(buf) < 5 + size:
                        break
                    frame = (bytes(buf[:1]), bytes(buf[5:5 + size]))
                    if frame == (b"R", READY):
                        self.ready = True  # said here too, for ready() between commands
                    self.frames.put(frame)
                    del buf[:5 + size]
        except (paramiko.SSHException, EOFError, OSError):
            pass
        finally:
            self.frames.put(_END)

    def alive(self) -> bool:
        transport = self.channel.get_transport()
        return not (self.ended or self.channel.closed or self.channel.eof_received
                    or self.channel.exit_status_ready() or transport is None
                    or not transport.is_active())

    def send(self, data: bytes) -> None:
        self.channel.sendall(data)

    def next(self, timeout: float | None) -> tuple[bytes, bytes] | None:
        """The next frame, _END once the channel ended, None if none came in time."""
        if self.ended:
            return _END
        try:
            frame = self.frames.get(timeout=timeout)
        except queue.Empty:
            return None
        if frame == _END:
            self.ended = True
        return frame

    def why_not(self) -> str:
        """What the helper said before it ended (its stderr), for the error line."""
        said = b""
        with contextlib.suppress(Exception):
            while self.channel.recv_stderr_ready() and len(said) < 2000:
                said += self.channel.recv_stderr(2000)
        return said.decode(errors="replace").strip().splitlines()[-1:][0] if said.strip() \
            else "no reason given"

    def close(self) -> None:
        self.ended = True
        with contextlib.suppress(Exception):
            self.channel.close()


class _Lost(Exception):
    """The helper ended before it started the command: safe to try again."""


class RunnerUnavailable(Exception):
    """This host runs no helper (see :attr:`HostSession.unavailable`); nothing was run."""


class HostSession(Connection):
    """Commands on an SSH host through one long-lived helper (see the module's text).

    ``connection`` stays the host's one SSH connection: other callers keep opening
    channels on it as before.
    """

    def __init__(self, connection: SSHConnection) -> None:
        self.connection = connection
        self.description = connection.description
        self.sessions_opened = 0  # helpers started so far
        self.unavailable: str | None = None  # why this host runs no helper (then: channels)
        self._helper: _Helper | None = None
        self._starting: threading.Thread | None = None
        self._lock = threading.Lock()  # one command at a time on the helper
        self._sequence = 0

    @property
    def connections_opened(self) -> int:  # type: ignore[override]
        return self.connection.connections_opened

    def ready(self) -> bool:
        """Whether the next command can go to a running helper at once. If none runs, one
        is started in the background (connecting first, here) and this says False: the
        caller runs that command on a channel of its own meanwhile, so the first command
        does not wait for the host's Python to start."""
        if self.unavailable is not None:
            return False
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        if self._helper is not None and self._helper.alive():
            return True
        if self._helper is not None and not self._helper.ready:
            self._maybe_unavailable(self._helper, self._helper.why_not())
            if self.unavailable is not None:
                return False
        self.connection.open()  # the connection now, in this thread: one connect

        def start() -> None:
            with contextlib.suppress(Exception):  # the next command reports what fails
                self._open()

        self._starting = threading.Thread(target=start, name="stacklab-session-start",
                                          daemon=True)
        self._starting.start()
        return False

    def execute(self, command: str, *, stdin: bytes = b"", timeout: float | None = None,
                stdout: Sink, stderr: Sink) -> Exit:
        """Run `command` under the login shell, as on a channel of its own; on one if the
        host runs no helper or it is busy (a command from another thread)."""
        try:
            return self._serve("sh", command.encode(), stdin, timeout, stdout, stderr)
        except RunnerUnavailable:
            return self.connection.execute(command, stdin=stdin, timeout=timeout,
                                           stdout=stdout, stderr=stderr)

    def execute_argv(self, argv: list[str], *, stdin: bytes = b"",
                     timeout: float | None = None, stdout: Sink, stderr: Sink) -> Exit:
        """Run the program `argv` with no shell in between (one exec fewer than
        :meth:`execute`). RunnerUnavailable if no helper can run it: nothing ran."""
        if any("\0" in arg for arg in argv):
            raise ValueError("an argument holds a NUL byte")
        return self._serve("argv", "\0".join(argv).encode(), stdin, timeout, stdout, stderr)

    def stream_argv(self, argv: list[str], *, timeout: float | None, stdout: TextSink,
                    stderr: TextSink) -> Exit:
        """:meth:`execute_argv`, its output handed on as text (as :meth:`stream`)."""
        out, err = _Decoder(stdout), _Decoder(stderr)
        done = self.execute_argv(argv, timeout=timeout, stdout=out.feed, stderr=err.feed)
        out.feed(b"", final=True)
        err.feed(b"", final=True)
        return done

    def _serve(self, mode: str, command: bytes, stdin: bytes, timeout: float | None,
               stdout: Sink, stderr: Sink) -> Exit:
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        if self.unavailable is not None or not self._lock.acquire(blocking=False):
            raise RunnerUnavailable(self.unavailable or "busy")
        try:
            for attempt in range(2):
                try:
                    return self._execute(mode, command, stdin, timeout, stdout, stderr)
                except _Lost as lost:
                    if self.unavailable is not None:
                        raise RunnerUnavailable(self.unavailable) from None
                    if attempt:
                        raise HostUnreachable("error", self.description,
                                              f"the command runner on the host ended: "
                                              f"{lost}") from None
            raise AssertionError("unreachable")
        finally:
            self._lock.release()

    def _open(self) -> _Helper:
        """The running helper, started now if there is none or it ended."""
        if self._helper is not None and self._helper.alive():
            return self._helper
        if self._helper is not None:
            self._helper.close()
        channel = self.connection.open_channel()
        try:
            channel.exec_command(bootstrap())
        except (paramiko.SSHException, EOFError, OSError) as exc:
            channel.close()
            raise _Lost(str(exc) or type(exc).__name__) from None
        self._helper = _Helper(channel)
        self.sessions_opened += 1
        return self._helper

    def _execute(self, mode: str, data: bytes, stdin: bytes, timeout: float | None,
                 stdout: Sink, stderr: Sink) -> Exit:
        started = time.monotonic()
        helper = self._open()
        self._sequence += 1
        ident = str(self._sequence)
        # the helper stops the command at the limit (TERM, then KILL after its grace) and
        # says so; this side waits that long and a little more
        limit = timeout or 0
        header = f"run {ident} {mode} {len(data)} {len(stdin)} {limit:.3f}\n".encode()
        try:
            helper.send(header + data + stdin)  # sent at once, before it says it is ready
        except (paramiko.SSHException, EOFError, OSError) as exc:
            self._drop()
            raise _Lost(str(exc) or type(exc).__name__) from None
        except BaseException:  # interrupted part-way: the helper's stream is not whole
            self._drop()
            raise
        deadline = None if timeout is None else started + timeout + KILL_GRACE + REPORT_GRACE
        running = False
        try:
            while True:
                left = None if deadline is None else deadline - time.monotonic()
                frame = helper.next(None if left is None else max(0.0, left))
                if frame is None:  # past the limit and the helper said nothing
                    self._stop(helper, ident)
                    return Exit(TIMED_OUT, time.monotonic() - started, timed_out=True)
                kind, payload = frame
                if kind == b"O":
                    stdout(payload)
                elif kind == b"E":
                    stderr(payload)
                elif kind == b"S":
                    running = True
                elif kind == b"X":
                    done, code, timed_out = payload.decode().split()
                    if done == ident:
                        return Exit(int(code), time.monotonic() - started,
                                    timed_out=timed_out == "1")
                elif kind == b"R":
                    if payload != READY:
                        self._give_up(f"an unknown command runner answered ({payload!r})")
                        raise _Lost("unknown command runner")
                elif frame == _END:
                    reason = helper.why_not()
                    if not helper.ready:
                        self._maybe_unavailable(helper, reason)
                    self._drop()
                    if running:
                        raise HostUnreachable("error", self.description,
                                              "the SSH connection failed during a command: "
                                              "the command runner on the host ended")
                    raise _Lost(reason)
        except BaseException:
            if not helper.ended:  # an interrupt: stop the command (sent, maybe started)
                self._stop(helper, ident)
            raise

    def _stop(self, helper: _Helper, ident: str) -> None:
        """Have the helper stop command `ident` and wait for it to say so; if it does not,
        close its channel (the helper then stops the command and ends)."""
        try:
            helper.send(f"kill {ident}\n".encode())
            deadline = time.monotonic() + STOP_GRACE
            while (left := deadline - time.monotonic()) > 0:
                frame = helper.next(left)
                if frame is None or frame == _END:
                    break
                kind, payload = frame
                if kind == b"X" and payload.split()[:1] == [ident.encode()]:
                    return
        except BaseException:  # a second interrupt, or the channel failed: start afresh
            self._drop()
            raise
        self._drop()

    def _maybe_unavailable(self, helper: _Helper, reason: str) -> None:
        """A helper that ended before its first word on a live connection cannot run
        there (no python3): from now on, each command gets a channel of its own."""
        transport = helper.channel.get_transport()
        if transport is not None and transport.is_active() and \
                helper.channel.status_event.wait(1.0):
            self._give_up(reason)

    def _give_up(self, reason: str) -> None:
        self.unavailable = reason
        self._drop()

    def _drop(self) -> None:
        if self._helper is not None:
            self._helper.close()
            self._helper = None

    def close(self) -> None:
        self._drop()
        self.connection.close()
