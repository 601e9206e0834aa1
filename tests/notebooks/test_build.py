"""`stacklab notebooks build|check`: deterministic, valid, complete, and drift is caught."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from stacklab.catalog import LABS
from stacklab.notebooks.builder import AUDIENCES, output_path, render_all
from stacklab.notebooks.labtext import Directive, lab_text_path, load
from stacklab.notebooks.sync import committed_settings, default_inputs, drift, every_set
from stacklab.notebooks.sync import kinds as notebook_kinds
from stacklab.settings import DEFAULT_FILE

ROOT = Path(__file__).resolve().parents[2]
SETS = notebook_kinds()  # one set per kind of lab host: ['vagrant', 'container']

COMMITTED = [output_path(ROOT, lab, audience, provider) for provider in SETS
             for lab in LABS for audience in AUDIENCES]


@pytest.fixture(scope="module")
def inputs():
    return every_set(ROOT)


def copy_kit(tmp_path):
    """What build reads and writes, in a folder of its own."""
    for folder in ("labs", "notebooks", "solutions", "grader/knowledge"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def test_every_lab_has_a_text_and_two_notebooks_per_lab_host():
    for lab in LABS:
        assert lab_text_path(ROOT, lab).is_file(), lab.name
    assert SETS == ["vagrant", "container"]
    assert all(path.is_file() for path in COMMITTED)
    assert output_path(ROOT, LABS[6], "learner", "container") == \
        ROOT / "notebooks" / "container" / f"{LABS[6].name}.ipynb"


def test_build_is_byte_identical_run_after_run(inputs):
    for one in inputs:
        first, second = render_all(one), render_all(one)
        assert first == second
        assert len(first) == 2 * len(LABS)


def test_classroom_overrides_do_not_change_the_notebooks(inputs, monkeypatch, tmp_path):
    override = tmp_path / "class.yaml"
    override.write_text("host: {name: another-host}\n")
    monkeypatch.setenv("STACKLAB_SETTINGS", str(override))
    monkeypatch.setenv("STACKLAB__HOST__USER", "student")
    for provider, one in zip(SETS, inputs, strict=True):
        assert render_all(default_inputs(ROOT, provider)) == render_all(one)


def test_each_set_is_built_for_its_own_lab_host():
    """The container's set has its stand-in volume backend and userspace Open vSwitch steps;
    the VM's has LVM on /dev/sdb. Each notebook says whose it is."""
    def text(lab_index: int, provider: str) -> str:
        return output_path(ROOT, LABS[lab_index], "instructor", provider).read_text()

    assert "STAND-IN" in text(6, "container") and "STAND-IN" not in text(6, "vagrant")
    assert "netdev" in text(8, "container") and "netdev" not in text(8, "vagrant")
    for provider in SETS:
        for path in (output_path(ROOT, lab, audience, provider) for lab in LABS
                     for audience in AUDIENCES):
            nb = nbformat.read(path, as_version=4)
            assert nb.metadata["stacklab"]["provider"] == provider, path


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
    in_container_set = root / "solutions" / "notebooks" / "container" / f"{LABS[6].name}.ipynb"
    in_container_set.write_text(in_container_set.read_text().replace("STAND-IN", "LVM"))
    (root / "notebooks" / "container" / "98-stray.ipynb").write_text("{}")
    proc = subprocess.run([sys.executable, "-m", "stacklab", "notebooks", "check"],
                          capture_output=True, text=True, env=_env(root), check=False)
    assert proc.returncode == 1
    lines = proc.stdout.strip().splitlines()
    assert lines == [
        f"notebooks/{LABS[2].name}.ipynb: differs from what labs/ builds (run `stacklab "
        "notebooks build` and commit)",
        f"solutions/notebooks/{LABS[3].name}.ipynb: missing (run `stacklab notebooks build`)",
        f"solutions/notebooks/container/{LABS[6].name}.ipynb: differs from what labs/ builds "
        "(run `stacklab notebooks build` and commit)",
        "notebooks/99-stray.ipynb: no lab text builds it (remove it)",
        "notebooks/container/98-stray.ipynb: no lab text builds it (remove it)",
    ]
    build = subprocess.run([sys.executable, "-m", "stacklab", "notebooks", "build"],
                           capture_output=True, text=True, env=_env(root), check=False)
    assert build.returncode == 0, build.stderr
    assert "3 notebook(s) written" in build.stdout
    again = subprocess.run([sys.executable, "-m", "stacklab", "notebooks", "check"],
                           capture_output=True, text=True, env=_env(root), check=False)
    assert again.returncode == 1 and again.stdout.count("\n") == 2  # only the strays are left


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


PROVIDERS = sorted(committed_settings().kinds)


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


def test_one_providers_set_is_built_where_asked(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "stacklab", "notebooks", "build",
                           "--provider", "container", "--output", str(tmp_path)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    built = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.ipynb"))
    committed = sorted(output_path(ROOT, lab, audience, "container").relative_to(ROOT)
                       for lab in LABS for audience in AUDIENCES)
    assert built == committed
    assert all((tmp_path / rel).read_text() == (ROOT / rel).read_text() for rel in built)
    unknown = subprocess.run([sys.executable, "-m", "stacklab", "notebooks", "build",
                              "--provider", "nowhere", "--output", str(tmp_path)],
                             capture_output=True, text=True, check=False)
    assert unknown.returncode == 2 and "known: vagrant, container" in unknown.stderr


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
