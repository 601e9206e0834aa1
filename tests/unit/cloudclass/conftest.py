"""Fixtures for `stacklab class`: a fake cloud, the settings, a class record in tmp_path."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_cloud import FakeCloud

from stacklab.cloudclass.cloud import Retry
from stacklab.cloudclass.record import ClassRecord
from stacklab.settings import load_settings
from stacklab.settings.schema import Cloud


@pytest.fixture(autouse=True)
def _quiet_sdk():
    """openstacksdk deprecates internals it still uses itself (resource attributes, the
    exceptions' http_status): not ours to fix, and they would drown the report."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


@pytest.fixture
def cloud() -> FakeCloud:
    return FakeCloud()


@pytest.fixture
def settings():
    """No wait for sshd here: the fake cloud's addresses are not to be sent any traffic
    (the wait is tested with a probe of its own)."""
    base = load_settings()
    return base.model_copy(update={"cloud": Cloud(ssh_from="192.0.2.0/24", ssh_wait_s=0)})


@pytest.fixture
def record(settings) -> ClassRecord:
    return ClassRecord("ws1", "school", settings.host.user)


@pytest.fixture
def retry():
    pauses: list[float] = []
    r = Retry(3, sleep=pauses.append)
    r.pauses = pauses  # type: ignore[attr-defined]
    return r


@pytest.fixture
def said():
    lines: list[tuple[str, str]] = []

    def say(who: str, what: str) -> None:
        lines.append((who, what))

    say.lines = lines  # type: ignore[attr-defined]
    return say
