"""`class up` waits until each host answers SSH: against the fake cloud, with a probe that
answers as the test says (no traffic leaves this machine) and a clock that sleeping moves."""

from __future__ import annotations

import socket
import threading

import pytest
from fake_cloud import unavailable

from stacklab.cloudclass import reach
from stacklab.cloudclass.reach import console_tail, ssh_banner, wait_for_ssh
from stacklab.cloudclass.record import READY
from stacklab.cloudclass.students import numbered
from stacklab.cloudclass.up import class_up
from stacklab.grading.inventory import load_inventory


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(reach, "monotonic", c)
    monkeypatch.setattr(reach, "sleep", c.sleep)
    return c


def up(cloud, record, settings, retry, said, probe, count=3, seconds=600):
    settings = settings.model_copy(update={"cloud": settings.cloud.model_copy(
        update={"ssh_wait_s": seconds})})
    return class_up(cloud, record, numbered(count), settings, settings.cloud.ssh_from,
                    retry, said, probe=probe)


def address(record, student: str) -> str:
    return record.hosts[student].address


def server(cloud, record, student: str) -> dict:
    return cloud.servers[record.hosts[student].ids["server"]]


def test_hosts_that_answer_at_once_are_up_with_no_reboot(cloud, record, settings, retry,
                                                         said, clock):
    assert up(cloud, record, settings, retry, said, lambda a: True) == []
    assert all(h.state == READY for h in record.hosts.values())
    assert "reboot_server" not in cloud.calls and clock.now == 0
    assert sum("sshd answers at" in what for _, what in said.lines) == 3


def test_a_host_that_boots_slowly_is_waited_for_without_a_reboot(cloud, record, settings,
                                                                 retry, said, clock):
    probe = lambda a: a != address(record, "student02") or clock.now >= 200  # noqa: E731
    assert up(cloud, record, settings, retry, said, probe) == []
    assert "reboot_server" not in cloud.calls  # 200 s is under half of 600 s
    assert 200 <= clock.now < 205


def test_a_silent_host_is_rebooted_once_halfway_and_then_answers(cloud, record, settings,
                                                                retry, said, clock):
    probe = lambda a: (a != address(record, "student02")  # noqa: E731
                       or bool(server(cloud, record, "student02").get("reboots")))
    assert up(cloud, record, settings, retry, said, probe) == []
    assert {s: server(cloud, record, s).get("reboots") for s in record.hosts} == {
        "student01": None, "student02": ["HARD"], "student03": None}
    assert 300 <= clock.now < 305
    assert ("student02", f"no SSH answer at {address(record, 'student02')}:22 after 300 s: "
            "rebooting it") in said.lines


def test_a_host_silent_to_the_end_fails_with_its_console_and_leaves_the_inventory(
        cloud, record, settings, retry, said, clock):
    def probe(a: str) -> bool:
        server(cloud, record, "student02")["console"] = [
            "[   47.08] virtio_blk virtio5: [vdb] 2097152 512-byte logical blocks",
            "stacklab-guest: asking DHCP on eth0", ""]
        return a != address(record, "student02")

    assert up(cloud, record, settings, retry, said, probe, seconds=120) == ["student02"]
    host = record.hosts["student02"]
    assert host.state == "failed"
    assert host.error.startswith(f"no SSH answer at {host.address}:22 after 120 s and a "
                                 "reboot; its console ends: stacklab-guest: asking DHCP on "
                                 "eth0; ")
    assert cloud.calls.count("reboot_server") == 1
    assert 120 <= clock.now < 125
    names = sorted(h.name for h in load_inventory(record.folder / "inventory"))
    assert names == ["student01", "student03"]


def test_up_again_waits_for_the_failed_host_and_keeps_what_it_made(cloud, record, settings,
                                                                   retry, said, clock):
    silent = lambda a: a != address(record, "student02")  # noqa: E731
    assert up(cloud, record, settings, retry, said, silent, seconds=60) == ["student02"]
    made = cloud.counts()
    assert up(cloud, record, settings, retry, said, lambda a: True, seconds=60) == []
    assert cloud.counts() == made and all(h.state == READY for h in record.hosts.values())


def test_a_reboot_the_cloud_refuses_is_said_and_the_wait_goes_on(cloud, record, settings,
                                                                 retry, said, clock):
    cloud.fail_next["reboot_server"] = [unavailable()] * 4  # the try and every retry
    probe = lambda a: clock.now >= 400  # noqa: E731
    assert up(cloud, record, settings, retry, said, probe, count=1) == []
    assert any("the reboot failed: " in what and "503" in what for _, what in said.lines)


def test_progress_is_said_while_hosts_are_silent(cloud, record, settings, retry, said, clock):
    assert up(cloud, record, settings, retry, said, lambda a: clock.now >= 150, count=2) == []
    assert any(what.startswith("2 hosts not answering yet (") for _, what in said.lines)


def test_one_host_is_said_as_one(cloud, record, settings, retry, said, clock):
    assert up(cloud, record, settings, retry, said, lambda a: clock.now >= 90, count=1) == []
    assert ("class", "1 host not answering yet (60 s): student01") in said.lines
    assert any(what.startswith("waiting for sshd on 1 host (") for _, what in said.lines)


def test_no_wait_when_it_is_zero(cloud, record, settings, retry, said, clock):
    def probe(a: str) -> bool:
        raise AssertionError("probed")

    assert up(cloud, record, settings, retry, said, probe, seconds=0) == []


def test_no_addresses_no_probes(cloud, record, retry, said):
    assert wait_for_ssh(cloud, record, [], 600, retry, said) == []


def test_console_tail_is_empty_when_the_cloud_cannot_give_it(cloud):
    assert console_tail(cloud, None) == ""
    assert console_tail(cloud, "server-9999") == ""  # unknown: no line, no error


def test_the_banner_probe_on_loopback():
    """The real probe: an SSH greeting is an answer; another greeting, or no listener, is
    not."""
    def serve(greeting: bytes) -> int:
        listener = socket.create_server(("127.0.0.1", 0))

        def run() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.sendall(greeting)
            listener.close()
        threading.Thread(target=run, daemon=True).start()
        return listener.getsockname()[1]

    assert ssh_banner("127.0.0.1", serve(b"SSH-2.0-dropbear\r\n"), timeout=5)
    assert not ssh_banner("127.0.0.1", serve(b"HTTP/1.1 400 Bad Request\r\n"), timeout=5)
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    assert not ssh_banner("127.0.0.1", port, timeout=2)
