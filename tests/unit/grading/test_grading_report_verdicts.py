"""Every format leads with the root causes and keeps error and blocked checks apart from
failed ones; JUnit is valid against Jenkins' junit-10 XSD; the terminal summary fits 80
columns through a pipe."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from stacklab import outputs
from stacklab.grading.model import CheckResult, ClassReport, RunResult
from stacklab.outputs import table
from stacklab.outputs.html import render_lab

SCHEMA = Path(__file__).parent / "schemas" / "junit-10.xsd"
HOSTNAME = "host name resolves to the lab address"


def check(lab: int, id: str, status: str, points: float = 2, **extra) -> CheckResult:
    earned = points if status == "passed" else 0
    return CheckResult(lab=lab, id=id, title=extra.pop("title", id.replace("_", " ")),
                       points=earned, max=points, status=status, **extra)


def broken_host(name: str = "bob") -> RunResult:
    """Lab 4's host name is wrong: three later checks are blocked by it, one could not be
    checked (an API that did not answer), one is red for its own reason."""
    checks = [check(3, "mariadb_listens", "passed"),
              check(4, "hostname", "failed", title=HOSTNAME, found="aims resolves to 127.0.1.1",
                    hint="put the lab address in /etc/hosts"),
              check(5, "keystone_answers", "blocked", blocked_by="04.hostname",
                    found="connection refused"),
              check(5, "project_exists", "blocked", blocked_by="05.keystone_answers"),
              check(6, "image_uploaded", "blocked", blocked_by="04.hostname"),
              check(6, "glance_api", "error", found="Request to glance timed out"),
              check(3, "rabbit_user", "failed", found="no user 'openstack'",
                    hint="rabbitmqctl add_user")]
    return RunResult(name=name, url="ssh://vagrant@10.0.0.12:22", labs=[3, 4, 5, 6],
                     checks=checks)


@pytest.fixture(scope="module")
def report() -> ClassReport:
    alice = RunResult(name="alice", url="ssh://vagrant@10.0.0.11:22", labs=[3, 4, 5, 6],
                      checks=[check(3, "mariadb_listens", "passed"),
                              check(4, "hostname", "passed", title=HOSTNAME),
                              check(5, "keystone_answers", "passed"),
                              check(5, "project_exists", "passed"),
                              check(6, "image_uploaded", "passed"),
                              check(6, "glance_api", "passed"),
                              check(3, "rabbit_user", "passed")],
                      roster={"email": "alice@example.edu", "sis_id": "S1", "section": "A"})
    bob = RunResult(**{**broken_host().__dict__,
                       "roster": {"email": "bob@example.edu", "sis_id": "S2", "section": "B"}})
    carol = RunResult(name="carol", url="ssh://vagrant@10.0.0.13:22", labs=[3, 4, 5, 6],
                      status="unreachable", reason="10.0.0.13:22: connection refused",
                      checks=[check(c.lab, c.id, "timeout", title=c.title) for c in alice.checks],
                      roster={"email": "carol@example.edu", "sis_id": "S3"})
    return ClassReport(labs=[3, 4, 5, 6], hosts=[alice, bob, carol])


def test_the_root_cause_leads_and_names_what_it_blocked():
    from stacklab.outputs._common import headline

    line = headline(broken_host())
    assert line == (f"3 problems: 04 {HOSTNAME} — 3 checks blocked by it; 03 rabbit user; "
                    "06 glance api (could not check)")


def test_terminal_table_leads_with_root_causes_and_marks_blocked_and_error_apart():
    text = table.render_run(broken_host(), width=120)
    assert text.splitlines()[0].startswith(f"3 problems: 04 {HOSTNAME} — 3 checks blocked")
    rows = {line.split("│")[2].strip(): line for line in text.splitlines() if line.count("│") > 3}
    assert "⊘" in rows["keystone answers"] and f"blocked by 04 {HOSTNAME}" in rows[
        "keystone answers"]
    assert "blocked by 05 keystone answers" in rows["project exists"]
    assert "!" in rows["glance api"] and "timed out" in rows["glance api"]
    assert "→" not in rows["glance api"]  # no hint for what the learner did not get wrong
    assert "1 passed, 2 failed, 1 could not check, 3 blocked" in text


def test_summary_is_one_line_per_student_within_80_columns_through_a_pipe(report):
    many = ClassReport(labs=report.labs, hosts=[
        RunResult(**{**h.__dict__, "name": f"{h.name}-with-a-rather-long-student-name-{i}"})
        for i in range(100) for h in report.hosts])
    # what `stacklab grade` prints when stdout is a pipe: rich falls back to 80 columns
    script = ("import sys, json; from rich.console import Console\n"
              "from stacklab.grading.model import ClassReport\n"
              "from stacklab.outputs import table\n"
              "r = ClassReport.from_json(sys.stdin.read()); c = Console()\n"
              "c.print(table.for_terminal(r, c.width))\n")
    env = {"PATH": "/usr/bin:/bin", "TERM": "dumb", "PYTHONIOENCODING": "utf-8"}
    run = subprocess.run([sys.executable, "-c", script], input=many.to_json(), text=True,
                         encoding="utf-8", capture_output=True, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert len(lines) == 1 + 300 + 1 + 2  # header, a line a student, totals, checks failed
    body = lines[1:301]
    assert all(line.split()[0].startswith(("alice-", "bob-", "carol-")) for line in body)
    assert "…" not in lines[0] and all(line.count("…") <= 2 for line in body)
    bob = next(line for line in body if line.startswith("bob-"))
    assert " graded " in bob and " 2/14 " in bob and "  04 host name resolves to the" in bob
    short = table.summary_lines(ClassReport(labs=report.labs, hosts=[broken_host()]), 80)[1]
    assert short.startswith("bob      graded    2/14  04 host name resolves to the lab "
                            "address, 3 blocked") and len(short) == 80
    carol = next(line for line in body if line.startswith("carol-"))
    assert "unreachable" in carol and " –  " in carol and "connection refused" in carol
    assert lines[301] == "300 hosts: 200 graded, 100 not fully graded"
    assert lines[302:] == ["failed on 100 of 200 graded hosts: 03 rabbit user",
                           f"failed on 100 of 200 graded hosts: 04 {HOSTNAME}"]


def test_the_full_class_table_where_it_fits(report):
    wide = table._to_text(table.for_terminal(report, 160), 160)
    assert "First problem" in wide and "/2" in wide  # per-lab maxima in the header


def test_junit_errors_failures_and_skips(report, tmp_path):
    from junitparser import Error, Failure, JUnitXml, Skipped

    path = tmp_path / "grades.xml"
    path.write_text(outputs.formats()["junit"].render(report))
    suites = {s.name: s for s in JUnitXml.fromfile(str(path))}
    bob = {c.name.split(":")[0]: c.result[0] for c in suites["bob"] if c.result}
    assert isinstance(bob["04.hostname"], Failure) and isinstance(bob["03.rabbit_user"], Failure)
    assert isinstance(bob["06.glance_api"], Error)
    assert isinstance(bob["05.keystone_answers"], Skipped)
    assert bob["05.keystone_answers"].message == f"blocked by 04 {HOSTNAME}"
    assert (suites["bob"].failures, suites["bob"].errors, suites["bob"].skipped) == (2, 1, 3)
    # the retired 'timeout' status of an unreached host reads as error, never failure
    assert all(isinstance(c.result[0], Error) for c in suites["carol"])


def test_junit_is_valid_against_the_jenkins_junit_10_schema(report):
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    for case in (report, ClassReport(labs=[3], hosts=[])):
        document = etree.fromstring(outputs.formats()["junit"].render(case).encode())
        assert schema.validate(document), schema.error_log
    # the schema is strict enough to catch what the report once wrote
    bad = etree.fromstring(b'<testsuites skipped="0"><testsuite tests="0"/></testsuites>')
    assert not schema.validate(bad)


def test_json_keeps_every_verdict_and_the_roster(report):
    data = json.loads(outputs.formats()["json"].render(report))
    bob = data["hosts"][1]
    statuses = {c["id"]: (c["status"], c["blocked_by"]) for c in bob["checks"]}
    assert statuses["project_exists"] == ("blocked", "05.keystone_answers")
    assert bob["roster"] == {"email": "bob@example.edu", "sis_id": "S2", "section": "B"}
    assert ClassReport.from_json(json.dumps(data)) == report


def test_html_leads_with_causes_collapses_passed_and_shows_rates(report):
    html = outputs.formats()["html"].render(report)
    bob = html.split('<h2 id="h2">', 1)[1].split('<h2 id="h3">', 1)[0]
    assert f'<p class="lead bad">3 problems: 04 {HOSTNAME} — 3 checks blocked by it' in bob
    red, folded = bob.split("<details>", 1)
    assert f"blocked by 04 {HOSTNAME}" in red and "Request to glance timed out" in red
    assert "<summary>1 passed check</summary>" in folded and "mariadb listens" in folded
    carol = html.split('<h2 id="h3">', 1)[1]
    assert '<p class="lead ungraded">could not be graded: unreachable: 10.0.0.13:22' in carol
    assert "could not be graded (unreachable)" in html  # in the class table too
    rates = html.split("Checks the class fails most", 1)[1].split('<h2 id="h1">', 1)[0]
    first = rates.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert "03 rabbit user" in first or f"04 {HOSTNAME}" in first
    assert "lab05<br><small>/4</small>" in html  # per-lab maxima


def test_notebook_check_leads_with_the_cause_and_blocker_in_another_lab():
    small = render_lab(broken_host(), 5)
    assert f"04 {HOSTNAME} — 3 checks blocked by it" in small.split("<table", 1)[0]
    assert f"blocked by 04 {HOSTNAME}" in small and "<style" not in small


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_moodle_gradebook_follows_the_importers_rules(report):
    rows = rows_of(outputs.formats()["moodle"].render(report))
    head, *body = rows
    # one identifier column Moodle maps to a user field, one row per student, nothing else
    assert head[0] == "Email address" and head[1:] == [
        "stacklab lab 03", "stacklab lab 04", "stacklab lab 05", "stacklab lab 06",
        "stacklab total"]
    assert [r[0] for r in body] == ["alice@example.edu", "bob@example.edu",
                                    "carol@example.edu"]
    assert all(len(r) == len(head) for r in body)
    alice, bob, carol = body
    assert alice[1:] == ["4", "2", "4", "4", "14"]
    # bob's lab 6 has a check the kit could not judge: blank, and so is the total
    assert bob[1:] == ["2", "0", "0", "", ""]
    assert carol[1:] == ["", "", "", "", ""]  # not graded: blank, never 0
    for r in body:
        for cell in r[1:]:
            assert cell == "" or (cell.replace(".", "", 1).isdigit() and "," not in cell)


def test_moodle_falls_back_to_id_number_then_username(report):
    no_email = ClassReport(labs=report.labs, hosts=[
        RunResult(**{**h.__dict__, "roster": {"sis_id": h.roster["sis_id"]}})
        for h in report.hosts])
    assert rows_of(outputs.formats()["moodle"].render(no_email))[1][0] == "S1"
    assert rows_of(outputs.formats()["moodle"].render(no_email))[0][0] == "ID number"
    partly = ClassReport(labs=report.labs, hosts=[report.hosts[0], broken_host("dave")])
    rows = rows_of(outputs.formats()["moodle"].render(partly))
    assert rows[0][0] == "Username" and [r[0] for r in rows[1:]] == ["alice", "dave"]


def test_canvas_gradebook_follows_the_importers_rules(report):
    text = outputs.formats()["canvas"].render(report)
    head, possible, *body = rows_of(text)
    assert text.startswith("Student,ID,SIS User ID,SIS Login ID,Section,")
    assert head[5:] == ["stacklab lab 03", "stacklab lab 04", "stacklab lab 05",
                        "stacklab lab 06"]
    assert possible[0] == "Points Possible" and possible[1:5] == ["", "", "", ""]
    assert possible[5:] == ["4", "2", "4", "4"]
    assert [r[0] for r in body] == ["alice", "bob", "carol"]
    assert [(r[2], r[4]) for r in body] == [("S1", "A"), ("S2", "B"), ("S3", "")]
    assert body[1][5:] == ["2", "0", "0", ""] and body[2][5:] == ["", "", "", ""]
    assert all(len(r) == len(head) for r in body)


def test_gradebooks_are_written_only_when_asked(report, tmp_path):
    written = outputs.write(report, tmp_path, outputs.with_gradebooks((), ("moodle", "canvas")))
    names = sorted(p.name for p in written)
    assert names == ["grades-canvas.csv", "grades-moodle.csv", "grades.csv", "grades.html",
                     "grades.json", "grades.txt", "grades.xml"]
    assert "grades-moodle.csv" not in {p.name for p in outputs.write(report, tmp_path / "d")}
