"""`stacklab notebooks open`: JupyterLab on the set of notebooks that fits the lab host.

The lab host `stacklab up` started is recorded in the state file with its kind: a
container lab host gets notebooks/container/, the Vagrant VM (or no record) notebooks/.
A host named with `--host` (stacklab.notebooks.host) decides by its own kind instead.
JupyterLab runs from this Python (the kernel then imports this checkout's stacklab) and,
as root (the container lab host needs root), with ``allow_root``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from stacklab.errors import StacklabError
from stacklab.hosts.target import read_lab_state, state_kind
from stacklab.notebooks.builder import DEFAULT_KIND, INSTRUCTOR, LEARNER, notebook_folder


def running_kind() -> str:
    """The kind of the lab host `stacklab up` recorded; the Vagrant VM's without one."""
    return state_kind(read_lab_state()) or DEFAULT_KIND


def jupyterlab_installed() -> bool:
    return importlib.util.find_spec("jupyterlab") is not None


def jupyterlab_command(root: Path, kind: str, *, instructor: bool = False,
                       extra: list[str] | None = None) -> tuple[list[str], Path]:
    """The command line that serves the kind's set, and that set's folder."""
    if not jupyterlab_installed():
        raise StacklabError("JupyterLab is not installed in this Python",
                            "pip install -e '.[lab]' (`tox -e lab` installs it)")
    folder = notebook_folder(root, INSTRUCTOR if instructor else LEARNER, kind)
    if not any(folder.glob("*.ipynb")):
        raise StacklabError(f"no notebooks in {folder}", "run `stacklab notebooks build`")
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder}"]
    if os.geteuid() == 0:  # the container lab host runs as root, and so does the lab
        command.append("--ServerApp.allow_root=True")
    return command + list(extra or ()), folder
