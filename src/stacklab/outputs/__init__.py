"""Report formats for check results, one module each (goss-style: a new format is one file).

Every module here defines ``NAME``, ``SUFFIX`` and ``render(report: ClassReport) -> str``;
:func:`formats` finds them, so adding ``outputs/markdown.py`` is all a new format takes. A
module with ``DEFAULT = False`` (the LMS gradebooks: moodle, canvas) is written only when
named. A module may also define ``roster_warning(report) -> str``: one line ('' for none)
about how the file will import, printed beside the file's name (:func:`warnings`).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

from stacklab.errors import StacklabError
from stacklab.grading.model import ClassReport
from stacklab.private import private_folder, write_private


def formats() -> dict[str, ModuleType]:
    found = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "render") and hasattr(module, "NAME"):
            found[module.NAME] = module
    return dict(sorted(found.items()))


def choose(names: Iterable[str] | None) -> list[ModuleType]:
    known = formats()
    wanted = list(names) if names else [n for n, m in known.items()
                                        if getattr(m, "DEFAULT", True)]
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise StacklabError(f"unknown report format(s): {', '.join(unknown)}",
                            f"choose from {', '.join(known)}")
    return [known[n] for n in wanted]


def with_gradebooks(names: Iterable[str], gradebooks: Iterable[str]) -> tuple[str, ...]:
    """The formats to write: those named (else the defaults) plus the LMS gradebooks."""
    extra = [g for g in gradebooks]
    if not extra:
        return tuple(names)
    base = list(names) or [m.NAME for m in choose(None)]
    return tuple(dict.fromkeys(base + extra))


def write(report: ClassReport, folder: Path, names: Iterable[str] | None = None,
          stem: str = "grades") -> list[Path]:
    """Write the report in each format to folder/stem.SUFFIX; returns the files."""
    private_folder(folder, existing_too=False)  # reports are private: 0700 folder, 0600 files
    written = []
    for module in choose(names):
        path = folder / f"{stem}{module.SUFFIX}"
        write_private(path, module.render(report))
        written.append(path)
    return written


def warnings(report: ClassReport, names: Iterable[str] | None = None,
             stem: str = "grades") -> list[str]:
    """One line per written file whose import needs the instructor's attention (an LMS
    gradebook for a class where only some students have an email or a SIS id)."""
    found = []
    for module in choose(names):
        check = getattr(module, "roster_warning", None)
        line = check(report) if check else ""
        if line:
            found.append(f"{stem}{module.SUFFIX}: {line}")
    return found
