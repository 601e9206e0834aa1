"""Fixtures of the notebook tests: an IPython shell with the kit's magics, a loopback sshd."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from kit_state import state_folder  # noqa: E402
from loopback_sshd import available, loopback_sshd  # noqa: E402


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    """%check records progress: in a folder of the test's own, not the real user's; with
    the host keys the module's sshd recorded (module fixtures are set up first)."""
    state = tmp_path / "state"
    state.mkdir()
    known = Path(os.environ.get("STACKLAB_STATE_DIR") or tmp_path / "none") / "known_hosts"
    if known.is_file():
        shutil.copy(known, state / "known_hosts")
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(state))


@pytest.fixture
def shell():
    """An IPython shell; `magics(session)` registers the kit's magics on it."""
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell.instance()


@pytest.fixture
def run_magic(shell):
    """Run a magic with a given session; returns (stdout, stderr, [display data])."""
    from IPython.utils.capture import capture_output

    from stacklab.notebooks.magics import StacklabMagics

    def run(session, kind: str, name: str, line: str = "", cell: str | None = None):
        shell.register_magics(StacklabMagics(shell, session))
        with capture_output() as captured:
            if kind == "cell":
                shell.run_cell_magic(name, line, cell or "")
            else:
                shell.run_line_magic(name, line)
        return captured.stdout, captured.stderr, [o.data for o in captured.outputs]

    return run


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    """A loopback sshd whose key is in the kit's known_hosts (a state folder of the
    module's own, inherited by the kernels a test starts): URLs reach it as a teacher's
    recorded host."""
    why = available()
    if why:
        pytest.skip(why)
    with state_folder(tmp_path_factory.mktemp("state")) as state, loopback_sshd() as server:
        (state / "known_hosts").write_text(server.known_hosts())
        yield server
