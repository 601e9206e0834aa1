"""SIGTERM to a real `stacklab grade` whose hosts hang: it stops its workers, their SSH
connections end, the partial report is written with the unfinished hosts marked, exit 143."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sshd_lab import USER, hanging, run

pytestmark = [pytest.mark.integration, pytest.mark.root]


def ssh_sessions(netns: str) -> list[str]:
    """The TCP connections to the host's sshd that are still open (server side)."""
    out = run("ip", "netns", "exec", netns, "ss", "-Htn", "state", "established",
              "state", "close-wait", "( sport = :22 )").stdout
    return [line for line in out.splitlines() if line.strip()]


def children(pid: int) -> list[int]:
    out = run("ps", "-o", "pid=", "--ppid", str(pid), check=False).stdout
    return [int(p) for p in out.split()]


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds:g} s for {what}")
        time.sleep(0.2)


def test_sigterm_stops_the_class_run_and_writes_the_partial_report(ssh_lab, solved_replay,
                                                                    tmp_path):
    a, b, c = ssh_lab.hosts
    for host in ssh_lab.hosts:
        host.set_replay(hanging(solved_replay, 600))
    logins = {h.netns: h.connections() for h in ssh_lab.hosts}
    inventory = tmp_path / "class.txt"
    inventory.write_text("".join(f"{name} ssh://{USER}@{h.address}:{h.port} {ssh_lab.key}\n"
                                 for name, h in (("alice", a), ("bob", b), ("carol", c))))
    out = tmp_path / "grades"
    state = tmp_path / "state"  # this run's own, with the hosts' keys known (ssh_lab's)
    state.mkdir()
    (state / "known_hosts").write_text(ssh_lab.known_hosts())
    grade = subprocess.Popen(
        [sys.executable, "-m", "stacklab", "grade", "-i", str(inventory), "--labs", "3-4",
         "--jobs", "2", "--timeout", "600", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "STACKLAB_STATE_DIR": str(state)})
    try:
        # alice and bob logged in (carol waits for a free job) and their checks hang
        try:
            wait_for(lambda: a.connections() > logins[a.netns] and
                     b.connections() > logins[b.netns], 120, "alice's and bob's logins")
        except pytest.fail.Exception:
            grade.kill()
            said = grade.stdout.read() if grade.stdout else ""
            pytest.fail(f"alice and bob never logged in; stacklab grade said:\n{said}")
        workers = children(grade.pid)
        assert len(workers) == 2, workers
        grade.send_signal(signal.SIGTERM)
        code = grade.wait(timeout=30)  # the run itself would go on for 600 s
    finally:
        if grade.poll() is None:
            grade.kill()
    output = grade.stdout.read() if grade.stdout else ""
    assert code == 143, output
    assert "stacklab: interrupted by SIGTERM" in output
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], "a worker lives on"
    for host in (a, b):
        wait_for(lambda h=host: not ssh_sessions(h.netns), 10, f"{host.netns}'s sessions "
                 "to close")
    assert c.connections() == logins[c.netns]  # carol's turn never came
    report = json.loads((out / "grades.json").read_text())
    hosts = {h["name"]: h for h in report["hosts"]}
    assert {h["status"] for h in hosts.values()} == {"interrupted"}
    for name in ("alice", "bob"):
        assert hosts[name]["reason"].startswith("interrupted by SIGTERM ("), hosts[name]
    assert hosts["carol"]["reason"] == "interrupted by SIGTERM before its turn"
    assert len(hosts["carol"]["checks"]) == len(hosts["alice"]["checks"]) > 0
    assert {p.name for p in out.iterdir()} >= {"grades.json", "grades.csv", "grades.xml"}
