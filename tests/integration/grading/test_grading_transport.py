"""The graders over real SSH: one connection per run, time limits, refused keys, dead ports."""

from __future__ import annotations

import time

import pytest
from sshd_lab import USER, hanging

from stacklab.grading.classrun import grade_class
from stacklab.grading.runner import run_checks
from stacklab.hosts.target import Target

pytestmark = [pytest.mark.integration, pytest.mark.root]


def target(lab, host, name="alice", key=None, provider="vagrant") -> Target:
    return Target(hostname=host.address, port=host.port, user=USER, name=name,
                  key_file=str(key or lab.key), kind=provider)


def test_all_labs_over_one_connection(ssh_lab, solved_replay, recorded_provider,
                                      recorded_labs):
    host = ssh_lab.hosts[0]
    host.set_replay(solved_replay)
    before = host.connections()
    result = run_checks(target(ssh_lab, host, provider=recorded_provider), recorded_labs)
    assert result.status == "ok"
    # green, but for what the recorded host's kernel could not show (named as such)
    assert [c.key for c in result.checks if not c.passed] == \
        [c.key for c in result.not_verified]
    assert all(c.found.startswith("not verified on this host: ") for c in result.not_verified)
    assert result.points == result.max_points > 50
    assert host.connections() - before == 1 == result.connections


def test_a_second_run_reads_the_host_afresh(ssh_lab, solved_replay):
    host = ssh_lab.hosts[0]
    host.set_replay(solved_replay)
    assert run_checks(target(ssh_lab, host), "3").all_passed
    broken = dict(solved_replay)
    key = next(k for k in solved_replay if k.startswith("ss -Hltn\0"))
    rc, out, err = solved_replay[key]
    broken[key] = [rc, out.replace("0.0.0.0:3306", "127.0.0.1:3306"), err]
    host.set_replay(broken)
    again = run_checks(target(ssh_lab, host), "3")
    failed = {c.key: c.found for c in again.checks if not c.passed}
    assert failed["03.mariadb_listens_on_all_addresses"] == "listening on 127.0.0.1:3306"


def test_a_check_that_hangs_times_out_and_the_others_go_on(ssh_lab, solved_replay):
    host = ssh_lab.hosts[1]
    table = dict(solved_replay)
    key = next(k for k in table if k.startswith("ss -Hltn\0"))
    table[key] = {"sleep": 120}
    host.set_replay(table)
    before = host.connections()
    started = time.monotonic()
    result = run_checks(target(ssh_lab, host), "3,4", check_timeout=1.5)
    checks = {c.key: c for c in result.checks}
    listen = checks["03.mariadb_listens_on_all_addresses"]
    assert listen.status == "error" and "within 1.5 s" in listen.found and listen.points == 0
    assert checks["03.nova_database_exists"].passed and checks["04.rabbitmq_is_running"].passed
    assert time.monotonic() - started < 100  # the hung command sleeps 120 s: cut off
    assert host.connections() - before == 1


def test_refused_key_and_dead_port_and_silent_host_are_reported(ssh_lab, tmp_path):
    good = ssh_lab.hosts[0]
    silent_address, silent_port = ssh_lab.silent_port()
    refused = run_checks(target(ssh_lab, good, key=ssh_lab.other_key), "3")
    assert refused.status == "refused" and "refused with key" in refused.reason
    assert refused.points == 0 and all(c.status == "error" for c in refused.checks)
    dead = run_checks(Target(hostname=good.address, port=2999, user=USER,
                             key_file=str(ssh_lab.key)), "3")
    assert dead.status == "unreachable" and "connection refused" in dead.reason
    started = time.monotonic()
    silent = run_checks(Target(hostname=silent_address, port=silent_port, user=USER,
                               key_file=str(ssh_lab.key)), "3", connect_timeout=2)
    assert silent.status == "timeout", silent.reason
    assert "sends no SSH greeting within 2 s" in silent.reason
    assert time.monotonic() - started < 60  # only a hang fails this; the reason proves 2 s


def test_a_class_run_grades_everyone_despite_a_hung_and_a_refused_host(ssh_lab,
                                                                       solved_replay):
    good, frozen, other = ssh_lab.hosts
    good.set_replay(solved_replay)
    frozen.set_replay(hanging(solved_replay))
    other.set_replay(solved_replay)
    targets = [target(ssh_lab, good, "alice"), target(ssh_lab, frozen, "bob"),
               target(ssh_lab, other, "carol", key=ssh_lab.other_key),
               target(ssh_lab, other, "dave")]
    events = []
    report = grade_class(targets, "3-6", jobs=4, timeout=8, check_timeout=3,
                         on_event=events.append)
    alice, bob, carol, dave = report.hosts
    assert [h.name for h in report.hosts] == ["alice", "bob", "carol", "dave"]
    assert alice.all_passed and dave.all_passed and alice.points == alice.max_points
    assert bob.status == "timeout" and bob.points == 0 and "time limit" in bob.reason
    assert "2 attempts" in bob.reason  # the hung host was tried once more, after the others
    assert carol.status == "refused" and carol.points == 0
    assert len(bob.checks) == len(alice.checks) == len(carol.checks)
    assert {e[0] for e in events} == {"start", "check", "retry", "done"}
    starts = [e[1].name for e in events if e[0] == "start"]
    assert sorted(starts) == ["alice", "bob", "bob", "carol", "dave"]  # a refusal: once
