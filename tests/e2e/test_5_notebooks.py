"""Stage 5: every notebook of the container's set runs against the lab host with no cell
error: the learner's, then the instructor's (which also answers labs 1 and 2)."""

from __future__ import annotations

import time

import nbformat
import pytest
from kit import KIT, LabHost, failing

from stacklab.catalog import LABS
from stacklab.notebooks.builder import AUDIENCES, output_path
from stacklab.notebooks.execute import run_notebook

CASES = [pytest.param(audience, lab, id=f"{audience}-{lab.name}")
         for audience in AUDIENCES for lab in LABS]


@pytest.mark.parametrize(("audience", "lab_"), CASES)
def test_the_notebook_runs_on_the_lab_host(solved: LabHost, audience, lab_, tmp_path):
    path = output_path(KIT, lab_, audience, "container")
    started = time.monotonic()
    nb = run_notebook(nbformat.read(path, as_version=4), target=solved.url, strict=True,
                      cell_timeout=900, cwd=tmp_path)
    solved.timings.add(f"notebook {path.relative_to(KIT)}", time.monotonic() - started)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)
    assert "dry run" not in text, "the notebook did not reach the lab host"


def test_after_the_notebooks_every_lab_is_green(solved: LabHost):
    _, done = solved.check("all")
    assert {c["lab"] for c in done.checks.values()} == {lab.number for lab in LABS}
    assert not done.red, failing(done)
