"""The lab host the end-to-end suite drives, through the kit's own command line.

Every action is what a learner or an instructor types: `python -m stacklab …` in a
subprocess, with this run's own state folder, container name and SSH port (so a learner's
lab host on the same machine is left alone). Breakages and fingerprints go over SSH.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from stacklab.hosts.target import Target, read_lab_state
from stacklab.labhost.container.ready import run_ssh

KIT = Path(__file__).resolve().parents[2]
OK = ("passed", "n/a", "not-verified")  # not-verified: listed separately, never as passed


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    seconds: float

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.out.splitlines()[-lines:])


@dataclass(frozen=True)
class Done:
    """One `stacklab check --json`: the checks by key ('07.volume_group_is_on_…')."""

    checks: dict[str, dict]
    seconds: float
    settled: bool = True  # False: the red set was still changing when time ran out

    @property
    def red(self) -> set[str]:
        return {key for key, c in self.checks.items() if c["status"] not in OK}

    @property
    def not_verified(self) -> dict[str, str]:
        return {key: c["found"] for key, c in self.checks.items()
                if c["status"] == "not-verified"}

    def describe(self, keys: Iterable[str]) -> str:
        return "; ".join(f"{k}: {self.checks[k]['status']}: {self.checks[k]['found']}"
                         for k in sorted(keys) if k in self.checks)


@dataclass(frozen=True)
class CaseRun:
    """One break-and-repair case as it went: for the per-lab table."""

    lab: int
    name: str
    repaired: bool
    seconds: float


@dataclass
class Timings:
    """Figures for the table printed at the end of the run."""

    rows: list[tuple[str, float]] = field(default_factory=list)

    def add(self, what: str, seconds: float) -> None:
        self.rows.append((what, seconds))


class LabHost:
    def __init__(self, name: str, state_dir: Path, port: int) -> None:
        self.name, self.state_dir, self.port = name, state_dir, port
        self.env = {**os.environ, "STACKLAB_STATE_DIR": str(state_dir),
                    "STACKLAB_CONTAINER_NAME": name,
                    "STACKLAB__PROVIDERS__CONTAINER__SSH_PORT": str(port),
                    "COLUMNS": "160", "NO_COLOR": "1", "TERM": "dumb"}
        self.timings = Timings()
        self.not_verified: dict[str, str] = {}  # check → reason, over the whole run
        self.seen_red: set[str] = set()  # checks seen red (with a hint) on this host
        self.all_checks: set[str] = set()  # every check of labs 3-14 a run reported
        self.cases: list[CaseRun] = []  # the break-and-repair cases, in order

    def stacklab(self, *args: str, timeout: float = 1800,
                 env: dict[str, str] | None = None) -> Result:
        started = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "stacklab", *args], cwd=KIT,
                              env={**self.env, **(env or {})}, capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                              check=False)
        return Result(proc.returncode, proc.stdout + proc.stderr, time.monotonic() - started)

    @property
    def target(self) -> dict:
        """Where `stacklab up` recorded the host (the suite runs with this state folder)."""
        assert os.environ.get("STACKLAB_STATE_DIR") == str(self.state_dir)
        state = read_lab_state()
        assert state, "the lab host is not up (no lab state)"
        return state["target"]

    @property
    def url(self) -> str:
        """The host as a notebook names it (%%vm_target): with its key and settings."""
        t = self.target
        return (f"ssh://{t['user']}@{t['hostname']}:{t['port']}"
                f"?key={t['key_file']}&provider=container")

    def ssh(self, script: str, timeout: float = 300) -> Result:
        """Run a shell script on the lab host as its SSH user (sudo for root)."""
        t = self.target
        started = time.monotonic()
        code, out = run_ssh(Target(**t), f"bash -c {shquote(script)} 2>&1", timeout=timeout)
        return Result(code, out, time.monotonic() - started)

    def sh(self, script: str, timeout: float = 300) -> str:
        done = self.ssh(script, timeout)
        assert done.code == 0, f"on the lab host `{script}` exited {done.code}:\n{done.tail()}"
        return done.out

    def solve(self, *args: str, timeout: float = 1800) -> Result:
        return self.stacklab("solve", *args, timeout=timeout)

    def check(self, labs: str = "all", env: dict[str, str] | None = None
              ) -> tuple[Result, Done]:
        result = self.stacklab("check", labs, "--json", timeout=900, env=env)
        try:
            data = json.loads(result.out[result.out.index("{"):])
        except ValueError as exc:
            raise AssertionError(f"`stacklab check {labs} --json` printed no JSON "
                                 f"(exit {result.code}):\n{result.tail()}") from exc
        done = Done({f"{c['lab']:02d}.{c['id']}": c for c in data["checks"]}, result.seconds)
        self.not_verified.update(done.not_verified)
        self.all_checks.update(k for k in done.checks if k[:2] not in ("01", "02"))
        return result, done

    def saw_red(self, done: Done, keys: Iterable[str]) -> None:
        """Count the checks among `keys` that `done` shows red with a hint and a finding."""
        self.seen_red.update(k for k in keys if k in done.red and done.checks[k]["hint"].strip()
                             and done.checks[k]["found"].strip())

    def settle(self, labs: str = "all", *, quiet: float = 20, timeout: float = 240,
               every: float = 5) -> Done:
        """Check until the host is stable: the same red set over `quiet` seconds (a stopped
        service shows 'down' only after its report interval, so the first poll that looks
        right may not be the last word). At `timeout`, the last poll, marked unsettled."""
        started = time.monotonic()
        _, done = self.check(labs)
        since, red = time.monotonic(), done.red
        while True:
            now = time.monotonic()
            if now - since >= quiet:
                return Done(done.checks, now - started)
            if now - started > timeout:
                return Done(done.checks, now - started, settled=False)
            time.sleep(every)
            _, done = self.check(labs)
            if done.red != red:
                since, red = time.monotonic(), done.red


def explained(check: dict) -> bool:
    """A red check says why: what it found, and a hint, or (blocked: its own hint would send
    the learner the wrong way) the check that blocked it."""
    if not check["found"].strip():
        return False
    if check["status"] == "blocked":
        return bool(check.get("blocked_by"))
    return bool(check["hint"].strip())


def failing(done: Done) -> str:
    return done.describe(done.red) or "none"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shquote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"
