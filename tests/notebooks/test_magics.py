"""The magics on this machine (local transport) and without a host (dry run)."""

from __future__ import annotations

import json

import pytest

from stacklab.notebooks.knowledge import questions
from stacklab.notebooks.magics import CellFailed, cell_script
from stacklab.notebooks.session import Session


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_a_cell_runs_in_home_and_keeps_stdout_and_stderr_apart(run_magic, home):
    out, err, shown = run_magic(Session(spec="local"), "cell", "vm", "",
                                'pwd; echo to-err >&2; echo "é"')
    assert out == f"{home}\né\n" and err == "to-err\n" and shown == []


def test_a_failing_command_stops_the_cell_and_shows_its_code_in_red(run_magic, home):
    out, _, shown = run_magic(Session(spec="local"), "cell", "vm", "",
                              "echo before\n(exit 7)\necho after")
    assert out == "before\n"
    assert shown[0]["text/plain"] == "✘ exit code 7"
    assert "color:#b00020" in shown[0]["text/html"]


def test_strict_mode_raises_on_a_failing_cell(run_magic, home):
    with pytest.raises(CellFailed, match="exit code 3"):
        run_magic(Session(spec="local", strict=True), "cell", "vm", "", "exit 3")


def test_a_cell_past_its_timeout_is_stopped(run_magic, home):
    out, _, shown = run_magic(Session(spec="local"), "cell", "vm", "--timeout 1",
                              "echo started; sleep 30")
    assert out == "started\n" and shown[0]["text/plain"].startswith("✘ timed out after 1 s")


@pytest.mark.parametrize("limit", ["nan", "inf", "0", "-5", "soon"])
def test_a_cell_time_limit_must_be_a_positive_number(run_magic, home, limit):
    from IPython.core.error import UsageError

    with pytest.raises(UsageError, match="--timeout"):
        run_magic(Session(spec="local"), "cell", "vm", f"--timeout {limit}", "echo never")


def test_rc_sources_the_credentials_file_of_the_settings(run_magic, home):
    session = Session(spec="local")
    rc = session.settings().openstack.admin_rc_file
    (home / rc).write_text("export OS_USERNAME=someone\n")
    out, _, _ = run_magic(session, "cell", "vm", "--rc admin", "echo $OS_USERNAME")
    assert out == "someone\n"
    (home / rc).unlink()
    _, err, shown = run_magic(session, "cell", "vm", "--rc admin", "echo never")
    assert f"no ~/{rc} on this host yet" in err and shown[0]["text/plain"] == "✘ exit code 1"


def test_bash_reports_the_line_numbers_of_the_cell_itself(run_magic, home):
    _, err, _ = run_magic(Session(spec="local"), "cell", "vm", "", "true\nno-such-command-x")
    assert "line 2: no-such-command-x: command not found" in err


def test_dry_run_parses_and_runs_nothing(run_magic, home):
    out, _, shown = run_magic(Session(spec="dry-run"), "cell", "vm", "",
                              f"touch {home}/made")
    assert "nothing was run" in out and shown == [] and not (home / "made").exists()
    _, err, shown = run_magic(Session(spec="dry-run"), "cell", "vm", "", "if true; then")
    assert "syntax error" in err and shown[0]["text/plain"] == "✘ exit code 2"


def test_vm_target_shows_and_changes_the_host(run_magic, monkeypatch):
    monkeypatch.setenv("STACKLAB_NOTEBOOK_TARGET", "dry-run")
    session = Session()
    out, _, _ = run_magic(session, "line", "vm_target")
    assert out.startswith("%%vm runs on: dry run")
    out, _, _ = run_magic(session, "line", "vm_target", "local")
    assert out == "%%vm runs on: local\n"
    _, _, shown = run_magic(session, "line", "vm_target", "ftp://nowhere")
    assert "only ssh://user@host[:port] is supported" in shown[0]["text/plain"]


def test_cell_script_keeps_the_cell_on_its_first_line():
    script = cell_script("echo one\necho two", rc="novarc")
    first, *rest = script.splitlines()
    assert first.startswith("set -e -o pipefail;") and first.endswith("; echo one")
    assert '. "$HOME"/novarc' in first and rest == ["echo two"]


@pytest.mark.parametrize("lab", [1, 2])
def test_answers_are_saved_where_the_graders_read_them(run_magic, shell, home, lab):
    import testinfra

    from stacklab.grading.knowledge import read_answers, score

    qs = questions(lab)
    shell.user_ns["answers"] = {q.id: q.answer for q in qs} | {qs[0].id: ""}  # one left blank
    out, _, _ = run_magic(Session(spec="local"), "line", "save_answers", f"{lab} answers")
    assert out.startswith(f"✔ {len(qs) - 1} of {len(qs)} answer(s) to lab {lab} saved on local")
    saved = json.loads((home / ".stacklab" / "answers" / f"{lab:02d}.json").read_text())
    assert saved["lab"] == lab
    answers, problem = read_answers(testinfra.get_host("local://"), lab)
    assert problem == "" and answers == saved["answers"]
    results = dict((q.id, right) for q, right in score(lab, answers))
    assert results.pop(qs[0].id) is False and all(results.values())


def test_the_instructors_answers_are_the_right_ones():
    for lab in (1, 2):
        for q in questions(lab):
            assert q.answer in q.keys
