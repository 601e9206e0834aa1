"""Every notebook runs under nbclient with no cell error.

No lab host here: the host cells use the dry-run transport (bash parses each cell and runs
nothing) and strict mode (a cell whose shell does not parse, a magic that fails, a Python
error: each stops the notebook). %check lists the lab's real checks, %save_answers validates
the answers against the graders' questions. The same notebooks run for real against a lab
host in the end-to-end suite (STACKLAB_NOTEBOOK_TARGET=ssh://…).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

from stacklab.catalog import LABS
from stacklab.notebooks.builder import AUDIENCES, output_path
from stacklab.notebooks.execute import run_notebook

ROOT = Path(__file__).resolve().parents[2]

def execute(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return run_notebook(nb, target="dry-run", strict=True, cell_timeout=120, cwd=ROOT)


CASES = [pytest.param(lab, audience, id=f"{lab.name}-{audience}")
         for lab in LABS for audience in AUDIENCES]


@pytest.mark.parametrize(("lab", "audience"), CASES)
def test_the_notebook_runs_without_a_cell_error(lab, audience):
    nb = execute(nbformat.read(output_path(ROOT, lab, audience), as_version=4))
    outputs = {cell.id: cell.outputs for cell in nb.cells if cell.cell_type == "code"}
    setup = "".join(o.get("text", "") for o in outputs[f"{lab.number:02d}-001-setup"])
    assert "%%vm runs on: dry run" in setup
    check = next(out for cid, out in outputs.items() if cid.endswith("-check"))
    html = check[0]["data"]["text/html"]
    assert "nothing was checked" in html and "<table" in html  # the lab's real checks


@pytest.mark.parametrize(("lab", "audience"), CASES)
def test_the_container_hosts_notebooks_run_too(lab, audience):
    """The set built for the container lab host (Debian 13, stand-in backends)."""
    execute(nbformat.read(output_path(ROOT, lab, audience, "container"), as_version=4))


@pytest.mark.parametrize("broken", [
    "%%vm\nif true; then echo missing fi\n",       # shell that does not parse
    "%%vm --rc nobody\nhostname\n",                 # a bad option
    "%check 99\n",                                  # no such lab
    "answers = {'iaas': 'z'}\n%save_answers 1 answers\n",  # no such choice
], ids=["shell-syntax", "bad-option", "no-such-lab", "bad-answer"])
def test_a_broken_cell_fails_the_run(broken):
    nb = nbformat.read(output_path(ROOT, LABS[0], "learner"), as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell(broken, id="broken"))
    with pytest.raises(CellExecutionError):
        execute(nb)
