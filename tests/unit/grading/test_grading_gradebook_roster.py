"""Who the student is in the LMS (email, SIS id, section) comes from the inventory, rides on
the Target and into the host's result, where the gradebooks read it."""

from __future__ import annotations

import socket

import pytest
from keyfiles import private_key

from stacklab.grading.inventory import InventoryError, load_inventory
from stacklab.hosts.target import Target


def test_plain_lines_take_email_sis_id_and_section(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    private_key(tmp_path / ".ssh" / "k")
    path = tmp_path / "class.txt"
    path.write_text("alice ssh://vagrant@10.0.0.11:22 email=alice@example.edu sis_id=S1 "
                    "section=A\nbob vagrant@10.0.0.12 ~/.ssh/k\n")
    alice, bob = load_inventory(path)
    assert alice.roster == {"email": "alice@example.edu", "sis_id": "S1", "section": "A"}
    assert bob.roster == {} and bob.key_file and bob.key_file.endswith("/.ssh/k")


def test_a_misspelt_option_names_the_ones_there_are(tmp_path):
    path = tmp_path / "class.txt"
    path.write_text("alice vagrant@10.0.0.11 mail=a@example.edu\n")
    with pytest.raises(InventoryError, match=r"class.txt:1: unknown option 'mail'.*email="):
        load_inventory(path)


def test_ansible_host_vars_carry_them_too(tmp_path):
    ini = tmp_path / "class.ini"
    ini.write_text("[class]\nalice ansible_host=10.0.0.11 email=alice@example.edu sis_id=S1\n"
                   "[class:vars]\nsection=B\n")
    assert load_inventory(ini)[0].roster == {"email": "alice@example.edu", "sis_id": "S1",
                                             "section": "B"}
    yml = tmp_path / "class.yml"
    yml.write_text("all:\n  children:\n    class:\n      hosts:\n"
                   "        bob: {ansible_host: 10.0.0.12, email: bob@example.edu, sis_id: 42}\n")
    assert load_inventory(yml)[0].roster == {"email": "bob@example.edu", "sis_id": "42"}


def test_a_target_without_them_is_what_it_was():
    target = Target.from_url("ssh://vagrant@10.0.0.11:22", name="alice")
    assert target.roster == {} and Target(**target.to_dict()) == target


def test_a_class_run_attaches_them_to_each_result():
    from stacklab.grading.classrun import grade_class

    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    target = Target(hostname="127.0.0.1", port=port, name="alice", email="alice@example.edu",
                    section="A")
    report = grade_class([target], "3", jobs=1, timeout=30, connect_timeout=2)
    (alice,) = report.hosts
    assert alice.status != "ok"  # nothing answers there
    assert alice.roster == {"email": "alice@example.edu", "section": "A"}


def unused_ports(count: int) -> list[int]:
    """Loopback ports nothing listens on (bound for a moment, then let go)."""
    ports = []
    for _ in range(count):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    return ports


def test_grade_writes_the_gradebooks_asked_for_and_one_line_a_student(tmp_path):
    """`stacklab grade --gradebook moodle --gradebook canvas` through a pipe (80 columns):
    hosts nothing answers on are blank in both gradebooks, and each student is one line."""
    import csv

    from click.testing import CliRunner

    from stacklab.cli import cli

    ports = unused_ports(2)
    inventory = tmp_path / "class.txt"
    inventory.write_text(
        f"alice-has-a-long-name ssh://vagrant@127.0.0.1:{ports[0]} email=a@example.edu "
        "sis_id=S1 section=A\n"
        f"bob ssh://vagrant@127.0.0.1:{ports[1]} email=b@example.edu sis_id=S2\n")
    out = tmp_path / "grades"
    result = CliRunner().invoke(cli, ["grade", "-i", str(inventory), "--labs", "3",
                                      "--jobs", "2", "--timeout", "30", "--connect-timeout",
                                      "2", "--out", str(out), "--gradebook", "moodle",
                                      "--gradebook", "canvas"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "grades-canvas.csv", "grades-moodle.csv", "grades.csv", "grades.html", "grades.json",
        "grades.txt", "grades.xml"]
    moodle = list(csv.reader((out / "grades-moodle.csv").open()))
    assert moodle == [["Email address", "stacklab lab 03", "stacklab total"],
                      ["a@example.edu", "", ""], ["b@example.edu", "", ""]]
    canvas = list(csv.reader((out / "grades-canvas.csv").open()))
    assert canvas[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert canvas[1][0] == "Points Possible" and float(canvas[1][5]) > 0
    assert canvas[2] == ["alice-has-a-long-name", "", "S1", "", "A", ""]
    lines = result.output.splitlines()
    students = [line for line in lines if line.startswith(("alice-", "bob "))]
    # every line fits 80 columns but the report files' paths (kept whole to be copied)
    assert len(students) == 2 and all(len(line) <= 80 for line in lines
                                      if not line.startswith("wrote "))


def class_of(*rosters: dict[str, str]):
    """A class report of students alice, bob, … with these roster fields."""
    from stacklab.grading.model import ClassReport, RunResult

    names = ["alice", "bob", "carol", "dave", "erin"]
    return ClassReport(labs=[3], hosts=[
        RunResult(name=names[i], url="ssh://vagrant@10.0.0.1:22", labs=[3], roster=roster)
        for i, roster in enumerate(rosters)])


def test_moodle_warns_when_only_some_students_have_an_email_or_sis_id():
    from stacklab.outputs import moodle

    some = class_of({"email": "a@example.edu"}, {"email": "b@example.edu", "sis_id": "S2"},
                    {})
    line = moodle.roster_warning(some)
    assert line.startswith("1 of 3 students (carol) has no email; 2 of 3 students "
                           "(alice, carol) have no sis_id: ")
    assert "matches every student on the username" in line and "\n" not in line
    assert moodle.render(some).splitlines()[0].startswith("Username,")
    # everyone has one (the gradebook matches on it), or nobody does (the username is meant)
    assert moodle.roster_warning(class_of({"email": "a@x"}, {"email": "b@x"})) == ""
    assert moodle.roster_warning(class_of({"sis_id": "1"}, {"sis_id": "2", "email": "b@x"})) \
        == ""
    assert moodle.roster_warning(class_of({}, {"section": "A"})) == ""


def test_canvas_warns_when_only_some_students_have_a_sis_id():
    from stacklab.outputs import canvas

    many = class_of({"sis_id": "S1"}, {}, {}, {}, {"email": "e@x"})
    assert canvas.roster_warning(many).startswith(
        "4 of 5 students (bob, carol, dave, …) have no sis_id: Canvas's import matches them "
        "on their name")
    assert canvas.roster_warning(class_of({"sis_id": "1"}, {"sis_id": "2"})) == ""
    assert canvas.roster_warning(class_of({"email": "a@x"}, {})) == ""  # name for everyone


def test_the_warnings_name_the_file_and_come_only_for_the_gradebooks_written():
    from stacklab import outputs

    some = class_of({"email": "a@x", "sis_id": "1"}, {})
    assert outputs.warnings(some) == []  # the default formats: no LMS gradebook
    lines = outputs.warnings(some, ["csv", "moodle", "canvas"], stem="grades")
    assert [line.split(": ", 1)[0] for line in lines] == ["grades-moodle.csv",
                                                          "grades-canvas.csv"]


def test_grade_prints_one_warning_line_for_a_gradebook_some_students_are_missing_from(
        tmp_path):
    from click.testing import CliRunner

    from stacklab.cli import cli

    ports = unused_ports(2)
    inventory = tmp_path / "class.txt"
    inventory.write_text(f"alice ssh://vagrant@127.0.0.1:{ports[0]} email=a@example.edu\n"
                         f"bob ssh://vagrant@127.0.0.1:{ports[1]}\n")
    result = CliRunner().invoke(cli, ["grade", "-i", str(inventory), "--labs", "3",
                                      "--jobs", "2", "--timeout", "30", "--connect-timeout",
                                      "2", "--out", str(tmp_path / "grades"),
                                      "--gradebook", "moodle"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    text = " ".join(result.output.split())  # rich wraps the line at the terminal's width
    assert text.count("warning:") == 1
    assert ("warning: grades-moodle.csv: 1 of 2 students (bob) has no email: Moodle's import "
            "matches every student on the username") in text
