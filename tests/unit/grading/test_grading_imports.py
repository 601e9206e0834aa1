"""The class run, the runner, the notebook check and the commands import each other in one
direction only, and never another module's private names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[3] / "src" / "stacklab"
MODULES = [SRC / "grading" / "classrun.py", SRC / "grading" / "runner.py",
           SRC / "grading" / "notebook.py", SRC / "progress.py", SRC / "catalog.py",
           *sorted((SRC / "cli").glob("*.py"))]


def imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) for every `from module import name` and `import module` in the file,
    wherever it is (function-level imports count too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_private_name_of_another_module_is_imported(path):
    private = [f"{module}.{name}" for module, name in imports(path)
               if module.startswith("stacklab") and name.startswith("_")
               and not name.startswith("__")]
    assert not private, f"{path.name} imports {private}"


def test_the_runner_does_not_import_the_class_run():
    """classrun runs the runner in its workers; the runner knows nothing of class runs."""
    modules = {module for module, _ in imports(SRC / "grading" / "runner.py")}
    assert not any("classrun" in module for module in modules), modules
    assert "grade_class" not in (SRC / "grading" / "runner.py").read_text()
