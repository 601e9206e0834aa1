"""Stage 2: a second `solve --until 14` changes nothing, and says so."""

from __future__ import annotations

from kit import LabHost


def test_a_second_solve_changes_nothing(solved: LabHost):
    again = solved.solve("--until", "14")
    solved.timings.add("idempotent solve --until 14", again.seconds)
    assert again.code == 0, again.tail()
    assert "no change: the host was already there" in again.out, (
        f"the second solve changed the host:\n{again.tail(30)}")
