"""run_checks on a connection its caller already holds (a notebook's): it opens none of its
own, and the caller's connection stays open for the caller's next command."""

from __future__ import annotations

import pytest
from sshd_lab import USER

from stacklab.grading import transport
from stacklab.grading.runner import run_checks
from stacklab.hosts.target import Target

pytestmark = [pytest.mark.integration, pytest.mark.root]


def test_a_run_on_a_borrowed_connection_opens_none_and_leaves_it_open(ssh_lab, solved_replay):
    host = ssh_lab.hosts[2]
    host.set_replay(solved_replay)
    target = Target(hostname=host.address, port=host.port, user=USER, name="carol",
                    key_file=str(ssh_lab.key))
    client = transport.connect(target)
    try:
        before = host.connections()
        first = run_checks(target, "3,4", client=client)
        second = run_checks(target, "3", client=client)
        assert first.status == "ok" and first.all_passed and second.all_passed
        assert first.connections == second.connections == 0
        assert host.connections() == before  # not one login more
        out = client.run("echo still mine")  # the replay host answers it, on the same login
        assert "no recording for: echo still mine" in out.stderr
        assert host.connections() == before and client.connections_opened == 1
    finally:
        client.close()
    owned = run_checks(target, "3")  # other callers: as before, a connection of its own
    assert owned.all_passed and owned.connections == 1
    assert host.connections() == before + 1
