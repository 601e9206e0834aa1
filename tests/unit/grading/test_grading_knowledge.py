"""Knowledge checks: well-formed questions with hashed answers; answers saved and read back."""

from __future__ import annotations

import json

import pytest
import yaml
from grading_helpers import by_key
from recorded_host import recorded_testinfra_host, right_answers

from stacklab.errors import StacklabError
from stacklab.grading.knowledge import (
    knowledge_dir,
    load_questions,
    read_answers,
    save_answers,
    score,
)


@pytest.mark.parametrize("lab", [1, 2])
def test_each_question_has_exactly_one_right_choice(lab):
    questions = load_questions(lab)
    assert len(questions) >= 6
    for q in questions:
        assert len(q.choices) >= 3 and q.title and q.hint
        assert sum(q.is_right(c) for c in q.choices) == 1, q.id


@pytest.mark.parametrize("lab", [1, 2])
def test_the_files_do_not_hold_answers_in_clear(lab):
    data = yaml.safe_load((knowledge_dir() / f"{lab:02d}.yaml").read_text())
    for q in data["questions"]:
        assert set(q) == {"id", "title", "text", "choices", "points", "hint", "answer"}
        assert len(q["answer"]) == 64 and q["answer"] not in q["choices"]


def test_architecture_questions_use_todays_components():
    text = " ".join(q.text + " ".join(q.choices.values()) for q in load_questions(2))
    for component in ("Keystone", "Placement", "Cinder", "Neutron", "Glance", "Nova"):
        assert component in text


def test_saved_answers_are_read_back_and_graded(solved, grade):
    host = recorded_testinfra_host(solved)
    answers = right_answers(1)
    answers["billing"] = next(c for c in load_questions(1)[4].choices if c != answers["billing"])
    path = save_answers(1, answers, host=host)
    assert path.endswith(".stacklab/answers/01.json")
    assert read_answers(host, 1) == (answers, "")
    assert json.loads(solved.home[".stacklab/answers/01.json"])["lab"] == 1
    scored = dict((q.id, ok) for q, ok in score(1, answers))
    assert scored["billing"] is False and scored["iaas"] is True
    checks = by_key(grade(solved, "1"))
    assert not checks["01.answer[billing]"].passed
    assert checks["01.answer[iaas]"].passed


def test_unknown_questions_and_choices_are_refused(solved):
    host = recorded_testinfra_host(solved)
    with pytest.raises(StacklabError, match="no question 'colour'"):
        save_answers(1, {"colour": "a"}, host=host)
    with pytest.raises(StacklabError, match="no choice 'z'"):
        save_answers(1, {"iaas": "z"}, host=host)


def test_a_broken_answers_file_is_reported(solved):
    solved.home[".stacklab/answers/01.json"] = "{not json"
    answers, problem = read_answers(recorded_testinfra_host(solved), 1)
    assert answers is None and "is not an answers file" in problem
