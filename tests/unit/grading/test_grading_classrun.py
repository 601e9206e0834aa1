"""The class run's scheduling with real forked workers: the one retry of a host with errors
(after the others), the marks of hosts still not fully graded, and SIGTERM / Ctrl-C.

Each worker runs a stand-in for run_checks (installed before the fork, so the workers
inherit it) that behaves as the host's name says and writes each attempt to a file.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from loopback import CountingListener

from stacklab.grading import classrun
from stacklab.grading.classrun import ClassRunInterrupted, grade_class, not_fully_graded
from stacklab.grading.model import CheckResult, CheckSpec, RunResult
from stacklab.hosts.target import Target

SPECS = [CheckSpec(3, "mariadb_listens", "MariaDB listens", 3, "bind it"),
         CheckSpec(3, "nova_database_exists", "the database nova exists", 2, "create it")]


def passed(spec: CheckSpec) -> CheckResult:
    return CheckResult(spec.lab, spec.id, spec.title, spec.points, spec.points, "passed")


def in_error(spec: CheckSpec) -> CheckResult:
    return CheckResult(spec.lab, spec.id, spec.title, 0, spec.points, "error",
                       found="no answer within 60 s")


@pytest.fixture
def hosts(tmp_path, monkeypatch):
    """run_checks as the host's name says; returns the log of attempts (one line each)."""
    log = tmp_path / "attempts"
    log.touch()

    def attempts(name: str) -> int:
        return log.read_text().split().count(name)

    def fake_run_checks(target: Target, labs, *, on_result=None, **kwargs) -> RunResult:
        with log.open("a") as f:
            f.write(f"{target.name}\n")
        (tmp_path / f"{target.name}.pid").write_text(str(os.getpid()))
        name = target.name.rstrip("0123456789")
        checks = [passed(s) for s in SPECS]
        status, reason = "ok", ""
        if name == "down":
            status, reason, checks = "unreachable", "connection refused", []
        elif name == "refused":
            status, reason, checks = "refused", "login as vagrant refused", []
        elif name == "broken" or (name == "flaky" and attempts(target.name) == 1):
            checks = [checks[0], in_error(SPECS[1])]
        elif name == "crowd":  # in error at first; its retry logs when it runs
            if attempts(target.name) == 1:
                checks = [checks[0], in_error(SPECS[1])]
            else:
                with (tmp_path / "retries").open("a") as f:
                    f.write(f"+{target.name}\n")
                time.sleep(0.4)
                with (tmp_path / "retries").open("a") as f:
                    f.write(f"-{target.name}\n")
        elif name == "hang":
            on_result(checks[0])
            try:
                time.sleep(3600)
            finally:  # what run_checks does on the way out: close the connection
                (tmp_path / f"{target.name}.closed").touch()
        for check in checks:
            if on_result:
                on_result(check)
        return RunResult(name=target.name, url=target.url, labs=[3], checks=checks,
                         status=status, reason=reason, connections=1)

    monkeypatch.setattr("stacklab.grading.runner.run_checks", fake_run_checks)
    monkeypatch.setattr(classrun, "warm_up", lambda labs, provider, hidden: list(SPECS))
    return log


def targets(*names: str) -> list[Target]:
    return [Target(hostname="127.0.0.1", port=2200 + i, name=name)
            for i, name in enumerate(names)]


def test_a_host_with_errors_is_tried_once_more_after_the_others(hosts):
    events = []
    report = grade_class(targets("down", "ok1", "flaky", "ok2"), "3", jobs=1,
                         on_event=lambda e: events.append((e[0], e[1].name)))
    assert hosts.read_text().split() == ["down", "ok1", "flaky", "ok2", "down", "flaky"]
    by_name = {h.name: h for h in report.hosts}
    assert [h.name for h in report.hosts] == ["down", "ok1", "flaky", "ok2"]  # inventory order
    assert by_name["flaky"].status == "ok" and not not_fully_graded(by_name["flaky"])
    assert by_name["flaky"].points == 5
    assert by_name["down"].status == "unreachable"
    assert "2 attempts" in by_name["down"].reason
    assert ("retry", "down") in events and ("retry", "flaky") in events
    assert [name for kind, name in events if kind == "done"] == ["ok1", "ok2", "down", "flaky"]


def test_a_host_still_in_error_after_its_retry_is_marked_incomplete(hosts):
    report = grade_class(targets("ok", "broken"), "3", jobs=2)
    broken = report.hosts[1]
    assert hosts.read_text().split().count("broken") == 2
    assert broken.status == "incomplete"
    assert "nova_database_exists: no answer within 60 s" in broken.reason
    assert report.hosts[0].status == "ok"


def test_retries_run_a_quarter_of_jobs_at_a_time(hosts, tmp_path):
    # the hosts retried were too slow under the whole class's load: a lighter one for them
    report = grade_class(targets(*[f"crowd{i}" for i in range(8)]), "3", jobs=8)
    assert all(h.status == "ok" and h.points == 5 for h in report.hosts)
    at_once = most = 0
    for line in (tmp_path / "retries").read_text().split():
        at_once += 1 if line.startswith("+") else -1
        most = max(most, at_once)
    assert most == 8 // classrun.RETRY_SHARE


def test_a_refused_login_and_a_run_without_retry_are_tried_once(hosts):
    report = grade_class(targets("refused", "down"), "3", jobs=2, retry=False)
    assert sorted(hosts.read_text().split()) == ["down", "refused"]
    assert [h.status for h in report.hosts] == ["refused", "unreachable"]
    report = grade_class(targets("refused"), "3")
    assert hosts.read_text().split().count("refused") == 2  # one more run, one attempt
    assert not_fully_graded(report.hosts[0]).startswith("refused: login")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_every_worker_and_marks_the_unfinished_hosts(hosts, tmp_path, signum):
    def on_event(event) -> None:
        kind, target, _ = event
        if kind == "check" and target.name == "hang":  # it hangs after its first check
            threading.Timer(0.2, os.kill, (os.getpid(), signum)).start()

    with pytest.raises(ClassRunInterrupted) as stopped:
        grade_class(targets("ok", "hang", "ok2"), "3", jobs=1, on_event=on_event)
    assert stopped.value.signum == signum
    ok, hang, waiting = stopped.value.report.hosts
    assert ok.status == "ok" and ok.points == 5
    assert hang.status == "interrupted" and hang.checks[0].passed
    assert hang.reason == f"interrupted by {signal.Signals(signum).name} (1 checks done)"
    assert [c.status for c in hang.checks[1:]] == ["error"]
    assert waiting.status == "interrupted" and "before its turn" in waiting.reason
    assert len(waiting.checks) == len(SPECS)
    assert (tmp_path / "hang.closed").exists()  # its run ended on its own, cleanly
    pid = int((tmp_path / "hang.pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert "ok2" not in hosts.read_text().split()
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers given back


def test_an_unreachable_host_is_contacted_twice_for_real(tmp_path):
    """The real runner and transport: a host that drops every connection before its SSH
    greeting is tried once, then once more after the others, and no more."""
    with CountingListener() as host:
        target = Target.from_url(host.url(), name="carol")
        report = grade_class([target], "3", jobs=1, connect_timeout=5)
        assert host.accepted == 2
    carol = report.hosts[0]
    assert carol.status != "ok" and "2 attempts" in carol.reason
    assert all(not c.passed for c in carol.checks) and carol.checks


def test_an_event_handler_that_fails_leaves_no_worker(hosts, tmp_path):
    def on_event(event) -> None:
        if event[0] == "check":
            raise RuntimeError("the progress bar broke")

    with pytest.raises(RuntimeError):
        grade_class(targets("hang"), "3", on_event=on_event)
    deadline = time.monotonic() + 10
    pid = int((tmp_path / "hang.pid").read_text())
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        multiprocessing.active_children()  # reaps it once it was killed
        time.sleep(0.05)
    assert not Path(f"/proc/{pid}").exists()
