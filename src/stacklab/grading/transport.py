"""One SSH connection per host, and commands that take their secrets on stdin.

:func:`connect` opens the one paramiko connection a run uses, with a time limit on each
stage, and turns every way it can fail into a :class:`HostUnreachable` with a reason a
teacher can act on. :func:`host_for` hands that connection to testinfra, so every
``host.run`` of the run shares it. :func:`start` runs a command on another channel of the
same connection while checks go on (the OpenStack snapshot), feeding it stdin: secrets
travel there, never on a command line.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Any

import paramiko

from stacklab.hosts.target import Target

# paramiko logs a traceback for every failed connection; the reason reaches the report
logging.getLogger("paramiko").addHandler(logging.NullHandler())
logging.getLogger("paramiko").propagate = False

# The options testinfra's own plugin passes when none are given on the command line; a
# host cached under them is the one its `host` fixture hands to every grader module.
TESTINFRA_DEFAULTS: dict[str, Any] = {
    "connection": None, "ssh_config": None, "ssh_identity_file": None, "sudo": False,
    "sudo_user": None, "ansible_inventory": None, "force_ansible": False,
}


class HostUnreachable(Exception):
    """The host cannot be graded: status is refused | unreachable | timeout."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class _IgnoreHostKey(paramiko.MissingHostKeyPolicy):
    # Lab hosts are rebuilt all the time; Vagrant's own ssh-config does the same.
    def missing_host_key(self, client, hostname, key) -> None:
        pass


def connect(target: Target, timeout: float = 10.0) -> paramiko.SSHClient:
    """Open the run's SSH connection: TCP, banner and login each within `timeout` seconds."""
    where = f"{target.hostname}:{target.port}"
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(_IgnoreHostKey())
    options: dict[str, Any] = {
        "hostname": target.hostname, "port": target.port, "username": target.user,
        "timeout": timeout, "banner_timeout": timeout, "auth_timeout": timeout,
        "channel_timeout": timeout,
    }
    if target.key_file:
        options.update(key_filename=target.key_file, look_for_keys=False, allow_agent=False)
    try:
        client.connect(**options)
    except paramiko.AuthenticationException:
        client.close()
        how = f"key {target.key_file}" if target.key_file else "the default keys"
        raise HostUnreachable("refused", f"{where}: login as {target.user} refused "
                                         f"with {how}") from None
    except paramiko.ssh_exception.NoValidConnectionsError:
        client.close()
        raise HostUnreachable("unreachable", f"{where}: connection refused "
                                             "(nothing listens on that port)") from None
    except TimeoutError:
        client.close()
        raise HostUnreachable("timeout", f"{where}: no answer within {timeout:g} s") from None
    except paramiko.SSHException as exc:
        # paramiko reports a silent server in several ways (banner, negotiation, "No existing
        # session"), depending on which of its timers fires first: what counts is that no
        # SSH greeting (the server's version line) ever came
        transport = client.get_transport()
        greeted = bool(transport is not None and transport.remote_version)
        client.close()
        if not greeted:
            raise HostUnreachable("timeout", f"{where}: accepts connections but sends no "
                                             f"SSH greeting within {timeout:g} s") from None
        raise HostUnreachable("unreachable", f"{where}: SSH failed: {exc}") from None
    except EOFError:  # paramiko: the server hung up in the middle of the handshake
        client.close()
        raise HostUnreachable("unreachable", f"{where}: the server closed the connection "
                                             "during the SSH handshake") from None
    except OSError as exc:
        client.close()
        raise HostUnreachable("unreachable", f"{where}: {exc.strerror or exc}") from None
    return client


def host_for(target: Target, client: paramiko.SSHClient | None, timeout: float = 10.0):
    """(spec, testinfra host) for `target`, using `client` as its one connection."""
    import testinfra

    spec = target.testinfra_spec(timeout=timeout)
    host = testinfra.get_host(spec)
    if client is not None:
        host.backend.__dict__["client"] = client  # testinfra's cached_property
    return spec, host


def register(spec: str, host) -> None:
    """Make `host` the one testinfra's plugin hands out for ``--hosts=<spec>``.

    Its `host` fixture calls ``testinfra.get_hosts([spec], **options)``, which looks in a
    cache first: the run's host goes there, so every grader module shares its connection.
    """
    import testinfra.host

    key = (frozenset([spec]), frozenset(TESTINFRA_DEFAULTS.items()))
    testinfra.host.Host._hosts_cache[key] = [host]


@dataclass
class Output:
    rc: int
    stdout: str
    stderr: str

    @property
    def succeeded(self) -> bool:
        return self.rc == 0


class Pending:
    """A command running on the host; :meth:`result` waits for it."""

    def __init__(self, runner, description: str) -> None:
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


def start(host, command: str, stdin: bytes | str = b"", *, sudo: bool = False,
          description: str = "command") -> Pending:
    """Run `command` on the host in the background, writing `stdin` to it."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    backend = host.backend
    if hasattr(backend, "start_with_stdin"):  # a recorded host in the kit's own tests
        return Pending(lambda: backend.start_with_stdin(command, data, sudo), description)
    full = backend.get_sudo_command(command, None) if sudo else command
    full = backend.get_command(full)
    name = getattr(backend, "NAME", "")
    if name == "paramiko":
        return Pending(lambda: _paramiko_run(backend.client, full, data), description)
    if name == "local":
        return Pending(lambda: _local_run(["/bin/sh", "-c", full], data), description)
    if name in ("ssh", "safe-ssh"):
        cmd, args = backend._build_ssh_command(full)
        line = backend.quote(" ".join(cmd), *args)
        return Pending(lambda: _local_run(["/bin/sh", "-c", line], data), description)
    raise RuntimeError(f"testinfra backend '{name}' cannot feed stdin; "
                       "use paramiko://, ssh:// or local://")


def run(host, command: str, stdin: bytes | str = b"", *, sudo: bool = False,
        timeout: float = 60.0) -> Output:
    """Run `command` with `stdin` and wait for it."""
    return start(host, command, stdin, sudo=sudo, description=command.split()[0]).result(
        timeout)


def _paramiko_run(client: paramiko.SSHClient, command: str, data: bytes) -> Output:
    transport = client.get_transport()
    if transport is None or not transport.is_active():
        raise ConnectionError("the SSH connection is closed")
    chan = transport.open_session()
    try:
        chan.exec_command(command)
        if data:
            chan.sendall(data)
        chan.shutdown_write()
        err: list[bytes] = []
        reader = threading.Thread(target=lambda: err.append(chan.makefile_stderr("rb").read()),
                                  daemon=True)
        reader.start()
        out = chan.makefile("rb").read()
        reader.join()
        rc = chan.recv_exit_status()
    finally:
        chan.close()
    return Output(rc, out.decode(errors="replace"), b"".join(err).decode(errors="replace"))


def _local_run(argv: list[str], data: bytes) -> Output:
    proc = subprocess.run(argv, input=data, capture_output=True, check=False)
    return Output(proc.returncode, proc.stdout.decode(errors="replace"),
                  proc.stderr.decode(errors="replace"))
