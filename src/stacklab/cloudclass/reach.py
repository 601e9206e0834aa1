"""After the hosts are made: a host is up when a student can log in, not when the cloud says
ACTIVE. Wait until each host's sshd shows its banner; a host still silent halfway through
the wait is rebooted once (hard: a guest hung while booting, a network port the agent never
wired); one silent at the end is failed, with the last line of its console, and leaves the
inventory (`class up` again waits for it again)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from time import monotonic, sleep
from typing import Any

from stacklab.cloudclass.cloud import Retry
from stacklab.cloudclass.hosts import Say, reason
from stacklab.cloudclass.record import ClassRecord

Probe = Callable[[str], bool]  # address → its sshd answered
PAUSE = 3.0  # between rounds of probes
TELL_EVERY = 60.0  # a progress line while hosts are still silent


def ssh_banner(address: str, port: int = 22, timeout: float = 5.0) -> bool:
    """Something at address:port that greets like an SSH server."""
    try:
        with socket.create_connection((address, port), timeout) as conn:
            conn.settimeout(timeout)
            return conn.recv(4).startswith(b"SSH-")
    except OSError:
        return False


def wait_for_ssh(conn: Any, record: ClassRecord, students: list[str], seconds: float,
                 retry: Retry, say: Say, probe: Probe | None = None) -> list[str]:
    """Returns the students whose host never answered (each recorded failed)."""
    check = probe or ssh_banner
    waiting = [s for s in students if record.hosts[s].address]
    if not waiting:
        return []
    say("class", f"waiting for sshd on {_hosts(len(waiting))} (at most {seconds:.0f} s; "
                 f"a host silent after {seconds / 2:.0f} s is rebooted once)")
    start = told = monotonic()
    rebooted: set[str] = set()
    with ThreadPoolExecutor(max_workers=min(32, len(waiting)),
                            thread_name_prefix="stacklab-ssh") as pool:
        while True:
            answered = list(pool.map(lambda s: check(record.hosts[s].address), waiting))
            for student, ok in zip(list(waiting), answered, strict=True):
                if ok:
                    waiting.remove(student)
                    say(student, f"sshd answers at {record.hosts[student].address} "
                                 f"({monotonic() - start:.0f} s)")
            elapsed = monotonic() - start
            if not waiting or elapsed >= seconds:
                break
            if elapsed >= seconds / 2:
                for student in [s for s in waiting if s not in rebooted]:
                    rebooted.add(student)
                    _reboot(conn, record, student, elapsed, retry, say)
            if monotonic() - told >= TELL_EVERY:
                told = monotonic()
                say("class", f"{_hosts(len(waiting))} not answering yet ({elapsed:.0f} s): "
                             + ", ".join(waiting))
            sleep(PAUSE)
    for student in waiting:
        host = record.hosts[student]
        last = console_tail(conn, host.ids.get("server"))
        error = (f"no SSH answer at {host.address}:22 after {seconds:.0f} s"
                 + (" and a reboot" if student in rebooted else "")
                 + (f"; its console ends: {last}" if last else "")
                 + "; if no host answers, this machine may be outside --ssh-from (or give"
                 " --ssh-wait 0)")
        record.update(student, state="failed", error=error)
        say(student, f"FAILED: {error}")
    return waiting


def _hosts(count: int) -> str:
    return f"{count} host{'s' * (count != 1)}"


def _reboot(conn: Any, record: ClassRecord, student: str, elapsed: float, retry: Retry,
            say: Say) -> None:
    host = record.hosts[student]
    say(student, f"no SSH answer at {host.address}:22 after {elapsed:.0f} s: rebooting it")
    try:
        retry(f"{student}: reboot", lambda: conn.compute.reboot_server(
            host.ids["server"], "HARD"))
    except Exception as exc:  # the wait goes on: the host may still answer
        say(student, f"the reboot failed: {reason(exc.__cause__ or exc)}")


def console_tail(conn: Any, server: str | None) -> str:
    """The last non-empty line the server wrote on its console ("" when none is to be had)."""
    if not server:
        return ""
    try:
        out = conn.compute.get_server_console_output(server, length=20)
    except Exception:
        return ""
    text = out.get("output", "") if isinstance(out, dict) else str(out or "")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1][:200] if lines else ""
