"""How a step's shell script reaches the lab host: on a connection of stacklab.hosts.

A :class:`ScriptTransport` runs one bash script as the connection's user (who has
password-less sudo), the script sent on stdin, and returns its exit code and its output,
stdout and stderr interleaved as a person would see them. It never raises for a failing
command: the runner decides what a failure means. A host that cannot be reached raises
HostUnreachable (one line).

A transport made with ``zygote=True`` (a solve run's) puts an `openstack` shell function
before every script that calls the CLI: it hands the call to a warm CLI server on the host
(:mod:`stacklab.solve.zygote`) and falls back to the real CLI; the script, its output and
its exit code are the same either way."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

from stacklab.hosts.shell import SUDO_SHIM
from stacklab.hosts.target import Target
from stacklab.hosts.transport import TIMED_OUT, Connection, open_connection
from stacklab.solve.zygote import Zygote

__all__ = ["TIMED_OUT", "Result", "ScriptTransport", "Transport", "open_transport", "wrap"]
# A script travels on stdin into a 0600 file (mktemp makes it so), never on the host's
# command line, where every user of the host could read the passwords it holds (ps,
# /proc/*/cmdline). It then runs with stdin from /dev/null, and its file goes whichever way
# the shell ends. No umask here: the script's own files (a MariaDB .cnf) must stay readable.
RUN_FROM_STDIN = ('f=$(mktemp) || exit 1; trap \'rm -f "$f"\' EXIT HUP TERM; '
                  'cat > "$f" && bash "$f" </dev/null')


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

    def run(self, script: str, *, timeout: float | None = None,
            read_only: bool = False) -> Result: ...

    def close(self) -> None: ...


def wrap(script: str, prelude: str = "") -> str:
    """The script as bash runs it: errors stop it, stderr joins stdout."""
    prelude = f"{prelude}\n" if prelude else ""
    return f"exec 2>&1\nset -eo pipefail\n{SUDO_SHIM}\n{prelude}{script}"


class ScriptTransport:
    """Scripts on one connection, kept for the whole run (`owned`: closed with it)."""

    def __init__(self, connection: Connection, *, owned: bool = True,
                 zygote: bool = False) -> None:
        self.connection = connection
        self.description = connection.description
        self.owned = owned
        self.zygote = Zygote(connection) if zygote else None

    def run(self, script: str, *, timeout: float | None = None,
            read_only: bool = False) -> Result:
        """`read_only`: the script only reads (a check): it may share Keystone tokens with
        the other checks since the last script that was not."""
        said: list[bytes] = []
        prelude = self.zygote.prelude_for(script, read_only=read_only) if self.zygote else ""
        try:
            done = self.connection.execute(RUN_FROM_STDIN,
                                           stdin=wrap(script, prelude).encode(),
                                           timeout=timeout, stdout=said.append,
                                           stderr=said.append)
        finally:
            if self.zygote:
                self.zygote.finished(read_only=read_only)
        output = b"".join(said).decode(errors="replace")
        if done.timed_out:
            return Result(TIMED_OUT, f"{output}\n[timed out after {timeout:.0f}s]",
                          done.seconds)
        return Result(done.code, output, done.seconds)

    def close(self) -> None:
        try:
            if self.zygote:
                self.zygote.stop()
        finally:
            if self.owned:
                self.connection.close()


WARM_CLI_ENV = "STACKLAB_WARM_CLI"  # 0: every `openstack` call starts the real CLI


def open_transport(target: Target, *, zygote: bool | None = None) -> ScriptTransport:
    """Scripts on `target` (this machine for a local target), connected on first use; with
    the warm CLI server unless `zygote` is False or STACKLAB_WARM_CLI=0."""
    if zygote is None:
        zygote = os.environ.get(WARM_CLI_ENV, "1").strip() != "0"
    return ScriptTransport(open_connection(target), zygote=zygote)
