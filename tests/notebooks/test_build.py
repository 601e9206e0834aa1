"""`stacklab notebooks build|check`: deterministic, valid, complete, and drift is caught."""

from __future__ import annotations

from pathlib import Path
import json
import shutil
import subprocess
import sys

import nbformat
import pytest
import yaml

from stacklab.catalog import LABS
from stacklab.notebooks.builder import AUDIENCES, output_path, render_all
from stacklab.notebooks.labtext import Directive, lab_text_path, load
from stacklab.notebooks.sync import committed_settings, default_inputs, drift
from stacklab.settings import DEFAULT_FILE

ROOT = Path(__file__).resolve().parents[2]

COMMITTED = [output_path(ROOT, lab, audience) for lab in LABS for audience in AUDIENCES]


@pytest.fixture(scope="module")
def inputs():
    return default_inputs(ROOT)


def copy_kit(tmp_path):
    """What build reads and writes, in a folder of its own."""
    for folder in ("labs", "notebooks", "solutions", "grader/knowledge"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def test_every_lab_has_a_text_and_two_notebooks():
    for lab in LABS:
        assert lab_text_path(ROOT, lab).is_file(), lab.name
    assert all(path.is_file() for path in COMMITTED)


def test_build_is_byte_identical_run_after_run(inputs):
    first, second = render_all(inputs), render_all(inputs)
    assert first == second
    assert len(first) == 2 * len(LABS)


def test_classroom_overrides_do_not_change_the_notebooks(inputs, monkeypatch, tmp_path):
    override = tmp_path / "class.yaml"
    override.write_text("host: {name: another-host}\n")
    monkeypatch.setenv("STACKLAB_SETTINGS", str(override))
    monkeypatch.setenv("STACKLAB__HOST__USER", "student")
    assert render_all(default_inputs(ROOT)) == render_all(inputs)


def test_the_committed_notebooks_are_what_build_writes(inputs):
    assert drift(inputs) == []


def test_committed_notebooks_are_valid_and_clean():
    for path in COMMITTED:
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        nbformat.validate(nb)  # raises on any schema error
        ids = [cell.id for cell in nb.cells]
        assert len(ids) == len(set(ids)), path
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), path
        assert code[0].source.startswith("%load_ext stacklab.notebooks.magics"), path
        raw = path.read_text()
        assert raw == json.dumps(json.loads(raw), sort_keys=True, indent=1,
                                 ensure_ascii=False) + "\n", f"{path}: keys not sorted"


def test_check_reports_each_drifting_file_and_fails(tmp_path):
    root = copy_kit(tmp_path)
    changed = root / "notebooks" / f"{LABS[2].name}.ipynb"
    changed.write_text(changed.read_text().replace("MariaDB", "MySQL", 1))
    (root / "solutions" / "notebooks" / f"{LABS[3].name}.ipynb").unlink()
    (root / "notebooks" / "99-stray.ipynb").write_text("{}")
    proc = subprocess.run([sys.executable, "-m", "stacklab", "notebooks", "check"],
                          capture_output=True, text=True, env=_env(root), check=False)
    assert proc.returncode == 1
    lines = proc.stdout.strip().splitlines()
    assert lines == [
        f"notebooks/{LABS[2].name}.ipynb: differs from what labs/ builds (run `stacklab "
        "notebooks build` and commit)",
        f"solutions/notebooks/{LABS[3].name}.ipynb: missing (run `stacklab notebooks build`)",
        "notebooks/99-stray.ipynb: no lab text builds it (remove it)",
    ]
    build = subprocess.run([sys.executable, "-m", "stacklab", "notebooks", "build"],
                           capture_output=True, text=True, env=_env(root), check=False)
    assert build.returncode == 0, build.stderr
    assert "2 notebook(s) written" in build.stdout
    again = subprocess.run([sys.executable, "-m", "stacklab", "notebooks", "check"],
                           capture_output=True, text=True, env=_env(root), check=False)
    assert again.returncode == 1 and again.stdout.count("\n") == 1  # only the stray is left


def test_a_broken_lab_text_is_one_line_with_its_place(tmp_path):
    root = copy_kit(tmp_path)
    text = root / "labs" / f"{LABS[2].name}.md"
    text.write_text(text.read_text() + "\n```{step} 03-no-such-step\n```\n")
    proc = subprocess.run([sys.executable, "-m", "stacklab", "notebooks", "build"],
                          capture_output=True, text=True, env=_env(root), check=False)
    assert proc.returncode == 2
    assert f"labs/{LABS[2].name}.md:" in proc.stderr and "03-no-such-step" in proc.stderr
    assert "Traceback" not in proc.stderr


def _env(root):
    import os

    return {**os.environ, "STACKLAB_ROOT": str(root)}


PROVIDERS = sorted(committed_settings().providers)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("lab", [lab for lab in LABS if lab.on_host], ids=lambda lab: lab.name)
def test_each_lab_text_walks_through_every_solution_step_in_order(lab, provider):
    """So an instructor's notebook, run top to bottom, does what `stacklab solve` does, on
    every kind of lab host (steps of other hosts are skipped)."""
    inputs = default_inputs(ROOT, provider)
    blocks = load(ROOT, lab, inputs.settings.as_dict())
    named = [b.arg for b in blocks if isinstance(b, Directive)
             and b.name in ("step", "exercise") and b.arg and inputs.steps.applies(b.arg)]
    assert named == [step.id for step in inputs.steps.for_lab(lab.number)]


def test_another_providers_notebooks_are_built_where_asked(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "stacklab", "notebooks", "build",
                           "--provider", "container", "--output", str(tmp_path)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    built = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.ipynb"))
    assert built == sorted(p.relative_to(ROOT).as_posix() for p in COMMITTED)
    lab7 = (tmp_path / "solutions" / "notebooks" / f"{LABS[6].name}.ipynb").read_text()
    assert "STAND-IN" in lab7 and "STAND-IN" not in (
        ROOT / "solutions" / "notebooks" / f"{LABS[6].name}.ipynb").read_text()


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.name)
def test_each_lab_ends_with_its_check(lab):
    blocks = load(ROOT, lab, committed_settings().as_dict())
    assert isinstance(blocks[-1], Directive) and blocks[-1].name == "check"


def test_the_tutorial_literals_are_not_written_into_the_lab_texts():
    raw = yaml.safe_load(DEFAULT_FILE.read_text())
    net = raw["network"]
    literals = {net["public"]["address"], net["public"]["gateway"], net["public"]["cidr"],
                net["private"]["address"], net["floating"]["cidr"], net["floating"]["first_ip"],
                net["fixed"]["cidr"]}
    offenders = [f"{path.name}: {lit}" for path in sorted((ROOT / "labs").glob("*.md"))
                 for lit in literals if str(lit) in path.read_text()]
    assert not offenders, "write {{ network... }} instead:\n" + "\n".join(offenders)
