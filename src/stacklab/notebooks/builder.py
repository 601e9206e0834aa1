"""Lab texts → notebooks: notebooks/NN-slug.ipynb (learner) and solutions/notebooks/ (instructor).

The output is a pure function of the lab texts, the settings file and the solution steps:
fixed cell ids, sorted keys, no timestamps, no outputs. Byte-identical on every run, so
`stacklab notebooks check` can compare the committed files with what build would write.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import v4

from stacklab.catalog import LABS, Lab
from stacklab.notebooks import knowledge as knowledge_mod
from stacklab.notebooks.labtext import Block, Directive, LabTextError, Prose, load
from stacklab.notebooks.steps import StepBook, StepView, UnknownStep
from stacklab.notebooks.wrapping import wrap_script
from stacklab.settings import Settings

LEARNER, INSTRUCTOR = "learner", "instructor"
AUDIENCES = (LEARNER, INSTRUCTOR)
SETUP = "%load_ext stacklab.notebooks.magics\n%vm_target"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


# Each kind of lab host has its own set of notebooks (its steps differ: the container's
# stand-in volume backend, its userspace Open vSwitch). The Vagrant VM's set is the default,
# in notebooks/ and solutions/notebooks/ themselves; another kind's is in a subfolder
# named after it (notebooks/container/).
DEFAULT_KIND = "vagrant"
HOSTS = {"vagrant": "the Vagrant VM",
         "container": "the container lab host (`stacklab up --provider container`)"}
# What each lab host's operating system brings (settings: host.os); the lab texts say the
# same where it matters (lab 3's package sources).
SYSTEMS = {"ubuntu-24.04": "Ubuntu 24.04 with OpenStack {release} from the Ubuntu Cloud Archive",
           "debian-13": "Debian 13 with its own OpenStack {release} packages"}


@dataclass(frozen=True)
class BuildInputs:
    root: Path  # the checkout: labs/ in
    settings: Settings  # the kind's settings
    steps: StepBook
    questions: Callable[[int], list[knowledge_mod.Question]] = knowledge_mod.questions
    out: Path | None = None  # where notebooks/ and solutions/notebooks/ go (default: root)
    kind: str = DEFAULT_KIND  # the kind of lab host the set is for

    @property
    def out_root(self) -> Path:
        return self.out or self.root


def notebook_folder(root: Path, audience: str, kind: str = DEFAULT_KIND) -> Path:
    """Where a set of notebooks lives: notebooks/[kind/] or solutions/notebooks/[…/]."""
    folder = root / "notebooks" if audience == LEARNER else root / "solutions" / "notebooks"
    return folder if kind == DEFAULT_KIND else folder / kind


def output_path(root: Path, lab: Lab, audience: str, kind: str = DEFAULT_KIND) -> Path:
    return notebook_folder(root, audience, kind) / f"{lab.name}.ipynb"


class _Cells:
    """Collects cells with ids fixed by their position and kind."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.cells: list = []

    def _id(self, kind: str) -> str:
        return f"{self.lab.number:02d}-{len(self.cells):03d}-{kind}"

    def markdown(self, text: str, kind: str = "text") -> None:
        self.cells.append(v4.new_markdown_cell(text.strip("\n") + "\n", id=self._id(kind)))

    def code(self, source: str, kind: str, tags: tuple[str, ...] = ()) -> None:
        cell = v4.new_code_cell(source.strip("\n"), id=self._id(kind))
        if tags:
            cell.metadata["tags"] = list(tags)
        self.cells.append(cell)


class _Builder:
    def __init__(self, inputs: BuildInputs, lab: Lab, audience: str) -> None:
        self.inputs, self.lab, self.audience = inputs, lab, audience
        self.cells = _Cells(lab)
        self.steps = 0
        self.exercises = 0
        self.where = f"labs/{lab.name}.md"

    @property
    def instructor(self) -> bool:
        return self.audience == INSTRUCTOR

    def build(self, blocks: list[Block]) -> nbformat.NotebookNode:
        self._head()
        for block in blocks:
            if isinstance(block, Prose):
                self.cells.markdown(block.text)
            else:
                getattr(self, f"_{block.name}")(block)
        nb = v4.new_notebook(cells=self.cells.cells)
        nb.metadata = {
            "kernelspec": KERNELSPEC,
            "language_info": {"name": "python"},
            "stacklab": {"lab": self.lab.number, "name": self.lab.name,
                         # the notebooks' own key for the kind (kept: files stay the same)
                         "audience": self.audience, "provider": self.inputs.kind,
                         "source": self.where},
        }
        return nb

    def _head(self) -> None:
        s = self.inputs.settings
        lab = self.lab
        who = ("Instructor's notebook: every exercise cell is filled in."
               if self.instructor else "Your notebook: the empty cells are yours to fill in.")
        self.cells.markdown(
            f"# Lab {lab.number} · {lab.title}\n\n"
            f"*The AIMS 2012 tutorial, section \"{lab.section}\", re-run on OpenStack "
            f"{s.openstack.release} ({s.openstack.codename.capitalize()}).* {who} "
            f"For {host_kind(self.inputs.kind)}: "
            f"{system(s.host.os, s.openstack.release)}.\n", "title")
        self.cells.code(SETUP, "setup", tags=("stacklab-setup",))
        how = (f"**How this notebook works.** Run the cell above first: it loads the kit's "
               f"magics and says which lab host `%%vm` cells run on (the host "
               f"`{s.host.name}`, as the SSH user `{s.host.user}`). A `%%vm` cell runs under "
               "bash in that user's home, streams its output, stops at its first failing "
               "command and shows a non-zero exit code in red. Each cell is a fresh shell: "
               "`cd` and `export` do not carry over, and `%%vm --rc admin` sources the "
               "admin credentials first. Steps show today's command beside the tutorial's "
               "2012 one.")
        if self.instructor and lab.on_host:
            how += (f"\n\n*Instructor:* to catch a host up to the start of this lab, run "
                    f"`%solve --until {lab.number - 1}` in a new cell; `%solve {lab.number}` "
                    f"applies this lab's reference solution. A solution cell "
                    "(`%%vm --step ID`) runs that step's check first and skips the cell when "
                    "it passes, so this notebook can be run again on a host where some steps "
                    "are done; `--force` on the magic line runs a cell anyway.")
        self.cells.markdown(how, "how")

    # --- directives -------------------------------------------------------------------
    def _applies(self, block: Directive) -> bool:
        """Whether this host has the step a directive names (another host's is skipped)."""
        try:
            return self.inputs.steps.applies(block.arg)
        except UnknownStep as exc:
            raise LabTextError(f"{self.where}:{block.line}: {exc}") from None

    def _step_view(self, block: Directive) -> StepView:
        step = self.inputs.steps.get(block.arg)
        if step.lab != self.lab.number:
            raise LabTextError(f"{self.where}:{block.line}: step {step.id!r} belongs to lab "
                               f"{step.lab}, not lab {self.lab.number}")
        return step

    def _step(self, block: Directive) -> None:
        if not self._applies(block):
            return
        step = self._step_view(block)
        self.steps += 1
        number = f"{self.lab.number}.{self.steps}"
        given = "given" in block.options
        self.cells.markdown(f"### Step {number} · {step.title}\n\n"
                            + side_by_side(step, show_modern=True) + "\n"
                            + (f"\n{block.body}\n" if block.body else ""), "step")
        if given or self.instructor:
            note = " (given: run it as it is)" if given and not self.instructor else ""
            body = f"# Step {number}: {step.title}{note}\n{wrap_script(step.script)}"
        else:
            body = (f"# Step {number}: type today's command(s) from the table above, "
                    "then run this cell (Shift+Enter).\n")
        self.cells.code(vm_header(step.credentials, block.options.get("timeout"),
                                  step=self._guard(step)) + body, "step")

    def _exercise(self, block: Directive) -> None:
        if block.arg and not self._applies(block):
            return
        self.exercises += 1
        number = f"{self.lab.number}.{self.exercises}"
        prompt, _, answer = block.body.partition("\n---\n")
        rc = block.options.get("rc")
        text = f"### Exercise {number}\n\n{prompt.strip()}\n"
        step_id = None
        if block.arg:
            step = self._step_view(block)
            answer = wrap_script(step.script)
            rc, step_id = rc or step.credentials, self._guard(step)
            text += "\n" + side_by_side(step, show_modern=self.instructor)
        elif not answer.strip():
            raise LabTextError(f"{self.where}:{block.line}: an exercise needs a step id or an "
                               "answer after a '---' line")
        self.cells.markdown(text, "exercise")
        if self.instructor:
            body = f"# Exercise {number}\n{answer.strip()}"
        else:
            body = (comment(f"Exercise {number}: {prompt_summary(prompt)}")
                    + "# Write your command(s) here, then run the cell.\n")
        self.cells.code(vm_header(rc, block.options.get("timeout"), step=step_id) + body,
                        "exercise")

    def _guard(self, step: StepView) -> str | None:
        """The instructor's copy of a step's cell checks first (%%vm --step): run twice, it
        skips what is done instead of doing it again. The learner's cell always runs."""
        return step.id if self.instructor else None

    def _vm(self, block: Directive) -> None:
        if not block.body.strip():
            raise LabTextError(f"{self.where}:{block.line}: an empty {{vm}} cell")
        header = vm_header(block.options.get("rc"), block.options.get("timeout"))
        self.cells.code(header + block.body, "vm")

    def _knowledge(self, block: Directive) -> None:
        lab = int(block.arg or self.lab.number)
        qs = self.inputs.questions(lab)
        if not qs:
            raise LabTextError(f"{self.where}:{block.line}: lab {lab} has no questions")
        self.cells.markdown(knowledge_mod.questions_markdown(lab, qs), "questions")
        self.cells.code(knowledge_mod.answers_cell(lab, qs, filled=self.instructor), "answers")

    def _architecture(self, block: Directive) -> None:
        self.cells.code("%architecture", "architecture")

    def _check(self, block: Directive) -> None:
        self.cells.code(f"%check {int(block.arg or self.lab.number)}", "check")


def prompt_summary(prompt: str) -> str:
    """An exercise's prompt up to its first blank line, as one line of plain words."""
    first = prompt.strip().split("\n\n")[0]
    return " ".join(first.split())


def comment(text: str, width: int = 88) -> str:
    """Shell comment lines holding the whole text, wrapped at words."""
    return "".join(f"# {line}\n" for line in textwrap.wrap(text, width - 2))


def system(os: str, release: str) -> str:
    return SYSTEMS.get(os, os).format(release=release)


def host_kind(kind: str) -> str:
    return HOSTS.get(kind, f"the {kind} lab host")


def vm_header(rc: str | None, timeout: str | None = None, *, step: str | None = None) -> str:
    header = "%%vm"
    if step:
        header += f" --step {step}"
    if rc:
        header += f" --rc {rc}"
    if timeout:
        header += f" --timeout {int(float(timeout))}"
    return header + "\n"


# What JupyterLab's Markdown renderer would misread: raw HTML around a command is parsed
# for math (a pair of `$` becomes a formula and the HTML between shows as text), and a
# blank line ends an HTML block. Commands therefore go into fenced code blocks, which
# every renderer (JupyterLab, Notebook, VS Code, nbconvert, GitHub) leaves alone, inside
# an HTML table whose tags stand on lines of their own between blank lines.
_TABLE_HEAD = ("<table>\n<thead><tr><th>OpenStack 2025.1: today</th>"
               "<th>Diablo: the 2012 tutorial</th></tr></thead>\n<tbody><tr><td>")

# Characters of the 2012 text that a shell does not take as typed (the PDF's typography).
UNTYPABLE = {"\u2013": ("an en-dash", "-"), "\u2014": ("an em-dash", "--"),
             "\u2010": ("a hyphen sign", "-"), "\u2212": ("a minus sign", "-"),
             "\u2018": ("a curly quote", "'"), "\u2019": ("a curly quote", "'"),
             "\u201c": ("a curly quote", '"'), "\u201d": ("a curly quote", '"')}


def side_by_side(step: StepView, *, show_modern: bool) -> str:
    """The 2025.1 command beside the 2012 one (verbatim, with a note where it cannot be
    typed as it is), and what changed. The modern command is wrapped for reading."""
    now = (code_block(wrap_script(step.script), "sh") if show_modern
           else "<em>your turn: work it out from the prompt</em>")
    then = (code_block(step.tutorial_2012.strip("\n"), "text") if step.tutorial_2012
            else "<em>no such step in 2012</em>")
    note = untypable_note(step.tutorial_2012 or "")
    return (f"{_TABLE_HEAD}\n\n{now}\n\n</td><td>\n\n{then}\n\n</td></tr></tbody>\n</table>\n\n"
            + (f"{note}\n\n" if note else "")
            + f"**What changed, and why:** {step.why.strip()}\n")


def code_block(text: str, language: str) -> str:
    """A fenced code block; its fence is longer than any run of backticks in the text."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def untypable_note(text: str) -> str:
    """One line naming the words of the 2012 text a shell would not take as typed."""
    found: dict[str, str] = {}
    for word in text.split():
        if any(char in UNTYPABLE for char in word):
            fixed = "".join(UNTYPABLE.get(char, (None, char))[1] for char in word)
            found.setdefault(word, fixed)
    if not found:
        return ""
    kinds = sorted({UNTYPABLE[c][0] for w in found for c in w if c in UNTYPABLE})
    words = ", ".join(f"`{word}` (typed: `{fixed}`)" for word, fixed in found.items())
    return (f"*The 2012 text is shown as printed: it has {' and '.join(kinds)} where a "
            f"shell needs plain ASCII, so typed as is it fails: {words}.*")


def build_notebook(inputs: BuildInputs, lab: Lab, audience: str) -> nbformat.NotebookNode:
    blocks = load(inputs.root, lab, inputs.settings.as_dict())
    nb = _Builder(inputs, lab, audience).build(blocks)
    nbformat.validate(nb)
    return nb


def serialise(nb: nbformat.NotebookNode) -> str:
    """nbformat's own JSON (sorted keys, one-space indent), with a final newline."""
    return nbformat.writes(nb, version=nbformat.NO_CONVERT).rstrip("\n") + "\n"


def render_all(inputs: BuildInputs, labs: tuple[Lab, ...] = LABS) -> dict[Path, str]:
    """Every notebook build would write: path → text."""
    files: dict[Path, str] = {}
    for lab in labs:
        for audience in AUDIENCES:
            files[output_path(inputs.out_root, lab, audience, inputs.kind)] = serialise(
                build_notebook(inputs, lab, audience))
    return files
