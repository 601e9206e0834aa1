"""`stacklab check` and `stacklab grade` as a person runs them (the host run is stubbed here;
tests/integration/grading runs them against real sshd hosts)."""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import replace

import pytest
from click.testing import CliRunner

from stacklab.cli import cli
from stacklab.grading.model import CheckResult, RunResult
from stacklab.progress import read_progress


def fake_result(status="ok", failing=False) -> RunResult:
    checks = [CheckResult(3, "mariadb_listens", "MariaDB listens on all addresses", 3, 3,
                          "passed"),
              CheckResult(3, "nova_database_exists", "the database nova exists",
                          0 if failing else 2, 2, "failed" if failing else "passed",
                          hint="mysqladmin create nova" if failing else "",
                          found="databases: mysql" if failing else "")]
    if status != "ok":
        checks = [CheckResult(c.lab, c.id, c.title, 0, c.max, "error", found="refused")
                  for c in checks]
    return RunResult(name="lab", url="ssh://vagrant@127.0.0.1:2222", labs=[3], checks=checks,
                     status=status, reason="127.0.0.1:2222: connection refused" if status != "ok"
                     else "")


@pytest.fixture
def stub(monkeypatch, tmp_path):
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path))
    calls = []

    def install(result):
        def run_checks(target, labs, **kwargs):
            calls.append((target, [getattr(lab, "number", lab) for lab in labs], kwargs))
            return result
        monkeypatch.setattr("stacklab.grading.runner.run_checks", run_checks)
        return calls
    return install


def test_check_passes_exits_0_and_records_progress(stub):
    calls = stub(fake_result())
    out = CliRunner().invoke(cli, ["check", "3", "--host", "ssh://vagrant@127.0.0.1:2222"])
    assert out.exit_code == 0, out.output
    assert "✔" in out.output and "Total: 5/5 points" in out.output
    target, labs, kwargs = calls[0]
    assert (target.port, labs, kwargs["include_hidden"]) == (2222, [3], False)
    assert read_progress()[3]["points"] == 5


def test_check_failure_shows_found_and_hint_and_exits_1(stub):
    stub(fake_result(failing=True))
    out = CliRunner().invoke(cli, ["check", "3", "--host", "ssh://vagrant@127.0.0.1:2222"])
    assert out.exit_code == 1
    assert "databases: mysql" in out.output and "mysqladmin create nova" in out.output


def test_check_json(stub):
    stub(fake_result(failing=True))
    out = CliRunner().invoke(cli, ["check", "3", "--json", "--host", "ssh://v@h:22"])
    data = json.loads(out.stdout)
    assert data["points"] == 3 and data["checks"][1]["hint"] == "mysqladmin create nova"


def test_check_unreachable_host_is_one_line_exit_3(stub):
    stub(fake_result(status="unreachable"))
    out = CliRunner().invoke(cli, ["check", "--host", "ssh://vagrant@127.0.0.1:2222"])
    assert out.exit_code == 3  # not judged: not the learner's mistake, not bad input
    assert "cannot reach the lab host: 127.0.0.1:2222: connection refused" in out.output
    assert "Traceback" not in out.output
    assert read_progress() == {}  # nothing was checked, nothing recorded


def test_check_with_a_check_in_error_exits_3_and_shows_the_table(stub):
    result = fake_result()
    broken = CheckResult(3, "nova_database_exists", "the database nova exists", 0, 2,
                         "error", found="no answer within 60 s")
    stub(replace(result, checks=[result.checks[0], broken], connections=1))
    out = CliRunner().invoke(cli, ["check", "3", "--host", "ssh://vagrant@127.0.0.1:2222"])
    assert out.exit_code == 3, out.output
    assert "no answer within 60 s" in out.output


def test_check_has_an_overall_time_limit(stub):
    calls = stub(fake_result())
    CliRunner().invoke(cli, ["check", "3", "--host", "ssh://v@h:22"])
    CliRunner().invoke(cli, ["check", "3", "--host", "ssh://v@h:22", "--timeout", "42.5"])
    assert [kwargs["timeout"] for _, _, kwargs in calls] == [300, 42.5]


def test_grade_names_the_bad_inventory_line(tmp_path):
    inventory = tmp_path / "class.txt"
    inventory.write_text("alice ssh://vagrant@10.0.0.1\nbob\n")
    out = CliRunner().invoke(cli, ["grade", "-i", str(inventory)])
    assert out.exit_code == 2 and f"{inventory}:2:" in out.output


def test_grade_refuses_an_unknown_format_before_grading(tmp_path):
    inventory = tmp_path / "class.txt"
    inventory.write_text("alice ssh://vagrant@10.0.0.1\n")
    out = CliRunner().invoke(cli, ["grade", "-i", str(inventory), "--format", "pdf"])
    assert out.exit_code == 2 and "unknown report format(s): pdf" in out.output


def test_notebook_check_renders_html_and_records(stub):
    from stacklab.grading.notebook import check_lab
    from stacklab.hosts.target import Target

    stub(fake_result(failing=True))
    shown = check_lab(3, Target.from_url("ssh://v@h:22"))
    html = shown._repr_html_()
    assert "databases: mysql" in html and "3/5" in html and not shown.passed
    assert read_progress()[3]["passed"] == 1


@pytest.fixture
def class_run(monkeypatch, tmp_path):
    """grade_class stubbed: returns the hosts it is given, or raises what it is given."""
    from stacklab.grading import classrun

    def install(outcome):
        calls = []

        def grade_class(targets, labs, **kwargs):
            calls.append(targets)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome
        monkeypatch.setattr(classrun, "grade_class", grade_class)
        monkeypatch.setattr(classrun, "warm_up", lambda *a: [])
        return calls

    inventory = tmp_path / "class.txt"
    inventory.write_text("alice ssh://vagrant@127.0.0.1:2201\nbob ssh://vagrant@127.0.0.1:2202\n")
    return install, ["grade", "-i", str(inventory), "--out", str(tmp_path / "grades")]


def named(result: RunResult, name: str) -> RunResult:
    return replace(result, name=name)


def test_grade_exits_0_when_every_host_is_fully_graded(class_run, tmp_path):
    from stacklab.grading.model import ClassReport

    install, args = class_run
    install(ClassReport(labs=[3], hosts=[named(fake_result(), "alice"),
                                         named(fake_result(failing=True), "bob")]))
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 0, out.output  # a learner's failed check is a grade, all the same
    assert "all 2 host(s) fully graded" in out.output


def test_grade_exits_3_and_names_the_hosts_not_fully_graded(class_run, tmp_path):
    from stacklab.grading.model import ClassReport

    install, args = class_run
    down = replace(named(fake_result(status="unreachable"), "bob"),
                   reason="127.0.0.1:2202: connection refused (2 attempts)")
    install(ClassReport(labs=[3], hosts=[named(fake_result(), "alice"), down]))
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 3, out.output
    assert "  bob: unreachable: 127.0.0.1:2202: connection refused (2 attempts)\n" \
        in out.output
    assert "  alice:" not in out.output
    assert "stacklab: 1 of 2 host(s) not fully graded" in out.output
    report = json.loads((tmp_path / "grades" / "grades.json").read_text())
    assert [h["status"] for h in report["hosts"]] == ["ok", "unreachable"]


@pytest.mark.parametrize(("signum", "code"), [(15, 143), (2, 130)])
def test_grade_interrupted_writes_the_partial_report_and_exits_128_plus_signal(
        class_run, tmp_path, signum, code):
    from stacklab.grading.classrun import ClassRunInterrupted
    from stacklab.grading.model import ClassReport

    install, args = class_run
    stopped = replace(named(fake_result(status="interrupted"), "bob"),
                      reason="interrupted by SIGTERM (0 checks done)")
    partial = ClassReport(labs=[3], hosts=[named(fake_result(), "alice"), stopped])
    install(ClassRunInterrupted(partial, signum))
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == code, out.output
    assert "stacklab: interrupted by SIG" in out.output
    report = json.loads((tmp_path / "grades" / "grades.json").read_text())
    assert [h["status"] for h in report["hosts"]] == ["ok", "interrupted"]
    assert report["hosts"][0]["points"] == 5


def test_check_and_grade_help_document_their_exit_codes():
    for command, line in (("check", "1    a check failed"),
                          ("grade", "3    some hosts were not fully graded")):
        out = CliRunner().invoke(cli, [command, "--help"])
        assert "Exit codes:" in out.output and line in out.output
        assert "130  interrupted (Ctrl-C); 143 stopped by SIGTERM" in out.output
        assert max(len(line) for line in out.output.splitlines()) <= 80


@pytest.mark.parametrize("swallowed", [False, True], ids=["raised", "swallowed-by-pytest"])
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_check_stopped_by_a_signal_exits_128_plus_it_and_records_nothing(
        monkeypatch, tmp_path, signum, code, swallowed):
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path))

    def run_checks(target, labs, **kwargs):
        try:
            os.kill(os.getpid(), signum)
            time.sleep(30)  # the signal ends this at once
        except KeyboardInterrupt:
            if not swallowed:
                raise
        return fake_result()  # what pytest gives back when a KeyboardInterrupt stopped it

    monkeypatch.setattr("stacklab.grading.runner.run_checks", run_checks)
    out = CliRunner().invoke(cli, ["check", "3", "--host", "ssh://vagrant@127.0.0.1:2222"])
    assert out.exit_code == code, out.output
    assert f"stacklab: interrupted by {signal.Signals(signum).name}" in out.output
    assert read_progress() == {}
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
