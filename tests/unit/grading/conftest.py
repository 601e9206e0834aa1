"""Fixtures for the graders' unit tests: settings, solved hosts, a way to grade them.

`replayed`: a real lab host solved up to lab 14, replayed from its recording
(tests/recordings/solved-2025.1.json). `solved`: the hand-written host, for what the
recording cannot show (the tutorial's LVM and iSCSI, which the build machine's kernel lacks;
the knowledge labs 1-2) and for the many broken variants built by editing its state.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from grading_helpers import grade_recorded
from recorded_host import RecordedHost
from recording import Recording, ReplayConnection

from stacklab.settings import load_settings


@pytest.fixture(autouse=True)
def no_work_left_behind():
    """A run may end before the work it started in the background does (an OpenStack
    snapshot no check needed, prefetching): wait for it here, so it cannot run into the
    next test's patches (seen: a late snapshot ran a test's patched lister)."""
    before = set(threading.enumerate())
    yield
    stop = time.monotonic() + 30
    for thread in set(threading.enumerate()) - before:
        if thread.name.startswith("stacklab-"):
            thread.join(max(0.0, stop - time.monotonic()))


@pytest.fixture
def settings():
    return load_settings()


@pytest.fixture
def solved(settings) -> RecordedHost:
    return RecordedHost(settings)


@pytest.fixture
def grade():
    return grade_recorded


@pytest.fixture(scope="session")
def recording() -> Recording:
    return Recording.load()


@pytest.fixture
def replayed(recording) -> ReplayConnection:
    """The recorded solved host, answering with the settings of the provider it ran under."""
    return ReplayConnection(recording, load_settings(recording.provider))
