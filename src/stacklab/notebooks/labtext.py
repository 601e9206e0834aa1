"""Lab texts: labs/NN-slug.md, rendered with the settings, split into prose and directives.

A lab text is Markdown. Values come from the settings through Jinja2
(``{{ network.public.address }}``, ``{{ mysql.root_password }}``, ``{{ lab.number }}``, and
the derived values such as ``{{ login_user }}`` or ``{{ floating_pool.start }}``),
so the tutorial's addresses and passwords never appear in labs/. Commands come from the
reference solution: a lab text names a solution step by its id and the builder writes the
step's modern command, the tutorial's 2012 command and the line on what changed.

Directives are fenced blocks in the MyST style (GitHub shows them as code blocks):

    ```{step} 03-mariadb-install       a solution step: shown side by side, typed by the
    ```                                 learner (filled in for the instructor)
    ```{step} 06-nova-conf             :given: pre-fills the learner's cell too (long
    :given:                             configuration edits that teach nothing by typing)
    ```
    ```{exercise} 03-mariadb-database  the learner works the command out from the prompt;
    Create the database the tutorial   with a step id the instructor's answer is that
    calls nova.                        step; without one the answer follows a '---' line
    ```
    ```{vm}                            a cell run as is, for everyone (looking around)
    :rc: admin                          options: :rc: admin|project, :timeout: seconds
    openstack compute service list
    ```
    ```{knowledge}                     the lab's questions (grader/knowledge/NN.yaml) and
    ```                                 the cell that saves the answers
    ```{architecture}                  lab 2: the live picture of the host
    ```
    ```{check}                         %check N: the lab's graders, as a table
    ```

Anything else is prose, one Markdown cell per stretch between directives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from stacklab.catalog import Lab
from stacklab.solve.rendering import refuse_shell_syntax

DIRECTIVES = ("step", "exercise", "vm", "knowledge", "architecture", "check")
_OPEN = re.compile(r"^```\{(?P<name>[a-z_]+)\}[ \t]*(?P<arg>\S*)[ \t]*$")
_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})")
_OPTION = re.compile(r"^:(?P<key>[a-z_]+):(?:[ \t]+(?P<value>.*))?$")


class LabTextError(ValueError):
    """A lab text that cannot be built; the message starts with 'labs/NN-slug.md:LINE'."""


@dataclass(frozen=True)
class Prose:
    text: str


@dataclass(frozen=True)
class Directive:
    name: str
    arg: str
    options: dict[str, str] = field(default_factory=dict)
    body: str = ""
    line: int = 0  # where it starts in the rendered text, for error messages


Block = Prose | Directive


def render(source: str, *, lab: Lab, values: dict[str, Any], where: str) -> str:
    """Fill in the settings (``values`` = settings.as_dict()); an unknown key is an error."""
    # the cells paste the settings' values (its sections: mappings) into shell commands;
    # the derived values beside them are built from those (project_security_group is a
    # shell snippet on purpose)
    refuse_shell_syntax({k: v for k, v in values.items() if isinstance(v, dict)})
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             autoescape=False)
    try:
        return env.from_string(source).render(**values, lab=lab)
    except jinja2.TemplateSyntaxError as exc:
        raise LabTextError(f"{where}:{exc.lineno}: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise LabTextError(f"{where}: {exc.message} (not a settings key)") from None


def parse(text: str, *, where: str) -> list[Block]:
    """Split a rendered lab text into prose and directives."""
    blocks: list[Block] = []
    prose: list[str] = []
    lines = text.splitlines()
    i = 0
    fence: str | None = None  # inside an ordinary code fence, directives are just text
    while i < len(lines):
        line = lines[i]
        opened = _OPEN.match(line) if fence is None else None
        if opened:
            body, end = _until_close(lines, i + 1, where)
            options, rest = _options(body)
            name = opened.group("name")
            if name not in DIRECTIVES:
                raise LabTextError(f"{where}:{i + 1}: unknown directive {{{name}}} "
                                   f"(known: {', '.join(DIRECTIVES)})")
            _flush(prose, blocks)
            blocks.append(Directive(name, opened.group("arg"), options, rest, i + 1))
            i = end + 1
            continue
        marker = _FENCE.match(line)
        if marker and fence is None:
            fence = marker.group("fence")
        elif fence is not None and line.strip() == fence:
            fence = None
        prose.append(line)
        i += 1
    _flush(prose, blocks)
    return blocks


def _until_close(lines: list[str], start: int, where: str) -> tuple[list[str], int]:
    for j in range(start, len(lines)):
        if lines[j].strip() == "```":
            return lines[start:j], j
    raise LabTextError(f"{where}:{start}: directive not closed with ```")


def _options(body: list[str]) -> tuple[dict[str, str], str]:
    options: dict[str, str] = {}
    k = 0
    while k < len(body):
        m = _OPTION.match(body[k])
        if not m:
            break
        options[m.group("key")] = (m.group("value") or "true").strip()
        k += 1
    return options, "\n".join(body[k:]).strip("\n")


def _flush(prose: list[str], blocks: list[Block]) -> None:
    text = "\n".join(prose).strip("\n")
    if text.strip():
        blocks.append(Prose(text))
    prose.clear()


def lab_text_path(root: Path, lab: Lab) -> Path:
    return root / "labs" / f"{lab.name}.md"


def load(root: Path, lab: Lab, values: dict[str, Any]) -> list[Block]:
    """Read, render and parse labs/NN-slug.md (``values`` = settings.as_dict(): the
    sections and the derived values, project_security_group's shell snippet among them)."""
    path = lab_text_path(root, lab)
    where = f"labs/{path.name}"
    if not path.is_file():
        raise LabTextError(f"{where}: no lab text for lab {lab.number} ({lab.title})")
    return parse(render(path.read_text(encoding="utf-8"), lab=lab, values=values, where=where),
                 where=where)
