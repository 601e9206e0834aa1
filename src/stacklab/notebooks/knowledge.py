"""Knowledge labs (1 and 2): their questions in the notebook, the answers to the lab host.

The questions live with the graders (grader/knowledge/NN.yaml, read through
``stacklab.grading.knowledge``); the notebook shows them and a cell where the learner fills
in a dict of answers, then ``%save_answers N answers`` writes them where the lab's checks
read them (~/.stacklab/answers/NN.json on the lab host) and ``%check N`` grades them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stacklab.errors import StacklabError


@dataclass(frozen=True)
class Question:
    """What a notebook shows of one question."""

    id: str
    title: str
    text: str
    choices: tuple[tuple[str, str], ...]  # (key, text)
    answer: str  # the right choice (shown in instructor notebooks only)
    points: float = 1.0

    @property
    def keys(self) -> list[str]:
        return [k for k, _ in self.choices]


def questions(lab: int) -> list[Question]:
    """Lab N's questions from the graders' data (grader/knowledge/NN.yaml)."""
    from stacklab.grading.knowledge import load_questions

    return [_view(q) for q in load_questions(lab)]


def _view(q: Any) -> Question:
    # The data keeps its answers hashed; the right choice is the one whose hash matches.
    right = [key for key in q.choices if q.is_right(key)]
    if len(right) != 1:
        raise ValueError(f"knowledge question {q.id!r}: {len(right)} choices match its answer")
    return Question(id=q.id, title=q.title, text=q.text, choices=tuple(q.choices.items()),
                    answer=right[0], points=q.points)


def questions_markdown(lab: int, qs: list[Question]) -> str:
    lines = [f"### Knowledge check {lab}", ""]
    for n, q in enumerate(qs, 1):
        points = f"{q.points:g} point{'s' if q.points != 1 else ''}"
        lines.append(f"**{n}. {q.title}** ({points}, `{q.id}`)")
        lines.append("")
        lines.append(q.text)
        lines.append("")
        lines += [f"- **{key})** {text}" for key, text in q.choices]
        lines.append("")
    lines.append("Fill in your answers in the cell below (the letter of your choice, "
                 "between the quotes), run it, then run the check.")
    return "\n".join(lines).rstrip() + "\n"


def answers_cell(lab: int, qs: list[Question], *, filled: bool) -> str:
    lines = ["answers = {"]
    for q in qs:
        value = q.answer if filled else ""
        hint = f"one of {', '.join(q.keys)}" if q.keys else "your answer"
        lines.append(f"    {q.id!r}: {value!r},  # {hint}")
    lines += ["}", f"%save_answers {lab} answers"]
    return "\n".join(lines)


def save(session, lab: int, answers: Mapping[str, Any]) -> str:
    """Write the answers on the lab host, through the notebook's one connection, in the
    graders' format; returns a line saying where. Blank answers are left out."""
    from stacklab.grading.knowledge import answers_document, answers_path, validate_answers

    if not isinstance(answers, Mapping):
        raise StacklabError("the answers must be a dict: {'question id': 'a', ...}")
    given = {str(k): str(v) for k, v in answers.items() if str(v).strip()}
    document = json.dumps(answers_document(lab, validate_answers(lab, given)), indent=2)
    relative = answers_path(lab)  # in the SSH user's home
    script = (f'mkdir -p "$HOME"/{relative.rsplit("/", 1)[0]}\n'
              f"cat > \"$HOME\"/{relative} <<'STACKLAB_ANSWERS'\n{document}\nSTACKLAB_ANSWERS\n")
    said: list[str] = []
    outcome = session.transport().run(script, timeout=30, stdout=said.append,
                                      stderr=said.append)
    if not outcome.ok:
        raise StacklabError(f"could not save the answers on the lab host: {''.join(said)}")
    where = "nowhere (dry run)" if session.dry_run else f"{session.describe()}: ~/{relative}"
    return f"✔ {len(given)} of {len(answers)} answer(s) to lab {lab} saved on {where}"
