"""`build` writes the notebooks; `check` lists every committed file that build would change."""

from __future__ import annotations

from pathlib import Path

from stacklab.catalog import LABS
from stacklab.notebooks.builder import AUDIENCES, BuildInputs, output_path, render_all
from stacklab.notebooks.steps import StepBook, solution_steps
from stacklab.settings import DEFAULT_FILE, Settings, load_settings

# Notebooks are built from the committed settings file alone: a classroom's
# lab.local.yaml or STACKLAB__* variables must not make the committed notebooks drift.
_NO_OVERRIDES = DEFAULT_FILE.with_name("no-overrides-when-building-notebooks.yaml")


COMMITTED_PROVIDER = "vagrant"  # notebooks/ and solutions/notebooks/ are built for it


def committed_settings(provider: str = COMMITTED_PROVIDER) -> Settings:
    return load_settings(provider, local=_NO_OVERRIDES, environ={})


def default_inputs(root: Path, provider: str = COMMITTED_PROVIDER,
                   out: Path | None = None) -> BuildInputs:
    """What build reads for a provider's lab host (the committed notebooks: Vagrant's)."""
    settings = committed_settings(provider)
    everywhere = {step.id for name in settings.providers if name != provider
                  for step in solution_steps(committed_settings(name))}
    return BuildInputs(root=root, settings=settings, out=out,
                       steps=StepBook.from_solutions(settings, os=settings.host.os,
                                                     elsewhere=everywhere))


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
    root = inputs.out_root
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
