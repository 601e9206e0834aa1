"""`build` writes the notebooks; `check` lists every committed file that build would change.

The checkout holds one set per kind of lab host (see ``builder.notebook_folder``): the
Vagrant VM's in notebooks/ and solutions/notebooks/, the container's in their container/
subfolders. Build and check cover every set.
"""

from __future__ import annotations

from pathlib import Path

from stacklab.notebooks.builder import (
    AUDIENCES,
    DEFAULT_KIND,
    BuildInputs,
    notebook_folder,
    render_all,
)
from stacklab.notebooks.steps import StepBook, solution_steps
from stacklab.settings import DEFAULT_FILE, Settings, load_settings

# Notebooks are built from the committed settings file alone: a classroom's
# lab.local.yaml or STACKLAB__* variables must not make the committed notebooks drift.
_NO_OVERRIDES = DEFAULT_FILE.with_name("no-overrides-when-building-notebooks.yaml")

def committed_settings(kind: str = DEFAULT_KIND) -> Settings:
    return load_settings(kind, local=_NO_OVERRIDES, environ={})


def kinds() -> list[str]:
    """Every kind of lab host with a set of notebooks: the default first, then by name."""
    names = set(committed_settings().kinds)
    return [DEFAULT_KIND, *sorted(names - {DEFAULT_KIND})]


def default_inputs(root: Path, kind: str = DEFAULT_KIND,
                   out: Path | None = None) -> BuildInputs:
    """What build reads for one kind of lab host (its set of notebooks)."""
    settings = committed_settings(kind)
    everywhere = {step.id for name in settings.kinds if name != kind
                  for step in solution_steps(committed_settings(name))}
    return BuildInputs(root=root, settings=settings, out=out, kind=kind,
                       steps=StepBook.from_solutions(settings, os=settings.host.os,
                                                     elsewhere=everywhere))


def every_set(root: Path, out: Path | None = None) -> list[BuildInputs]:
    """The inputs of every committed set, one per kind of lab host."""
    return [default_inputs(root, kind, out) for kind in kinds()]


def build(inputs: BuildInputs | list[BuildInputs]) -> list[Path]:
    """Write every notebook whose text changed; return those written."""
    written = []
    for one in _sets(inputs):
        for path, text in render_all(one).items():
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                written.append(path)
    return written


def drift(inputs: BuildInputs | list[BuildInputs]) -> list[str]:
    """One line per notebook that differs from what build would write, is missing, or is
    not built from any lab text (in the folders of the sets given)."""
    sets = _sets(inputs)
    lines = []
    expected: dict[Path, str] = {}
    for one in sets:
        root = one.out_root
        files = render_all(one)
        expected.update(files)
        for path, text in files.items():
            rel = path.relative_to(root)
            if not path.exists():
                lines.append(f"{rel}: missing (run `stacklab notebooks build`)")
            elif path.read_text(encoding="utf-8") != text:
                lines.append(f"{rel}: differs from what labs/ builds (run `stacklab notebooks "
                             "build` and commit)")
    folders = {(one.out_root, notebook_folder(one.out_root, audience, one.kind))
               for one in sets for audience in AUDIENCES}
    for root, folder in sorted(folders):
        for path in sorted(folder.glob("*.ipynb")):
            if path not in expected:
                lines.append(f"{path.relative_to(root)}: no lab text builds it (remove it)")
    return lines


def _sets(inputs: BuildInputs | list[BuildInputs]) -> list[BuildInputs]:
    return [inputs] if isinstance(inputs, BuildInputs) else list(inputs)

