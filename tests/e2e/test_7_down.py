"""Stage 7: `stacklab down` removes the lab host, and a second `down` is harmless."""

from __future__ import annotations

import os

from kit import LabHost


def test_down_removes_the_lab_host_and_is_safe_twice(lab: LabHost):
    first = lab.stacklab("down", timeout=300)
    lab.timings.add("down", first.seconds)
    assert first.code == 0, first.tail()
    assert not os.path.exists(f"/run/netns/{lab.name}")
    second = lab.stacklab("down", timeout=120)
    assert second.code == 0, second.tail()
