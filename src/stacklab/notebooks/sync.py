"""`build` writes the notebooks; `check` lists every committed file that build would change."""

from __future__ import annotations

from pathlib import Path

from stacklab.catalog import LABS
from stacklab.notebooks.builder import AUDIENCES, BuildInputs, output_path, render_all
from stacklab.notebooks.steps import StepBook
from stacklab.settings import DEFAULT_FILE, Settings, load_settings

# Notebooks are built from the committed settings file alone: a classroom's
# lab.local.yaml or STACKLAB__* variables must not make the committed notebooks drift.
_NO_OVERRIDES = DEFAULT_FILE.with_name("no-overrides-when-building-notebooks.yaml")


def committed_settings() -> Settings:
    return load_settings("vagrant", local=_NO_OVERRIDES, environ={})


def default_inputs(root: Path) -> BuildInputs:
    settings = committed_settings()
    return BuildInputs(root=root, settings=settings,
                       steps=StepBook.from_solutions(settings, os=settings.host.os))


def build(inputs: BuildInputs) -> list[Path]:
    """Write every notebook whose text changed; return those written."""
    written = []
    for path, text in render_all(inputs).items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def drift(inputs: BuildInputs) -> list[str]:
    """One line per notebook that differs from what build would write, is missing, or is
    not built from any lab text."""
    root = inputs.root
    expected = render_all(inputs)
    lines = []
    for path, text in expected.items():
        rel = path.relative_to(root)
        if not path.exists():
            lines.append(f"{rel}: missing (run `stacklab notebooks build`)")
        elif path.read_text(encoding="utf-8") != text:
            lines.append(f"{rel}: differs from what labs/ builds (run `stacklab notebooks "
                         "build` and commit)")
    folders = {output_path(root, lab, audience).parent for lab in LABS for audience in AUDIENCES}
    for folder in sorted(folders):
        for path in sorted(folder.glob("*.ipynb")):
            if path not in expected:
                lines.append(f"{path.relative_to(root)}: no lab text builds it (remove it)")
    return lines
