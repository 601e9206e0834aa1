"""Knowledge checks (labs 1 and 2): questions, the learner's answers, their grading.

The questions live in grader/knowledge/NN.yaml with their correct answers salted and
hashed (sha256 of 'salt:question id:choice'), so the file can be read by learners without
giving the answers away at a glance. The notebook shows the questions
(:func:`load_questions`) and saves the learner's choices on the lab host
(:func:`save_answers`, to ~/.stacklab/answers/NN.json of the SSH user); the graders read
that file through the host like any other state.

To change an answer: ``python -c "from stacklab.grading.knowledge import answer_hash;
print(answer_hash(SALT, 'question-id', 'b'))"`` and paste it into the YAML.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from stacklab import paths
from stacklab.errors import StacklabError

ANSWERS_DIR = ".stacklab/answers"  # in the SSH user's home on the lab host


@dataclass(frozen=True)
class Question:
    lab: int
    id: str
    title: str
    text: str
    choices: dict[str, str]  # 'a' -> 'Infrastructure as a Service (IaaS)'
    points: float
    hint: str
    salt: str
    answer: str  # answer_hash(salt, id, the right choice)

    def is_right(self, choice: str | None) -> bool:
        return choice is not None and answer_hash(self.salt, self.id, choice) == self.answer


def answer_hash(salt: str, question_id: str, choice: str) -> str:
    return hashlib.sha256(f"{salt}:{question_id}:{choice.strip().lower()}".encode()).hexdigest()


def knowledge_dir() -> Path:
    return paths.kit_root() / "grader" / "knowledge"


def answers_path(lab: int) -> str:
    """Where the answers to a lab live, relative to the SSH user's home."""
    return f"{ANSWERS_DIR}/{lab:02d}.json"


def load_questions(lab: int, folder: Path | None = None) -> list[Question]:
    """The questions of knowledge lab `lab` (1 or 2), in order."""
    path = (folder or knowledge_dir()) / f"{lab:02d}.yaml"
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise StacklabError(f"lab {lab} has no knowledge questions ({path} is missing)") \
            from None
    salt = data["salt"]
    return [Question(lab=lab, id=q["id"], title=q["title"], text=q["text"].strip(),
                     choices={str(k): str(v) for k, v in q["choices"].items()},
                     points=float(q.get("points", 1)), hint=q["hint"], salt=salt,
                     answer=q["answer"]) for q in data["questions"]]


def validate_answers(lab: int, answers: Mapping[str, str],
                     questions: list[Question] | None = None) -> dict[str, str]:
    """The answers with unknown questions or choices refused, choices lower-cased."""
    questions = questions if questions is not None else load_questions(lab)
    by_id = {q.id: q for q in questions}
    clean: dict[str, str] = {}
    for qid, choice in answers.items():
        if qid not in by_id:
            raise StacklabError(f"lab {lab} has no question '{qid}'",
                                f"questions: {', '.join(by_id)}")
        choice = str(choice).strip().lower()
        if choice not in by_id[qid].choices:
            raise StacklabError(f"question '{qid}' has no choice '{choice}'",
                                f"choose one of {', '.join(by_id[qid].choices)}")
        clean[qid] = choice
    return clean


def answers_document(lab: int, answers: Mapping[str, str]) -> dict[str, Any]:
    return {"lab": lab, "answers": dict(answers), "saved_at": time.strftime("%Y-%m-%d %H:%M")}


def save_answers(lab: int, answers: Mapping[str, str], target=None, *, host=None) -> str:
    """Save the learner's choices on the lab host; returns the file's path there.

    `target` is a :class:`~stacklab.hosts.target.Target` (default: the learner's lab host);
    `host` an already connected testinfra host (then `target` is ignored).
    """
    from stacklab.grading import transport

    clean = validate_answers(lab, answers)
    document = json.dumps(answers_document(lab, clean), indent=2) + "\n"
    if host is None:
        from stacklab.hosts.target import default_target

        target = target or default_target()
        _, host = transport.host_for(target, transport.connect(target))
    relative = answers_path(lab)
    folder = relative.rsplit("/", 1)[0]
    out = transport.run(host, f'mkdir -p "$HOME"/{folder} && cat > "$HOME"/{relative} '
                              f'&& echo "$HOME"/{relative}', document, timeout=30)
    if out.rc != 0:
        raise StacklabError(f"could not save the answers on the lab host: {out.stderr.strip()}")
    return out.stdout.strip()


def read_answers(host, lab: int) -> tuple[dict[str, str] | None, str]:
    """(answers, problem) from ~/.stacklab/answers/NN.json on the host."""
    out = host.run(f'cat -- "$HOME"/{answers_path(lab)}')
    if out.rc != 0:
        return None, f"no answers saved yet (~/{answers_path(lab)} is missing)"
    try:
        data = json.loads(out.stdout)
        answers = data["answers"]
        if not isinstance(answers, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return None, f"~/{answers_path(lab)} is not an answers file"
    return {str(k): str(v) for k, v in answers.items()}, ""


def score(lab: int, answers: Mapping[str, str]) -> list[tuple[Question, bool]]:
    """Each question of the lab and whether the given answer is right (for the notebook)."""
    return [(q, q.is_right(answers.get(q.id))) for q in load_questions(lab)]


def check_answer(host, question: Question) -> None:
    """The body of a knowledge check: the saved answer to `question` must be right."""
    from stacklab.grading.markers import expect
    from stacklab.grading.resources import memo

    answers, problem = memo(host, f"answers:{question.lab}",
                            lambda: read_answers(host, question.lab))
    expect(answers is not None, found=problem,
           hint=f"answer the questions in notebook {question.lab:02d} and save them")
    assert answers is not None
    chosen = answers.get(question.id)
    expect(chosen is not None, found="not answered yet")
    expect(question.is_right(chosen),
           found=f"you chose ({chosen}) {question.choices.get(str(chosen), '?')}")


def knowledge_params(lab: int) -> list:
    """pytest params for a knowledge lab: one check per question, with its points and hint."""
    import pytest

    from stacklab.grading.markers import check

    return [pytest.param(q, id=q.id, marks=check(points=q.points, title=q.title, hint=q.hint))
            for q in load_questions(lab)]
