"""Rules every test run of the kit follows (tests/skip_rule.py).

A test that needs what the README does not ask for (a system program, root, a file outside
the repository) skips with a reason from requires.py; the run ends with a line saying how
to enable it. With CI=true a skipped test is a failure unless its reason names one of the
hardware limits that ../shared/ENVIRONMENT.md lists for the build machines:
``pytest.skip(hardware_limit("no device-mapper", "why this test needs it"))``.
"""

from __future__ import annotations

import pytest
from hardware import hardware_limit  # noqa: F401
from skip_rule import pytest_configure  # noqa: F401


@pytest.fixture(autouse=True)
def _commands_live(request, monkeypatch):
    """Outside the end-to-end suite, no run prefetches commands a run before it asked (the
    memory lives in the state folder, shared by tests): each test sees its own commands.
    tests/unit/grading/test_grading_prefetch.py tests prefetching itself."""
    if "e2e" not in request.node.path.parts:
        monkeypatch.setenv("STACKLAB_PREFETCH", "0")
