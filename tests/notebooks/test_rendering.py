"""What the notebooks' Markdown looks like to the renderers that show it (no browser here;
test_jupyterlab_renders.py opens them in a real JupyterLab): no math where a command
stands, wrapped commands that run as the one-liners do, the 2012 text verbatim with a
note, each lab host described as it is."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from stacklab.catalog import LABS
from stacklab.notebooks.builder import AUDIENCES, output_path, untypable_note
from stacklab.notebooks.sync import kinds
from stacklab.notebooks.wrapping import wrap_script

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = [output_path(ROOT, lab, audience, provider) for provider in kinds()
             for lab in LABS for audience in AUDIENCES]

# JupyterLab 4's removeMath (packages/rendermime/src/latex.ts): fenced code blocks and code
# spans are set aside, then `$`, `$$`, `\\(`, `\\[` and `\begin{` open math, whose text is
# HTML-escaped: any of these outside code turns the HTML around it into visible text.
_FENCED = re.compile(r"^(?P<fence>`{3,}|(?:~T){3,})[^`\n]*\n[\s\S]*?^(?P=fence)`*$", re.M)
_SPAN = re.compile(r"(^|[^\\])(`+)([^\n]*?[^`\n])\2(?!`)", re.M)
_MATH = re.compile(r"\$|\\\\[()\[\]]|\\begin\{")


def math_jupyterlab_would_see(markdown: str) -> list[str]:
    text = markdown.replace("~", "~T")
    text = _FENCED.sub(lambda m: m.group(0).replace("$", "~D"), text)
    text = _SPAN.sub(lambda m: m.group(0).replace("$", "~D"), text)
    return _MATH.findall(text.replace("\\$", ""))


def markdown_cells(path: Path) -> list[str]:
    return [c.source for c in nbformat.read(path, as_version=4).cells
            if c.cell_type == "markdown"]


def test_the_scan_sees_what_jupyterlab_took_for_math():
    assert math_jupyterlab_would_see("<pre>awk '$2 == \"x\" {print $1}'</pre>") == ["$", "$"]
    assert math_jupyterlab_would_see("```sh\nawk '{print $1}'\n```\n`$HOME` and \\$5") == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_markdown_cell_holds_what_jupyterlab_reads_as_math(path):
    for text in markdown_cells(path):
        assert math_jupyterlab_would_see(text) == [], text[:400]
        # a blank line ends an HTML block: table tags stand alone, code is fenced
        assert "<pre>" not in text and "&#x27;" not in text and "&quot;" not in text


_NUMBERED = re.compile(r"^\s*\d+[.)](\s|$)")
_ITEM = re.compile(r"^\s*(\d+[.)]|[-*+])\s")


def test_no_number_in_a_paragraph_starts_a_list():
    """A wrapped line that starts with `22)` or `2012.` makes a numbered list in JupyterLab
    (marked lets any number interrupt a paragraph), cutting the sentence in two."""
    for path in NOTEBOOKS:
        for text in markdown_cells(path):
            lines = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S).splitlines()
            for before, line in itertools.pairwise(lines):
                if _NUMBERED.match(line) and before.strip() and not _ITEM.match(before):
                    raise AssertionError(f"{path.name}: {before!r} / {line!r}")


def test_every_step_table_has_both_columns():
    tables = 0
    for path in NOTEBOOKS:
        for text in markdown_cells(path):
            for table in re.findall(r"<table>\n<thead><tr><th>OpenStack.*?</table>", text,
                                    re.S):
                tables += 1
                cells = re.split(r"</td><td>", table)
                assert len(cells) == 2, table
                for cell in cells:
                    body = re.sub(r"<[^>]+>|```\w*", "", cell).strip()
                    assert body, table
    assert tables > 100


def run_bash(script: str) -> str:
    stubs = ("openstack() { echo \"openstack $*\"; }; sudo() { echo \"sudo $*\"; cat; }; "
             "seq() { echo 1; }; sleep() { :; }; ")
    return subprocess.run(["bash", "-c", stubs + script], capture_output=True, text=True,
                          check=False).stdout


def test_a_wrapped_command_runs_as_the_one_liner_does():
    if not shutil.which("bash"):
        pytest.skip("bash is not installed")
    one_liner = (
        "openstack server create --flavor m1.tiny --image aims-guest --key-name aimsuser "
        "--network vmnet --security-group $(openstack security group list --project aimsproj"
        " -f value -c ID -c Name | awk '$2 == \"default\" {print $1}') aims-vm1\n"
        "sudo mysql <<'EOF'\n"
        + "GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION; " * 3 + "\nEOF\n"
        "echo 'a single-quoted string that is much longer than eighty columns, kept whole "
        "on its line'\n"
        "for i in $(seq 60); do s=$(openstack server show aims-vm1 -f value -c status); "
        "[ \"$s\" = ACTIVE ] && break; sleep 5; done; echo \"$s\"  # a comment, long enough to"
        " pass the width")
    wrapped = wrap_script(one_liner)
    assert wrapped != one_liner
    assert run_bash(wrapped) == run_bash(one_liner) != ""
    lines = wrapped.splitlines()
    assert "    --key-name aimsuser --network vmnet \\" in lines  # an option keeps its value
    assert "GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION; " * 3 \
        in lines  # a here-document is never touched
    assert any("'a single-quoted string" in line and "on its line'" in line for line in lines)
    assert all(len(line) <= 68 for line in lines[:4])


def test_the_notebooks_commands_are_wrapped_for_reading():
    text = output_path(ROOT, LABS[11], "instructor").read_text()  # lab 12
    nb = nbformat.reads(text, as_version=4)
    launch = next(c.source for c in nb.cells if c.source.startswith("%%vm --step 12-launch"))
    assert max(len(line) for line in launch.splitlines()) <= 88, launch


def test_the_2012_text_is_verbatim_with_a_note_where_it_cannot_be_typed():
    note = untypable_note("$ ssh –i aimsuser.pem  ubuntu@172.16.4.224")
    assert "en-dash" in note and "`–i` (typed: `-i`)" in note
    assert untypable_note("$ euca-authorize default -P icmp -t -1:-1") == ""
    sources = "".join(markdown_cells(output_path(ROOT, LABS[12], "learner")))  # lab 13
    assert "$ ssh –i aimsuser.pem" in sources and "(typed: `-i`)" in sources


def test_each_set_describes_its_own_lab_host():
    for provider, system in (("container", "Debian 13"), ("vagrant", "Ubuntu 24.04")):
        for lab in LABS:
            for audience in AUDIENCES:
                text = "".join(markdown_cells(output_path(ROOT, lab, audience, provider)))
                assert system in text, (provider, lab.name)
                if provider == "container":
                    assert "Ubuntu 24.04" not in text and "Cloud Archive" not in text


def test_an_exercise_cell_holds_its_whole_prompt():
    nb = nbformat.read(output_path(ROOT, LABS[7], "learner"), as_version=4)  # lab 8
    exercise = next(c.source for c in nb.cells
                    if c.cell_type == "code" and "# Exercise 8.1:" in c.source)
    words = " ".join(line.removeprefix("# ") for line in exercise.splitlines()[1:])
    # the prompt's last words, not its first line only
    assert "(Hint: the openstack client names things `openstack <thing> list`.)" in words
