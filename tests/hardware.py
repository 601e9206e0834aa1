"""The hardware limits of the build machines, as ../shared/ENVIRONMENT.md lists them.

A test that cannot run for one of them skips with
``pytest.skip(hardware_limit("no device-mapper", "why this test needs it"))``; with CI=true
any other skip is a failure (tests/conftest.py).
"""

from __future__ import annotations

# The rows of ENVIRONMENT.md's "What does not work here" table: one list, the graders'.
from stacklab.grading.markers import HARDWARE_LIMITS

PREFIX = "hardware limit: "


def hardware_limit(limit: str, detail: str) -> str:
    assert limit in HARDWARE_LIMITS, f"{limit!r} is not a listed hardware limit"
    return f"{PREFIX}{limit}: {detail}"
