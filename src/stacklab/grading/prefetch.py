"""Ask the lab host at once what a grading run will ask it one command at a time.

The graders are testinfra modules run in order: each ``host.run`` waits for the one before,
so a run of all labs spends most of its time on round trips and on commands that could have
run side by side. A run started with a :class:`CommandMemory` wraps its connection in a
:class:`PrefetchingConnection`: the commands the last run of the same labs asked (learned,
kept in the state folder) go to the host at the start in one program
(:mod:`stacklab.grading.remote.collector`, on one channel), which runs them side by side
and sends each answer as it ends; a grader asking one of them gets that answer, once.

Nothing about a verdict changes: a prefetched answer is the command's own exit code and
output, taken on the host a moment earlier, as the OpenStack snapshot already is; a command
asked twice runs live the second time (a grader that polls sees the host change); a command
the collector did not answer (timed out, killed, the program failed) runs live, as does
any command not learned yet, or one with input on stdin (those carry secrets, and are
never remembered). Only command lines are remembered: graders never put a secret on one.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from stacklab import paths
from stacklab.grading.remote import collector as collector_program
from stacklab.grading.remote import program
from stacklab.hosts.transport import Connection, Exit, Sink
from stacklab.switches import switched_on

WAIT_SLACK = 5.0  # seconds past the collector's own limit a grader waits for an answer
MEMORY_FILE = "grader-commands.json"
# plain: the commands it starts inherit its environment, which must be the exec channel's
COLLECTOR = "python3 -"
DISABLE = "STACKLAB_PREFETCH"  # =0: every command live (to compare, or to rule it out)


def enabled() -> bool:
    return switched_on(DISABLE)


def default_memory() -> CommandMemory | None:
    """The state folder's memory of grader commands, unless STACKLAB_PREFETCH=0."""
    return CommandMemory() if enabled() else None


class PrefetchingConnection(Connection):
    """`inner`, with the answers to `commands` asked for at once at the start."""

    def __init__(self, inner: Connection, commands: list[str], *,
                 limit: float = collector_program.LIMIT) -> None:
        self.inner = inner
        self.description = inner.description
        self.asked: dict[str, float] = {}  # stdin-less command -> seconds it took the host
        self.hits = 0
        self._wanted = {command: i for i, command in enumerate(dict.fromkeys(commands))}
        self._answers: dict[int, dict[str, Any]] = {}
        self._cond = threading.Condition()
        self._finished = not self._wanted
        self._wait = limit + WAIT_SLACK
        self._partial = b""
        if self._wanted:
            config = {"commands": list(self._wanted), "limit": limit}
            threading.Thread(target=self._collect, args=(program("collector", config),),
                             name="stacklab-prefetch", daemon=True).start()

    @property
    def connections_opened(self) -> int:  # type: ignore[override]
        return self.inner.connections_opened

    def _collect(self, source: str) -> None:
        try:
            self.inner.execute(COLLECTOR, stdin=source.encode(), stdout=self._feed,
                               stderr=lambda _data: None)
        except Exception:
            pass
        finally:
            with self._cond:
                self._finished = True
                self._cond.notify_all()

    def _feed(self, data: bytes) -> None:
        *lines, self._partial = (self._partial + data).split(b"\n")
        replies = []
        for line in lines:
            with contextlib.suppress(ValueError):
                reply = json.loads(line)
                if isinstance(reply, dict) and isinstance(reply.get("i"), int):
                    replies.append(reply)
        if replies:
            with self._cond:
                self._answers.update((r["i"], r) for r in replies)
                self._cond.notify_all()

    def _take(self, command: str) -> dict[str, Any] | None:
        index = self._wanted.pop(command, None)  # once: a second ask runs live
        if index is None:
            return None
        deadline = time.monotonic() + self._wait
        with self._cond:
            while index not in self._answers and not self._finished:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)
            reply = self._answers.pop(index, None)
        return reply if reply is not None and "rc" in reply else None

    def execute(self, command: str, *, stdin: bytes = b"", timeout: float | None = None,
                stdout: Sink, stderr: Sink) -> Exit:
        if stdin:
            return self.inner.execute(command, stdin=stdin, timeout=timeout, stdout=stdout,
                                      stderr=stderr)
        reply = self._take(command)
        if reply is None:
            done = self.inner.execute(command, timeout=timeout, stdout=stdout, stderr=stderr)
            if not done.timed_out:
                self.asked[command] = done.seconds
            return done
        self.hits += 1
        self.asked[command] = float(reply.get("s", 0.0))
        stdout(base64.b64decode(reply["out"]))
        stderr(base64.b64decode(reply["err"]))
        return Exit(int(reply["rc"]), 0.0)

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str) -> Any:  # the rest of the inner connection's interface
        return getattr(self.inner, name)


class CommandMemory:
    """The commands the last grading run of each set of labs asked (a file in the state
    folder). Forgotten when the graders change (their sources' digest)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.state_dir() / MEMORY_FILE

    @staticmethod
    def key(kind: str, labs: list[int], include_hidden: bool) -> str:
        return f"{kind}:{max(labs)}:{'all' if include_hidden else 'visible'}"

    def recall(self, key: str) -> tuple[list[str], bool]:
        """(the commands to ask first, slowest first so they start first; whether the last
        run of these labs read OpenStack), from one read of the file."""
        runs, snapshots = self._load()
        entry = runs.get(key) or {}
        return sorted(entry, key=lambda c: -float(entry[c])), key in snapshots

    def commands(self, key: str) -> list[str]:
        return self.recall(key)[0]

    def snapshot(self, key: str) -> bool:
        return self.recall(key)[1]

    def remember(self, key: str, asked: dict[str, float], *, snapshot: bool = False) -> None:
        runs, snapshots = self._load()
        runs[key] = {c: round(s, 3) for c, s in asked.items()}
        snapshots = sorted(set(snapshots) - {key} | ({key} if snapshot else set()))
        document = {"graders": graders_digest(), "runs": runs, "snapshot": snapshots}
        with contextlib.suppress(OSError):  # a cache: a run never fails for it
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, name = tempfile.mkstemp(dir=self.path.parent, prefix=".grader-commands-")
            with os.fdopen(fd, "w") as handle:
                json.dump(document, handle, indent=0)
            os.replace(name, self.path)

    def _load(self) -> tuple[dict[str, dict[str, float]], list[str]]:
        try:
            document = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}, []
        if not isinstance(document, dict) or document.get("graders") != graders_digest():
            return {}, []
        runs, snapshots = document.get("runs"), document.get("snapshot")
        return (runs if isinstance(runs, dict) else {},
                snapshots if isinstance(snapshots, list) else [])


_DIGEST: str | None = None


def graders_digest() -> str:
    """A digest of the code that decides which commands a run asks."""
    global _DIGEST
    if _DIGEST is None:
        digest = hashlib.sha256()
        folders = [paths.kit_root() / "grader", Path(__file__).parent / "resources"]
        for folder in folders:
            for source in sorted(folder.glob("*.py")):
                digest.update(source.name.encode() + b"\0" + source.read_bytes())
        _DIGEST = digest.hexdigest()[:16]
    return _DIGEST
