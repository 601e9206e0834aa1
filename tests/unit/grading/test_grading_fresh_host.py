"""A freshly started lab host where no lab was done yet: every check is red (or not
verified, or blocked by a red one), and what it says is in words: what is missing, never a
shell's error text or a traceback."""

from __future__ import annotations

import re

NOISE = re.compile(r"not found|No such file|line 1:|Traceback|command not found")


def fresh(h) -> None:
    """Debian 13 as `stacklab up` leaves it: sshd, python3 and nothing of the tutorial."""
    h.listeners = ["0.0.0.0:22", "[::]:22"]
    h.units = {}
    h.mariadb_installed = h.lvm_installed = False
    h.rabbit_users = {}
    h.files = {}
    h.home = {}
    h.commands = {"ssh-keygen", "ping", "ssh", "python3"}
    h.openstacksdk = False
    h.ping_ok = False
    h.guest_ssh_error = "ssh: connect to host 172.16.4.224 port 22: No route to host"


def test_every_check_of_a_fresh_host_is_red_and_says_what_is_missing(solved, grade):
    fresh(solved)
    result = grade(solved)
    # the lab host comes up with the tutorial's name (and its /etc/hosts line) already
    named = {"04.host_is_named_as_in_the_tutorial", "04.host_name_resolves_to_the_lab_address"}
    wrong = [(c.key, c.status, c.found) for c in result.checks
             if c.status in ("passed", "error") and c.key not in named]
    assert not wrong
    for check in result.checks:
        said = f"{check.found}\n{check.hint}"
        assert not NOISE.search(said), (check.key, said)
        assert check.passed or check.found.strip(), check.key
    found = {c.key: c.found for c in result.checks}
    assert found["03.nova_database_exists"].endswith("MariaDB is not installed yet (lab 3: "
                                                     "apt-get install mariadb-server "
                                                     "mariadb-client)")
    assert found["04.rabbitmq_is_running"] == "rabbitmq-server is not installed"
    assert found["07.volume_group_is_on_the_second_disk"] == (
        "pvs failed: LVM is not installed yet (lab 7: apt-get install lvm2)")
