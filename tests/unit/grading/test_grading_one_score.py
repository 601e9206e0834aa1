"""One host, one score: the same host gets the same points and maximum whatever the inventory
says about it (provider=container or not) and whichever command grades it: `check` leaves
hidden checks out, `grade` keeps them, and both ask the host what it can do."""

from __future__ import annotations

import pytest
from test_grading_broken_hosts import _rbd_host

from stacklab.settings import load_settings


def _score(result) -> tuple[float, float, dict]:
    return result.points, result.max_points, {c.key: c.status for c in result.checks}


@pytest.mark.parametrize("kind", ["a host with device-mapper and iSCSI",
                                  "a container host on the rbd stand-in"])
def test_the_inventorys_provider_does_not_change_the_score(grade, kind):
    from recorded_host import RecordedHost

    def host():
        return RecordedHost(load_settings()) if kind.startswith("a host") else _rbd_host()

    scores = {(provider, hidden): _score(grade(host(), "7,8,14", kind=provider,
                                               include_hidden=hidden))
              for provider in ("vagrant", "container") for hidden in (True, False)}
    assert len(set(map(str, scores.values()))) == 1, scores
    points, maximum, statuses = next(iter(scores.values()))
    assert points == maximum  # solved: every check it can judge passes
    nv = sorted(k for k, s in statuses.items() if s == "not-verified")
    assert nv == ([] if kind.startswith("a host") else
                  ["07.iscsi_target_runs", "08.iscsi_initiator_is_installed",
                   "14.volume_is_a_logical_volume_of_the_group"])
