"""`stacklab check` and `stacklab grade` as a person runs them (the host run is stubbed here;
tests/integration/grading runs them against real sshd hosts)."""

from __future__ import annotations

import json

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


def test_check_unreachable_host_is_one_line_exit_2(stub):
    stub(fake_result(status="unreachable"))
    out = CliRunner().invoke(cli, ["check", "--host", "ssh://vagrant@127.0.0.1:2222"])
    assert out.exit_code == 2
    assert "cannot reach the lab host: 127.0.0.1:2222: connection refused" in out.output
    assert "Traceback" not in out.output


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
