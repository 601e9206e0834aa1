"""Real sshd hosts in network namespaces, answering as a real solved lab host answered
(its recording, tests/recordings/solved-2025.1.json)."""

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
from recording import Recording, ReplayConnection
from sshd_lab import SshLab, record

from stacklab.settings import load_settings

pytestmark = [pytest.mark.integration, pytest.mark.root]


@pytest.fixture(scope="session")
def solved_replay() -> dict:
    """What a real solved lab host answered to every command of a full run of the graders
    (tests/recordings), and for the knowledge labs 1-2 it was not asked about, the
    hand-written host's answers."""
    recording = Recording.load()
    table = ReplayConnection(recording, load_settings(recording.provider)).sshd_table()
    state = RecordedHost(load_settings())
    knowledge = record(state, lambda: grade_recorded(state, "1,2"))
    for key, answer in knowledge.items():
        if key != "_reads_stdin":
            table.setdefault(key, answer)
    table["_reads_stdin"] += [c for c in knowledge["_reads_stdin"]
                              if c not in table["_reads_stdin"]]
    return table


@pytest.fixture(scope="session")
def recorded_provider() -> str:
    """The provider the recorded host ran under (its settings are that provider's)."""
    return Recording.load().provider


@pytest.fixture(scope="session")
def recorded_labs() -> str:
    """The labs the table answers for: the recording's (3-14) and the knowledge labs."""
    return "1,2," + Recording.load().about["labs"]


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
