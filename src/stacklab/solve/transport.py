"""How a step's shell command reaches the lab host: over SSH (fabric) or on this machine.

A transport runs one bash script as the SSH user (who has password-less sudo) and returns
its exit code and its output, stdout and stderr interleaved as a person would see them.
It never raises for a failing command: the runner decides what a failure means.
"""

from __future__ import annotations

import shlex
import subprocess
import time
from dataclasses import dataclass
from typing import Protocol

from stacklab.errors import StacklabError
from stacklab.hosts.shell import SUDO_SHIM
from stacklab.hosts.target import Target

TIMED_OUT = 124  # the exit code `timeout(1)` uses; reported for a command past its limit
# A script travels on stdin into a 0600 file (mktemp), never on the host's command line,
# where every user of the host could read the passwords it holds (ps, /proc/*/cmdline).
# (Not through invoke's in_stream: it feeds a stream one byte per 10 ms.) It then runs with
# stdin from /dev/null, and its file goes whichever way the shell ends.
UPLOAD = 'umask 077; f=$(mktemp) && cat > "$f" && echo "$f"'
RUN_FILE = "trap 'rm -f {path}' EXIT HUP TERM; bash {path} </dev/null"



@dataclass(frozen=True)
class Result:
    exit_code: int
    output: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def tail(self, lines: int = 15) -> str:
        return "\n".join(self.output.rstrip().splitlines()[-lines:])


class Transport(Protocol):
    """Runs a bash script on the lab host."""

    description: str  # where the commands run, for messages and the log

    def run(self, script: str, *, timeout: float | None = None) -> Result: ...

    def close(self) -> None: ...


def wrap(script: str) -> str:
    """The script as bash runs it: errors stop it, stderr joins stdout."""
    return f"exec 2>&1\nset -eo pipefail\n{SUDO_SHIM}\n{script}"


class LocalTransport:
    """This machine itself (`stacklab solve --local`, run inside the lab host)."""

    description = "local"

    def run(self, script: str, *, timeout: float | None = None) -> Result:
        started = time.monotonic()
        try:
            proc = subprocess.run(["bash", "-c", wrap(script)], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, errors="replace", timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else ""
            return Result(TIMED_OUT, out + f"\n[timed out after {timeout:.0f}s]",
                          time.monotonic() - started)
        return Result(proc.returncode, proc.stdout, time.monotonic() - started)

    def close(self) -> None:
        pass


class SSHTransport:
    """A lab host over SSH, one connection kept for the whole run."""

    def __init__(self, target: Target) -> None:
        from stacklab.hosts.ssh import connect

        self.target = target
        self.description = target.url
        self.connection = connect(target)

    def run(self, script: str, *, timeout: float | None = None) -> Result:
        from invoke.exceptions import CommandTimedOut

        started = time.monotonic()
        try:
            path = self._upload(wrap(script))
            run_file = RUN_FILE.format(path=shlex.quote(path))
            res = self.connection.run(f"bash -c {shlex.quote(run_file)}", hide=True, warn=True,
                                      in_stream=False, timeout=timeout)
        except CommandTimedOut as exc:
            return Result(TIMED_OUT, f"{exc.result.stdout}\n[timed out after {timeout:.0f}s]",
                          time.monotonic() - started)
        except Exception as exc:  # paramiko/socket: the host is not reachable at all
            raise StacklabError(f"cannot reach the lab host {self.target.url}: {exc}",
                                "is it running? `stacklab up`, or check --host") from None
        took = time.monotonic() - started
        if res.exited == -1 and timeout and took >= timeout:
            # the timer closed the channel before invoke raised CommandTimedOut: no exit status
            return Result(TIMED_OUT, f"{res.stdout}\n[timed out after {timeout:.0f}s]", took)
        return Result(res.exited, res.stdout, took)

    def _upload(self, script: str) -> str:
        """The script in a new 0600 file on the host, sent over stdin; its path."""
        self.connection.open()
        stdin, stdout, _ = self.connection.client.exec_command(UPLOAD, timeout=60)
        stdin.write(script.encode())
        stdin.channel.shutdown_write()
        path = stdout.read().decode(errors="replace").strip()
        if stdout.channel.recv_exit_status() != 0 or not path.startswith("/"):
            raise OSError(f"cannot write the script to a temporary file on the host ({path})")
        return path

    def close(self) -> None:
        self.connection.close()


def open_transport(target: Target) -> Transport:
    return LocalTransport() if target.local else SSHTransport(target)
