"""Helpers shared by the graders' unit tests (kept out of conftest so tests can import them)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "recordings"))

from recorded_host import RecordedHost, recorded_testinfra_host

from stacklab.catalog import select
from stacklab.grading.control import RunControl
from stacklab.grading.model import RunResult
from stacklab.grading.runner import run_on_host
from stacklab.hosts.backend import as_testinfra_host
from stacklab.hosts.transport import Connection


def grade_recorded(state: RecordedHost, labs: str = "all", kind: str = "vagrant",
                   **control) -> RunResult:
    """Run the real grader modules against the recorded host, in this process."""
    host = recorded_testinfra_host(state)
    return run_on_host(host, f"recorded://{id(state)}", select(labs), name="student",
                       url="recorded", kind=kind,
                       control=RunControl(summary=False, **control))


def by_key(result: RunResult) -> dict:
    return {c.key: c for c in result.checks}


def grade_connection(connection: Connection, labs: str = "all", kind: str = "vagrant",
                     **control) -> RunResult:
    """Run the real grader modules against any kit connection (a replayed recording)."""
    return run_on_host(as_testinfra_host(connection), f"replayed://{id(connection)}",
                       select(labs), name="student", url="replayed", kind=kind,
                       control=RunControl(summary=False, **control))
