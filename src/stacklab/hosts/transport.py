"""The one way the kit reaches a lab host: connect, run, run with stdin, stream, upload.

A :class:`Connection` runs command lines on one host. Two kinds:

- :class:`SSHConnection` (fabric, paramiko): one SSH connection, opened on first use (or by
  :func:`connect`) and opened again if it dropped; each command is a new channel on it. The
  TCP connect, the SSH greeting and the login each have a time limit, and the host's key is
  checked during the handshake (:mod:`stacklab.hosts.hostkeys`) before anything is sent.
- :class:`LocalConnection`: this machine (a kernel or `solve --local` inside the lab host).

:mod:`stacklab.hosts.session` keeps one command runner open on an SSHConnection's host, for
callers that run many short commands one after another (the notebooks' cells).

Every command can take input on stdin: secrets travel there, never on a command line. A
command past its own time limit is stopped and reported with ``timed_out`` (exit code 124,
as coreutils' timeout(1)). A failing command is never an error; a host that cannot be
reached is always a :class:`~stacklab.hosts.errors.HostUnreachable`.

The graders hand a connection to testinfra (:mod:`stacklab.hosts.backend`), the solutions
(:mod:`stacklab.solve.transport`) and the notebooks (:mod:`stacklab.notebooks.transport`)
run their scripts on one, and the container lab host's readiness probe uses one too.
"""

from __future__ import annotations

import abc
import codecs
import contextlib
import errno
import logging
import os
import select
import shlex
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import fabric
import paramiko

from stacklab.hosts import hostkeys
from stacklab.hosts.errors import HostUnreachable
from stacklab.hosts.target import Target
from stacklab.hosts.wire import WatchedSocket, what_it_did

# paramiko logs a traceback for every failed connection; the reason reaches the report
logging.getLogger("paramiko").addHandler(logging.NullHandler())
logging.getLogger("paramiko").propagate = False

TIMED_OUT = 124  # the exit code `timeout(1)` uses; reported for a command past its limit
KILL_GRACE = 5.0  # seconds between TERM and KILL for a local command past its limit
CHUNK = 32768
CONNECT_TIMEOUT = 10.0

Sink = Callable[[bytes], None]
TextSink = Callable[[str], None]


@dataclass(frozen=True)
class Exit:
    """How a command ended."""

    code: int
    seconds: float
    timed_out: bool = False


@dataclass(frozen=True)
class Output:
    """A finished command's exit code and what it printed."""

    rc: int
    stdout: str
    stderr: str
    timed_out: bool = False

    @property
    def succeeded(self) -> bool:
        return self.rc == 0


class Connection(abc.ABC):
    """Runs command lines on one host. Subclasses provide :meth:`execute`."""

    description: str = ""  # where the commands run, for people (never holds a secret)
    connections_opened: int = 0  # SSH connections opened so far (0 on this machine)

    @abc.abstractmethod
    def execute(self, command: str, *, stdin: bytes = b"", timeout: float | None = None,
                stdout: Sink, stderr: Sink) -> Exit:
        """Run `command` with `stdin`, handing its output to the sinks as it comes."""

    def run(self, command: str, stdin: bytes | str = b"", *,
            timeout: float | None = None) -> Output:
        """Run `command` and wait for it."""
        out: list[bytes] = []
        err: list[bytes] = []
        done = self.execute(command, stdin=_bytes(stdin), timeout=timeout, stdout=out.append,
                            stderr=err.append)
        return Output(done.code, b"".join(out).decode(errors="replace"),
                      b"".join(err).decode(errors="replace"), done.timed_out)

    def stream(self, command: str, *, timeout: float | None, stdout: TextSink,
               stderr: TextSink, stdin: bytes | str = b"") -> Exit:
        """Run `command`, handing its output on as text as it comes (a UTF-8 character
        split across two reads arrives whole)."""
        out, err = _Decoder(stdout), _Decoder(stderr)
        done = self.execute(command, stdin=_bytes(stdin), timeout=timeout, stdout=out.feed,
                            stderr=err.feed)
        out.feed(b"", final=True)
        err.feed(b"", final=True)
        return done

    def start(self, command: str, stdin: bytes | str = b"", *,
              description: str = "command") -> Pending:
        """Run `command` in the background (another channel of the same connection)."""
        data = _bytes(stdin)
        return Pending(lambda: self.run(command, data), description)

    def upload(self, data: bytes | str, path: str, *, mode: int = 0o600) -> None:
        """Write `data` to the file `path` on the host (created with `mode`), over stdin."""
        quoted = shlex.quote(path)
        done = self.run(f"umask 077 && cat > {quoted} && chmod {mode:o} {quoted}", data,
                        timeout=60)
        if done.rc != 0:
            raise OSError(f"could not write {path} on {self.description}: "
                          f"{done.stderr.strip() or f'exit {done.rc}'}")

    def close(self) -> None:  # noqa: B027 (nothing to close on this machine)
        pass


class Pending:
    """A command running in the background; :meth:`result` waits for it."""

    def __init__(self, runner: Callable[[], Output], description: str) -> None:
        self.description = description
        self._done = threading.Event()
        self._output: Output | None = None
        self._error: BaseException | None = None
        self.started = time.monotonic()
        self.finished: float | None = None

        def work() -> None:
            try:
                self._output = runner()
            except BaseException as exc:  # handed to whoever waits
                self._error = exc
            finally:
                self.finished = time.monotonic()
                self._done.set()

        threading.Thread(target=work, name=f"stacklab-{description}", daemon=True).start()

    def done(self) -> bool:
        return self._done.is_set()

    def result(self, timeout: float | None = None) -> Output:
        if not self._done.wait(timeout):
            raise TimeoutError(f"{self.description}: no result within {timeout:g} s")
        if self._error is not None:
            raise self._error
        assert self._output is not None
        return self._output


# ---- SSH -------------------------------------------------------------------------------

class SSHConnection(Connection):
    """A host over SSH: one connection, one channel per command."""

    def __init__(self, target: Target, *, timeout: float = CONNECT_TIMEOUT,
                 client: paramiko.SSHClient | None = None) -> None:
        if target.local:
            raise ValueError("a local target has no SSH connection: use LocalConnection")
        self.target = target
        self.timeout = timeout
        self.description = target.url
        self.connections_opened = 0
        self._client = client  # an open client handed over (see adopt); None: connect
        self._connecting = threading.Lock()

    @classmethod
    def adopt(cls, client: paramiko.SSHClient, target: Target) -> SSHConnection:
        """Use a client someone else connected, once its host key passes the kit's check."""
        transport = client.get_transport()
        if transport is None or not transport.is_active():
            raise HostUnreachable("error", target.url, "the SSH connection is closed")
        hostkeys.verify(target, transport.get_remote_server_key())
        return cls(target, client=client)

    def open(self) -> SSHConnection:
        self._transport()
        return self

    @property
    def client(self) -> paramiko.SSHClient:
        """The open paramiko client (opened now if need be)."""
        self._transport()
        assert self._client is not None
        return self._client

    def _transport(self) -> paramiko.Transport:
        """The live SSH transport, connecting (again, if it dropped) when there is none."""
        with self._connecting:  # two threads that find it dropped open one connection
            transport = self._client.get_transport() if self._client is not None else None
            if transport is None or not transport.is_active():
                self.close()
                self._client = _connect(self.target, self.timeout)
                self.connections_opened += 1
                transport = self._client.get_transport()
                assert transport is not None
            return transport

    def open_channel(self) -> paramiko.Channel:
        """A new session channel (connecting again first if the connection dropped)."""
        try:
            return self._transport().open_session(timeout=self.timeout)
        except (paramiko.SSHException, EOFError, OSError) as exc:
            raise HostUnreachable("error", self.target.url,
                                  f"SSH failed: {_say(exc)}") from None

    def execute(self, command: str, *, stdin: bytes = b"", timeout: float | None = None,
                stdout: Sink, stderr: Sink) -> Exit:
        started = time.monotonic()
        channel = self.open_channel()
        try:
            channel.exec_command(command)
            if stdin:
                channel.sendall(stdin)
            channel.shutdown_write()  # the command sees the end of its input
            return _pump(channel, started, timeout, stdout, stderr)
        except (paramiko.SSHException, EOFError, OSError) as exc:
            raise HostUnreachable("error", self.target.url,
                                  f"the SSH connection failed during a command: "
                                  f"{_say(exc)}") from None
        finally:
            channel.close()  # also what stops a command past its time limit

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _pump(channel: paramiko.Channel, started: float, timeout: float | None, stdout: Sink,
          stderr: Sink) -> Exit:
    deadline = started + timeout if timeout else None
    while True:
        if channel.recv_stderr_ready():
            stderr(channel.recv_stderr(CHUNK))
        elif channel.recv_ready():
            data = channel.recv(CHUNK)
            if data:
                stdout(data)
        elif channel.eof_received or channel.closed:
            break
        else:
            left = 1.0 if deadline is None else deadline - time.monotonic()
            if left <= 0:
                return Exit(TIMED_OUT, time.monotonic() - started, timed_out=True)
            select.select([channel], [], [], min(left, 1.0))
    while channel.recv_stderr_ready():  # what arrived together with the end of stdout
        stderr(channel.recv_stderr(CHUNK))
    wait = None if deadline is None else max(0.5, deadline - time.monotonic())
    if not channel.status_event.wait(wait):
        return Exit(TIMED_OUT, time.monotonic() - started, timed_out=True)
    return Exit(channel.exit_status, time.monotonic() - started)


def _connect(target: Target, timeout: float) -> paramiko.SSHClient:
    """Open and log in: TCP, greeting and login each within `timeout` seconds; the host's
    key is checked in the handshake, before the login."""
    where = target.url
    known = hostkeys.expected(target)
    options: dict[str, Any] = {
        "timeout": timeout, "banner_timeout": timeout, "auth_timeout": timeout,
        "channel_timeout": timeout,
    }
    if target.key_file:
        options.update(key_filename=target.key_file, look_for_keys=False, allow_agent=False)
    # the kit's own TCP connection, which notes what a server that is not SSH sends
    options["sock"] = sock = _open_socket(target, timeout)
    # fabric opens it (the host, user and port as given: no ~/.ssh/config rewrites them);
    # its paramiko client gets the kit's host-key policy in place of fabric's auto-add
    connection = fabric.Connection(host=target.hostname, user=target.user, port=target.port,
                                   config=fabric.Config(overrides={"load_ssh_configs": False}),
                                   connect_kwargs=options)
    client = connection.client
    for entry in known.keys:  # paramiko then asks the host for these key types first
        client.get_host_keys().add(known.name, entry.key.get_name(), entry.key)
    client.set_missing_host_key_policy(hostkeys.Policy(target, known))
    try:
        connection.open()
    except HostUnreachable:
        client.close()
        raise
    except paramiko.BadHostKeyException as exc:
        client.close()
        hostkeys.verify(target, exc.key, known)  # raises, naming the file and line
        raise HostUnreachable("hostkey", where, "host key mismatch") from None
    except paramiko.AuthenticationException:
        client.close()
        how = f"key {target.key_file}" if target.key_file else "the default keys"
        raise HostUnreachable("refused", where, f"login as {target.user} refused "
                                                f"with {how}") from None
    except (paramiko.SSHException, EOFError, OSError) as exc:
        # paramiko reports a server that does not speak SSH in several ways (banner,
        # negotiation, "No existing session", EOFError, a reset), depending on which of its
        # timers fires first: what counts is what the server sent and did (wire)
        transport = client.get_transport()
        greeted = bool(transport is not None and transport.remote_version) or sock.greeted
        client.close()
        sock.close()
        if not greeted:
            raise HostUnreachable("timeout", where, what_it_did(sock) or (
                f"accepts connections but sends no SSH greeting within {timeout:g} s")) \
                from None
        if isinstance(exc, EOFError) or sock.closed_by_peer or sock.reset_by_peer:
            how = "reset" if sock.reset_by_peer else "closed"
            raise HostUnreachable("error", where, f"SSH failed: the server {how} the "
                                                  "connection during the handshake") from None
        raise HostUnreachable("error", where, f"SSH failed: {_say(exc)}") from None
    except BaseException:  # an interrupt: nothing stays open
        client.close()
        sock.close()
        raise
    return client


def _open_socket(target: Target, timeout: float) -> WatchedSocket:
    """A TCP connection to the host's SSH port, each address in turn (as paramiko would)."""
    where = target.url
    try:
        addresses = socket.getaddrinfo(target.hostname, target.port, 0, socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise HostUnreachable("unreachable", where,
                              getattr(exc, "strerror", None) or str(exc)) from None
    errors: list[OSError] = []
    for family, kind, proto, _, address in addresses:
        sock = WatchedSocket(family, kind, proto)
        sock.settimeout(timeout)
        try:
            sock.connect(address)
            return sock
        except TimeoutError:
            sock.close()
            raise HostUnreachable("timeout", where, f"no answer within {timeout:g} s") \
                from None
        except ConnectionResetError:
            # accepted and reset before connect() returned (a busy client sees the reset
            # first): the same server as one that resets just after
            sock.reset_by_peer = True
            sock.close()
            raise HostUnreachable("timeout", where, what_it_did(sock) or "") from None
        except OSError as exc:
            sock.close()
            errors.append(exc)
    if errors and all(e.errno == errno.ECONNREFUSED for e in errors):
        raise HostUnreachable("unreachable", where, "connection refused "
                                                    "(nothing listens on that port)")
    last = errors[-1] if errors else None
    raise HostUnreachable("unreachable", where, (last.strerror or str(last)) if last
                          else "no address to connect to")


def host_key_of(target: Target, timeout: float = CONNECT_TIMEOUT) -> str:
    """The key the host shows ('type base64'), read in the handshake without logging in:
    for a host the kit has just started, whose key it then pins."""
    sock = _open_socket(target, timeout)
    transport = paramiko.Transport(sock)
    transport.banner_timeout = timeout
    try:
        transport.start_client(timeout=timeout)
        return hostkeys.public_line(transport.get_remote_server_key())
    except (paramiko.SSHException, EOFError, OSError) as exc:
        said = None if transport.remote_version else what_it_did(sock)
        raise HostUnreachable("timeout" if said else "error", target.url,
                              said or f"SSH failed: {_say(exc)}") from None
    finally:
        transport.close()
        sock.close()


def _say(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


# ---- this machine ----------------------------------------------------------------------

class LocalConnection(Connection):
    """This machine: each command runs under /bin/sh in a process group of its own."""

    description = "local"

    def argv(self, command: str) -> list[str]:
        return ["/bin/sh", "-c", command]

    def execute(self, command: str, *, stdin: bytes = b"", timeout: float | None = None,
                stdout: Sink, stderr: Sink) -> Exit:
        started = time.monotonic()
        proc = subprocess.Popen(self.argv(command),
                                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        if stdin:
            threading.Thread(target=_feed, args=(proc.stdin, stdin), daemon=True).start()
        assert proc.stdout is not None and proc.stderr is not None
        sinks = {proc.stdout.fileno(): stdout, proc.stderr.fileno(): stderr}
        deadline = started + timeout if timeout else None
        try:
            while sinks:
                left = 1.0 if deadline is None else deadline - time.monotonic()
                if left <= 0:
                    _kill_group(proc)
                    return Exit(TIMED_OUT, time.monotonic() - started, timed_out=True)
                ready, _, _ = select.select(list(sinks), [], [], min(left, 1.0))
                for fd in ready:
                    data = os.read(fd, CHUNK)
                    if data:
                        sinks[fd](data)
                    else:
                        del sinks[fd]
            left = None if deadline is None else max(0.1, deadline - time.monotonic())
            code = proc.wait(timeout=left)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            return Exit(TIMED_OUT, time.monotonic() - started, timed_out=True)
        except BaseException:  # an interrupt (or a check's time limit): stop it all
            _kill_group(proc)
            raise
        finally:
            proc.stdout.close()
            proc.stderr.close()
        return Exit(code, time.monotonic() - started)


def _feed(pipe, data: bytes) -> None:
    try:
        pipe.write(data)
    except (BrokenPipeError, OSError):
        pass  # the command ended without reading it all
    finally:
        with contextlib.suppress(OSError):
            pipe.close()


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=KILL_GRACE)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


# ---- opening one -----------------------------------------------------------------------

def open_connection(target: Target, *, timeout: float = CONNECT_TIMEOUT) -> Connection:
    """A connection to `target` that connects on first use."""
    return LocalConnection() if target.local else SSHConnection(target, timeout=timeout)


def connect(target: Target, timeout: float = CONNECT_TIMEOUT) -> Connection:
    """A connection to `target`, opened now: HostUnreachable says why it cannot be."""
    connection = open_connection(target, timeout=timeout)
    if isinstance(connection, SSHConnection):
        connection.open()
    return connection


class _Decoder:
    """Bytes to text for one stream, safe when a UTF-8 character spans two chunks."""

    def __init__(self, sink: TextSink) -> None:
        self._decode = codecs.getincrementaldecoder("utf-8")(errors="replace").decode
        self._sink = sink

    def feed(self, data: bytes, final: bool = False) -> None:
        text = self._decode(data, final)
        if text:
            self._sink(text)


def _bytes(data: bytes | str) -> bytes:
    return data.encode() if isinstance(data, str) else data
