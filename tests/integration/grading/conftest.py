"""Real sshd hosts in network namespaces, answering like a recorded solved lab host."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from kit_state import state_folder
from requires import skip_unless_programs, skip_unless_root

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "grading"))

from grading_helpers import grade_recorded
from recorded_host import RecordedHost
from sshd_lab import SshLab, record

from stacklab.settings import load_settings

pytestmark = [pytest.mark.integration, pytest.mark.root]


@pytest.fixture(scope="session")
def solved_replay() -> dict:
    """What a solved host answers to every command of a full run of the graders."""
    state = RecordedHost(load_settings())
    return record(state, lambda: grade_recorded(state))


@pytest.fixture(scope="module")
def ssh_lab(solved_replay, tmp_path_factory):
    """Three sshd hosts whose keys are in the kit's known_hosts (a state folder of the
    module's own), as after a teacher's first `--accept-new`."""
    skip_unless_root("sshd hosts in network namespaces")
    skip_unless_programs(("ip", "iproute2"), ("sshd", "openssh-server"),
                         ("ssh-keygen", "openssh-client"))
    with state_folder(tmp_path_factory.mktemp("state")) as state, \
            SshLab(3, solved_replay, first=11) as lab:
        (state / "known_hosts").write_text(lab.known_hosts())
        yield lab
