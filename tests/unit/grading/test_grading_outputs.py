"""Reports: JUnit read by junitparser, the CSV gradebook read back, JSON round trip, and no
password, key or token in any format."""

from __future__ import annotations

import csv
import io

import pytest
from grading_helpers import grade_recorded
from junitparser import Error, Failure, JUnitXml, Skipped
from recorded_host import PEM, RecordedHost

from stacklab import outputs
from stacklab.grading.model import CheckResult, ClassReport, RunResult
from stacklab.outputs.html import render_lab
from stacklab.settings import load_settings


def unreachable(name: str, specs) -> RunResult:
    """A host not reached; its checks carry the retired status 'not-run' (shown as error)."""
    reason = "10.0.0.9:22: connection refused (nothing listens on that port)"
    return RunResult(name=name, url="ssh://vagrant@10.0.0.9:22", labs=[3, 4],
                     checks=[CheckResult(lab=c.lab, id=c.id, title=c.title, points=0,
                                         max=c.max, status="error", found=reason)
                             for c in specs], status="unreachable", reason=reason)


@pytest.fixture(scope="module")
def report() -> ClassReport:
    settings = load_settings()
    good = grade_recorded(RecordedHost(settings), "3,4")
    broken_state = RecordedHost(settings)
    broken_state.listeners.remove("0.0.0.0:3306")
    broken_state.listeners.append("127.0.0.1:3306")
    broken = grade_recorded(broken_state, "3,4")
    return ClassReport(labs=[3, 4], hosts=[
        RunResult(**{**good.__dict__, "name": "alice"}),
        RunResult(**{**broken.__dict__, "name": "bob"}),
        unreachable("carol", good.checks)])


def test_formats_are_discovered_one_module_each():
    assert set(outputs.formats()) == {"table", "json", "junit", "csv", "html", "moodle",
                                      "canvas"}
    # the LMS gradebooks are written when asked for, the rest by default
    assert [m.NAME for m in outputs.choose(None)] == ["csv", "html", "json", "junit", "table"]
    assert outputs.with_gradebooks((), ("moodle",)) == ("csv", "html", "json", "junit",
                                                        "table", "moodle")
    assert outputs.with_gradebooks(("json",), ("canvas", "canvas")) == ("json", "canvas")


def test_json_round_trip(report):
    text = outputs.formats()["json"].render(report)
    again = ClassReport.from_json(text)
    assert again == report
    assert RunResult.from_json(report.hosts[1].to_json()) == report.hosts[1]


def test_junit_has_a_suite_per_host_and_a_case_per_check(report, tmp_path):
    path = tmp_path / "grades.xml"
    path.write_text(outputs.formats()["junit"].render(report))
    xml = JUnitXml.fromfile(str(path))
    suites = {s.name: s for s in xml}
    assert list(suites) == ["alice", "bob", "carol"]
    assert suites["alice"].tests == len(report.hosts[0].checks) and suites["alice"].failures == 0
    bob = {c.name.split(":")[0]: c for c in suites["bob"]}
    failed = bob["03.mariadb_listens_on_all_addresses"].result[0]
    assert isinstance(failed, Failure)
    assert "127.0.0.1:3306" in failed.message and "hint: " in failed.text
    # carol's host was not reached: the kit could not find out, never a learner's failure
    assert all(isinstance(c.result[0], Error) for c in suites["carol"])
    assert suites["carol"].errors == len(report.hosts[2].checks) and suites["carol"].failures == 0
    assert not any(isinstance(r, Error) for c in suites["alice"] for r in c.result)


def test_csv_gradebook_reads_back(report):
    rows = list(csv.DictReader(io.StringIO(outputs.formats()["csv"].render(report))))
    assert [r["student"] for r in rows] == ["alice", "bob", "carol"]  # every row a student
    alice, bob, carol = rows
    assert float(alice["total"]) == float(alice["max"]) == report.hosts[0].max_points
    maximum = report.hosts[0].lab_points(3)[1]
    assert float(bob["lab03"]) == maximum - 6  # listens + login: 3 + 3
    assert float(bob["lab04"]) == float(alice["lab04"]) == report.hosts[0].lab_points(4)[1]
    assert int(bob["failed"]) >= 1 and "03 " in bob["problems"]
    # a host that could not be graded is blank, not 0: its grade is unknown
    assert (carol["status"], carol["total"], carol["lab03"]) == ("unreachable", "", "")
    assert "connection refused" in carol["problems"]


def test_table_and_html_show_hints_and_reasons(report):
    text = outputs.formats()["table"].render(report)
    assert "bind-address" in text and "connection refused" in text and "✘" in text
    html = outputs.formats()["html"].render(report)
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html
    assert "http" not in html.split("<body>")[0]  # no external stylesheet
    assert "listening on 127.0.0.1:3306" in html
    small = render_lab(report.hosts[1], 3)
    assert "MariaDB listens" in small and "RabbitMQ" not in small
    # the notebook's table styles itself inline: an untrusted notebook drops <style>
    assert "<style" not in small and 'class="' not in small.replace('class="stacklab-check"', "")
    assert "margin:4px auto 4px 0" in small  # left, whatever JupyterLab's CSS centres
    assert all("text-align:left" in td or "text-align:right" in td
               for td in small.split("<td")[1:])
    # only properties JupyterLab's sanitizer keeps in an untrusted output (its allowedStyles)
    import re

    used = {prop.strip() for style in re.findall(r'style="([^"]*)"', small)
            for prop in (part.split(":")[0] for part in style.split(";")) if prop.strip()}
    assert used <= {"background", "border", "border-collapse", "color", "display",
                    "font-family", "font-size", "font-style", "font-weight", "margin",
                    "padding", "text-align", "vertical-align", "white-space", "width"}, used


def test_the_style_block_survives_html_escaping(report):
    html = outputs.formats()["html"].render(report)
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert '"Segoe UI"' in style and "&#" not in style and "&quot;" not in style
    assert "{" in style and "@media (max-width:640px)" in style
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


SECRETS = {
    "STACKLAB__OPENSTACK__ADMIN_PASSWORD": "Adm1n-S3cret-Value",
    "STACKLAB__OPENSTACK__SERVICE_PASSWORD": "Serv1ce-S3cret-Value",
    "STACKLAB__MYSQL__ROOT_PASSWORD": "R00t-Db-S3cret",
    "STACKLAB__MYSQL__SERVICE_PASSWORD": "Db-Serv1ce-S3cret",
    "STACKLAB__RABBITMQ__PASSWORD": "Rabb1t-S3cret-Value",
    "STACKLAB__IDENTITY__PASSWORD": "Us3r-S3cret-Value",
}


def test_no_password_key_or_token_in_any_output(monkeypatch, tmp_path):
    for key, value in SECRETS.items():
        monkeypatch.setenv(key, value)
    settings = load_settings()
    state = RecordedHost(settings)
    # break things so that checks describe the very lines that hold the secrets
    nova = state.files["/etc/nova/nova.conf"]
    state.files["/etc/nova/nova.conf"] = nova.replace("my_ip", "#my_ip").replace(
        f"@{settings.network.public.address}:5672", "@localhost:5672").replace(
        f"@{settings.network.public.address}/nova_api", "@db.invalid/nova_api")
    state.mysql_root_hosts = ["localhost"]
    state.rabbit_users.pop(settings.rabbitmq.user)
    token = "gAAAAABmZ1exampleFernetTokenValue123"
    state.home[settings.identity.rc_file] += f"export OS_TOKEN={token}\n"
    state.home[settings.identity.rc_file] = state.home[settings.identity.rc_file].replace(
        "OS_USERNAME=", "OS_USERNAME=x")
    state.guest_ssh_error = "Load key: " + PEM.replace("\n", " ")
    result = grade_recorded(state)
    assert not result.all_passed
    written = outputs.write(ClassReport(labs=result.labs, hosts=[result]), tmp_path)
    assert {p.suffix for p in written} == {".txt", ".json", ".xml", ".csv", ".html"}
    # the safety net was needed: these findings quote lines that held secrets
    found_texts = " ".join(c.found for c in result.checks)
    assert "connection = mysql+pymysql://nova:*****@db.invalid/nova_api" in found_texts
    assert "[private key removed]" in found_texts
    for path in written:
        text = path.read_text()
        for secret in SECRETS.values():
            assert secret not in text, (path.name, secret)
        assert "b3BlbnNzaC1rZXkt" not in text and token not in text, path.name


NV_REASON = "no iSCSI: this kernel has no iSCSI target/initiator"


@pytest.fixture(scope="module")
def mixed() -> ClassReport:
    """A host with a passed, an n/a and a not-verified check."""
    checks = [CheckResult(7, "backend", "the backend", 3, 3, "passed",
                          note="rbd stand-in: no device-mapper on this host"),
              CheckResult(7, "na", "does not apply", 0, 0, "n/a", found="no such thing here"),
              CheckResult(7, "iscsi", "the iSCSI target runs", 0, 0, "not-verified",
                          found="not verified on this host: " + NV_REASON)]
    run = RunResult(name="dora", url="ssh://vagrant@127.0.0.1:2410", labs=[7], checks=checks)
    return ClassReport(labs=[7], hosts=[run])


def test_not_verified_is_ok_but_neither_passed_nor_counted(mixed):
    run = mixed.hosts[0]
    assert run.all_passed and run.passed == 1 and (run.points, run.max_points) == (3, 3)
    assert [c.key for c in run.not_verified] == ["07.iscsi"]
    assert run.not_verified[0].reason_not_verified == NV_REASON


def test_json_has_the_status_and_the_runs_not_verified_list(mixed):
    import json

    data = json.loads(outputs.formats()["json"].render(mixed))["hosts"][0]
    assert data["not_verified"] == ["07.iscsi"]
    statuses = {c["id"]: (c["status"], c["passed"]) for c in data["checks"]}
    assert statuses == {"backend": ("passed", True), "na": ("n/a", False),
                        "iscsi": ("not-verified", False)}
    assert ClassReport.from_json(json.dumps({"labs": [7], "hosts": [data]})) == mixed


def test_junit_skips_not_verified_with_its_own_type(mixed, tmp_path):
    path = tmp_path / "grades.xml"
    path.write_text(outputs.formats()["junit"].render(mixed))
    cases = {c.name.split(":")[0]: c for c in next(iter(JUnitXml.fromfile(str(path))))}
    skipped = cases["07.iscsi"].result[0]
    assert isinstance(skipped, Skipped) and skipped.type == "not-verified"
    assert skipped.message == "not verified on this host: " + NV_REASON
    assert cases["07.na"].result[0].type == "n/a"
    assert cases["07.backend"].result == []


def test_csv_lists_not_verified_checks(mixed):
    rows = list(csv.DictReader(io.StringIO(outputs.formats()["csv"].render(mixed))))
    assert [r["not_verified"] for r in rows] == ["07.iscsi"]


def test_table_and_html_mark_not_verified_apart_from_na_and_passed(mixed):
    text = outputs.formats()["table"].render(mixed)
    rows = {line.split("│")[2].strip(): line.split("│")[1].strip()
            for line in text.splitlines() if line.count("│") > 3}
    assert (rows["the backend"], rows["does not apply"], rows["the iSCSI target runs"]) == \
        ("✔", "–", "○")
    assert "1/1 checks passed" in text
    last = text.rstrip().split("checks passed\n", 1)[1]
    assert last.startswith("Not verified on this host (1, worth 0 of 0 points")
    assert "07.iscsi (no iSCSI:" in last
    html = outputs.formats()["html"].render(mixed)
    assert '<td class="not-verified">○</td>' in html and '<td class="na">–</td>' in html
    assert '<span class="not-verified">not verified on this host: no iSCSI' in html
    small = render_lab(mixed.hosts[0], 7)
    # the note names the check by its title, not by its key
    assert "<li>07 the iSCSI target runs: no iSCSI" in small and "07.iscsi" not in small


def test_a_note_shows_beside_the_check_in_table_html_and_json(mixed):
    import json

    text = outputs.formats()["table"].render(mixed)
    row = next(line for line in text.splitlines() if "the backend" in line)
    assert row.split("│")[1].strip() == "✔"
    assert "note: rbd stand-in: no device-mapper on this host" in row
    html = outputs.formats()["html"].render(mixed)
    assert '<span class="note">note: rbd stand-in: no device-mapper on this host</span>' in html
    data = json.loads(outputs.formats()["json"].render(mixed))["hosts"][0]["checks"]
    assert data[0]["note"] == "rbd stand-in: no device-mapper on this host"
    assert data[1]["note"] == ""


def test_note_is_a_no_op_outside_a_check():
    from stacklab.grading import note

    note("nothing runs")  # a grader function called on its own: no error, nowhere to go
