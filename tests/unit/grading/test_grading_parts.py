"""Small parts: redaction, smileys, listeners, disks, model JSON."""

from __future__ import annotations

import pytest

from stacklab.grading import smileys
from stacklab.grading.model import CheckResult, RunResult
from stacklab.grading.redact import redact
from stacklab.grading.resources.lvm import on_disk
from stacklab.grading.resources.services import reaches_local_database
from stacklab.grading.resources.system import Ini
from stacklab.settings import load_settings


@pytest.mark.parametrize(("text", "secret"), [
    ("transport_url = rabbit://openstack:Pa55word@172.16.4.10:5672/", "Pa55word"),
    ("connection = mysql+pymysql://nova:nova@172.16.4.10/nova", ":nova@"),
    ("password = hunter2", "hunter2"),
    ("export OS_PASSWORD='hunter2'", "hunter2"),
    ('{"admin_password": "hunter2"}', "hunter2"),
    ("mysql -uroot -phunter2 -e x", "hunter2"),
    ("GRANT … IDENTIFIED BY PASSWORD '*3A7B4D1E' WITH", "3A7B4D1E"),
    ("token: gAAAAABlAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "gAAAAABl"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "MIIEow"),
])
def test_secrets_are_removed_where_they_sit(text, secret):
    assert secret not in redact(text)


def test_long_secrets_go_everywhere_short_words_stay():
    assert redact("the value Zq9-long-secret appears", ["Zq9-long-secret"]) == \
        "the value ***** appears"
    text = "nova-compute on cloud-controller: database nova; send_service_user_token = true"
    assert redact(text, ["nova"]) == text


def test_smileys_tell_disabled_from_down():
    rows = [smileys.Service("nova-compute", "cc", "nova", "enabled", "down", "2025-06-02 15:05"),
            smileys.Service("nova-scheduler", "cc", "internal", "disabled", "up"),
            smileys.Service("cinder-volume", "cc@lvm", "nova", "disabled", "down")]
    problems = "\n".join(smileys.problems(rows, ["nova-compute", "nova-scheduler",
                                                 "cinder-volume", "nova-conductor"]))
    assert "nova-compute on cc: down (XXX: no heartbeat since 2025-06-02 15:05)" in problems
    assert "nova-scheduler on cc: disabled (an administrator switched it off" in problems
    assert "cinder-volume on cc@lvm: disabled and down" in problems
    assert "nova-conductor: not registered" in problems
    lines = smileys.render(rows).splitlines()
    assert lines[1].split()[:5] == ["nova-compute", "cc", "nova", "enabled", "XXX"]
    assert lines[2].split()[4] == ":-)"


def test_service_from_snapshot_formats_times_like_2012():
    row = smileys.Service.from_snapshot({"binary": "nova-compute", "host": "cc", "zone": "nova",
                                         "status": "enabled", "state": "up",
                                         "updated_at": "2025-06-02T15:05:14.000000"})
    assert row.updated_at == "2025-06-02 15:05:14" and row.smiley == ":-)"


@pytest.mark.parametrize(("device", "disk", "ok"), [
    ("/dev/sdb", "/dev/sdb", True), ("/dev/sdb1", "/dev/sdb", True),
    ("/dev/sdc", "/dev/sdb", False), ("/dev/sdba", "/dev/sdb", False),
    ("/dev/nvme1n1p2", "/dev/nvme1n1", True), ("/dev/loop3", "/dev/loop3", True)])
def test_physical_volume_on_disk(device, disk, ok):
    assert on_disk(device, disk) is ok


def test_ini_later_files_win_and_missing_files_are_listed():
    conf = Ini({"/a.conf": "[libvirt]\nvirt_type = kvm\n[DEFAULT]\nmy_ip = 1.2.3.4\n",
                "/b.conf": "[libvirt]\nvirt_type=qemu\n", "/c.conf": None})
    assert conf.get("libvirt", "virt_type") == "qemu"
    assert conf.get("DEFAULT", "my_ip") == "1.2.3.4"
    assert conf.get("nosuch", "x") is None and conf.missing == ["/c.conf"]


def test_run_result_totals_and_json():
    checks = [CheckResult(3, "a", "A", 2, 2, "passed"), CheckResult(3, "b", "B", 0, 3, "failed",
                                                                    hint="h", found="f"),
              CheckResult(7, "c", "C", 0, 0, "n/a", found="RBD")]
    run = RunResult(name="s", url="ssh://v@h:22", labs=[3, 7], checks=checks)
    assert (run.points, run.max_points, run.passed, run.all_passed) == (2, 5, 1, False)
    assert run.lab_points(3) == (2, 5)
    assert RunResult.from_json(run.to_json()) == run
    assert run.to_dict()["checks"][0]["passed"] is True


@pytest.mark.parametrize(("url", "here"), [
    ("mysql+pymysql://nova:x@172.16.4.10/nova", True),
    ("mysql+pymysql://nova:x@cloud-controller/nova", True),
    ("mysql+pymysql://nova:x@127.0.0.1/nova", True),
    ("mysql+pymysql://nova:x@localhost/nova", True),
    ("mysql+pymysql://nova:x@172.16.4.11/nova", False),
    ("mysql+pymysql://nova:x@db.invalid/nova", False),
    ("", False)])
def test_a_database_on_this_host_is_named_by_address_name_or_loopback(url, here):
    assert reaches_local_database(url, load_settings()) is here
