"""Rules every test run of the kit follows (tests/skip_rule.py).

A test that needs what the README does not ask for (a system program, root, a file outside
the repository) skips with a reason from requires.py; the run ends with a line saying how
to enable it. With CI=true a skipped test is a failure unless its reason names one of the
hardware limits that ../shared/ENVIRONMENT.md lists for the build machines:
``pytest.skip(hardware_limit("no device-mapper", "why this test needs it"))``.
"""

from __future__ import annotations

from hardware import hardware_limit  # noqa: F401
from skip_rule import pytest_configure  # noqa: F401

