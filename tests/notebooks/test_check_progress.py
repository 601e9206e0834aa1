"""A notebook's `%check` records where the learner stands, and `stacklab labs` shows it:
lab 1's answers saved and checked over SSH on a loopback host, as in a learner's notebook."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from stacklab.cli import cli
from stacklab.notebooks.session import Session

pytestmark = pytest.mark.integration


def lab_row(number: int) -> str:
    table = CliRunner().invoke(cli, ["labs"], terminal_width=200).output
    return next(line for line in table.splitlines()
                if re.match(rf"^\W*{number}\s*\W", line.strip("│┃ ")))


def test_check_in_a_notebook_shows_up_in_stacklab_labs(sshd, run_magic, shell):
    from stacklab.notebooks.knowledge import questions

    assert "not checked yet" in lab_row(1)
    qs = questions(1)
    wrong = next(key for key in qs[0].keys if key != qs[0].answer)
    shell.user_ns["answers"] = {q.id: q.answer for q in qs} | {qs[0].id: wrong}
    t = sshd.target
    session = Session(spec=f"ssh://{t.user}@{t.hostname}:{t.port}?key={t.key_file}")
    try:
        run_magic(session, "line", "save_answers", "1 answers")
        _, _, shown = run_magic(session, "line", "check", "1")
    finally:
        session.close()
    assert "✘" in shown[0]["text/html"]
    row = lab_row(1)
    assert f"{len(qs) - 1}/{len(qs)} checks" in row, row  # one wrong answer of them all
    assert "not checked yet" in lab_row(2)
