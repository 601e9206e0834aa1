"""Stage 3: the graders only read. The host's configuration, services, databases and
OpenStack resources are the same before and after a full check run."""

from __future__ import annotations

from pathlib import Path

from kit import LabHost

FINGERPRINT = (Path(__file__).parent / "fingerprint.sh").read_text()


def test_a_full_check_changes_nothing_on_the_host(solved: LabHost):
    before = solved.sh(FINGERPRINT)
    control = solved.sh(FINGERPRINT)
    assert before == control, "the fingerprint is not stable without a check run:\n" + diff(
        before, control)
    _, done = solved.check("all")
    after = solved.sh(FINGERPRINT)
    assert done.checks
    assert before == after, "a check run changed the host:\n" + diff(before, after)


def diff(a: str, b: str) -> str:
    import difflib

    return "\n".join(list(difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm=""))[:60])
