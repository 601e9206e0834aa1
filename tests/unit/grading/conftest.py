"""Fixtures for the graders' unit tests: settings, a recorded solved host, a way to grade it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from grading_helpers import grade_recorded
from recorded_host import RecordedHost

from stacklab.settings import load_settings


@pytest.fixture
def settings():
    return load_settings()


@pytest.fixture
def solved(settings) -> RecordedHost:
    return RecordedHost(settings)


@pytest.fixture
def grade():
    return grade_recorded
