"""Real sshd hosts in network namespaces, answering like a recorded solved lab host."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
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
def ssh_lab(solved_replay):
    skip_unless_root("sshd hosts in network namespaces")
    skip_unless_programs(("ip", "iproute2"), ("sshd", "openssh-server"),
                         ("ssh-keygen", "openssh-client"))
    with SshLab(3, solved_replay, first=11) as lab:
        yield lab
