"""Run a kit notebook from top to bottom under nbclient, against a chosen lab host.

The notebooks' own tests run every notebook with ``target="dry-run"``; the end-to-end
suite runs the instructor notebooks, in order, against a real lab host::

    from stacklab.notebooks.execute import run_notebook
    nb = run_notebook(path, target="ssh://vagrant@127.0.0.1:2222?key=KEY")

Strict mode (the default here) turns a failing host cell, a failing %solve or a learner
error into a cell error, so nbclient stops at the first thing that went wrong.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from stacklab.notebooks.session import STRICT_ENV, TARGET_ENV, TIMEOUT_ENV


def run_notebook(notebook: Path | nbformat.NotebookNode, *, target: str, strict: bool = True,
                 cell_timeout: float = 1800, cwd: Path | None = None,
                 env: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """Execute every cell (raising nbclient's CellExecutionError on the first error) and
    return the notebook with its outputs."""
    nb = (nbformat.read(notebook, as_version=4) if isinstance(notebook, Path)
          else notebook)
    kernel_env = {**os.environ, **(env or {}), TARGET_ENV: target,
                  STRICT_ENV: "1" if strict else "0", TIMEOUT_ENV: str(cell_timeout)}
    folder = cwd or (notebook.parent if isinstance(notebook, Path) else Path.cwd())
    client = NotebookClient(nb, timeout=cell_timeout + 60, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    client.execute(env=kernel_env)
    return nb
