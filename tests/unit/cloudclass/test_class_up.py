"""`class up` against the fake cloud: the plan, the quota check, partial failures, retries,
and the inventory `stacklab grade` reads."""

from __future__ import annotations

import base64
import stat

import pytest
import yaml
from fake_cloud import unavailable
from openstack import exceptions

from stacklab.cloudclass.plan import pick_flavor
from stacklab.cloudclass.students import numbered
from stacklab.cloudclass.up import class_up
from stacklab.errors import StacklabError
from stacklab.grading.inventory import load_inventory
from stacklab.settings.schema import Cloud


def up(cloud, record, settings, retry, said, count=3, **cloud_settings):
    if cloud_settings:
        settings = settings.model_copy(update={"cloud": settings.cloud.model_copy(
            update=cloud_settings)})
    return class_up(cloud, record, numbered(count), settings, settings.cloud.ssh_from,
                    retry, said)


def test_a_class_comes_up_with_every_resource_named_and_tagged(cloud, record, settings,
                                                               retry, said):
    assert up(cloud, record, settings, retry, said) == []
    assert cloud.counts() == {"servers": 3, "volumes": 3, "ports": 3, "floating_ips": 3,
                              "security_groups": 1, "keypairs": 3}
    assert sorted(s["name"] for s in cloud.servers.values()) == [
        "ws1-student01", "ws1-student02", "ws1-student03"]
    assert all(s["metadata"] == {"stacklab_class": "ws1"} for s in cloud.servers.values())
    assert all(v["metadata"] == {"stacklab_class": "ws1"} and v["size"] == 20
               and v["status"] == "in-use" for v in cloud.volumes.values())
    for store in (cloud.ports, cloud.ips, cloud.groups):
        assert all(body["tags"] == ["stacklab-class-ws1"] for body in store.values())
    flavor = {s["flavor"]["id"] for s in cloud.servers.values()}
    assert [cloud.flavors[f]["name"] for f in flavor] == ["m1.large"]  # the smallest fit
    assert all(h.state == "ready" and h.address.startswith("203.0.113.")
               for h in record.hosts.values())


def test_ssh_is_open_only_from_the_instructors_range(cloud, record, settings, retry, said):
    up(cloud, record, settings, retry, said, count=1)
    ingress = [r for r in cloud.rules.values() if r["direction"] == "ingress"]
    assert ingress == [{"id": ingress[0]["id"], "security_group_id": ingress[0][
        "security_group_id"], "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp",
        "port_range_min": 22, "port_range_max": 22, "remote_ip_prefix": "192.0.2.0/24"}]
    port = next(iter(cloud.ports.values()))
    assert port["security_group_ids"] == [ingress[0]["security_group_id"]]


def test_private_keys_are_0600_in_the_class_folder_and_registered(cloud, record, settings,
                                                                   retry, said):
    up(cloud, record, settings, retry, said, count=2)
    for student in ("student01", "student02"):
        key = record.key_path(student)
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert key.read_text().startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
        public = key.with_name(student + ".pub").read_text().split()[:2]
        assert cloud.keypairs[f"ws1_{student}"]["public_key"].split()[:2] == public
        server = next(s for s in cloud.servers.values() if s["name"] == f"ws1-{student}")
        assert server["key_name"] == f"ws1_{student}"
        data = base64.b64decode(server["user_data"]).decode()
        assert " ".join(public) in data  # the lab user logs in with the student's key


def test_key_pairs_are_named_as_nova_allows(cloud, record, settings, retry, said, tmp_path):
    from stacklab.cloudclass.students import load_students
    from stacklab.cloudclass.teardown import tear_down

    roster = tmp_path / "students"
    roster.write_text("ann.lee\nbo-b\nc_d\n")
    assert class_up(cloud, record, load_students(roster), settings, "192.0.2.0/24", retry,
                    said) == []
    assert sorted(cloud.keypairs) == ["ws1_ann_lee", "ws1_bo-b", "ws1_c_d"]
    assert {s["name"]: s["key_name"] for s in cloud.servers.values()} == {
        "ws1-ann.lee": "ws1_ann_lee", "ws1-bo-b": "ws1_bo-b", "ws1-c_d": "ws1_c_d"}
    assert record.key_path("ann.lee").exists()  # the file keeps the student's own name
    # `down` without the record finds them by the name's start
    assert tear_down(cloud, "ws1", None, retry, 60, lambda _: None).failed == []
    assert cloud.counts() == dict.fromkeys(cloud.counts(), 0)


def test_the_longest_names_fit_the_clouds_rules(cloud, settings, retry, said, tmp_path):
    from stacklab.cloudclass.record import ClassRecord
    from stacklab.cloudclass.students import MAX_NAME, load_students

    record = ClassRecord("c" * 24, "school", settings.host.user)
    roster = tmp_path / "students"
    roster.write_text("a." + "b" * (MAX_NAME - 2) + "\n")
    assert class_up(cloud, record, load_students(roster), settings, "192.0.2.0/24", retry,
                    said) == []
    assert len(cloud.servers) == len(cloud.keypairs) == 1


def test_the_fake_cloud_refuses_what_nova_refuses(cloud):
    """The fake answers as Nova does below microversion 2.92 (openstacksdk's key pairs)."""
    with pytest.raises(exceptions.BadRequestException, match="does not match"):
        cloud.compute.create_keypair(name="ws1.alice", public_key="ssh-ed25519 AAAA x")
    cloud.compute.create_keypair(name="ws1_Alice", public_key="ssh-ed25519 AAAA x")
    with pytest.raises(exceptions.ConflictException, match="already exists"):
        cloud.compute.create_keypair(name="ws1_alice", public_key="ssh-ed25519 AAAA x")


def test_the_quota_check_names_every_short_quota_with_its_numbers(cloud, record, settings,
                                                                  retry, said):
    cloud.compute_limits.update(maxTotalInstances=10, totalInstancesUsed=8)
    cloud.volume_limits.update(maxTotalVolumeGigabytes=100, totalGigabytesUsed=50)
    with pytest.raises(StacklabError) as caught:
        up(cloud, record, settings, retry, said, count=5)
    message = caught.value.message
    assert "the class of 5 does not fit the project's quotas" in message
    assert "instances: needs 5, 2 free (limit 10, 8 used)" in message
    assert "volume GB: needs 100, 50 free (limit 100, 50 used)" in message
    assert "vCPUs" not in message  # 20 of 200: fits, so not named
    assert not [c for c in cloud.calls if c.startswith("create")]  # nothing was made


def test_floating_ip_quota_counts_only_when_the_hosts_need_them(cloud, record, settings,
                                                                 retry, said):
    cloud.network_quota["floating_ips"] = {"limit": 2, "used": 1, "reserved": 0}
    with pytest.raises(StacklabError, match=r"floating IPs: needs 3, 1 free \(limit 2, 1 "):
        up(cloud, record, settings, retry, said)
    assert up(cloud, record, settings, retry, said, floating_ip="never") == []
    assert not cloud.ips
    assert {h.address for h in record.hosts.values()} == {
        p["fixed_ips"][0]["ip_address"] for p in cloud.ports.values()}


def test_unlimited_quotas_fit(cloud, record, settings, retry, said):
    cloud.compute_limits.update(maxTotalInstances=-1, maxTotalCores=-1, maxTotalRAMSize=-1)
    assert up(cloud, record, settings, retry, said, count=2) == []


def test_no_flavor_fits_names_the_largest_ones(cloud):
    flavors = list(cloud.compute.flavors())
    with pytest.raises(StacklabError) as caught:
        pick_flavor(flavors, Cloud(min_memory_mb=32768), "school")
    assert caught.value.message == ("cloud school: no flavor has 32768 MB memory, 2 vCPUs, "
                                    "20 GB disk")
    assert caught.value.hint.startswith("the largest: m1.xlarge (16384 MB, 8 vCPUs, 160 GB), "
                                        "m1.large (8192 MB, 4 vCPUs, 80 GB)")


def test_a_named_flavor_below_the_minimum_lists_the_flavors_that_fit(cloud):
    flavors = list(cloud.compute.flavors())
    with pytest.raises(StacklabError) as caught:
        pick_flavor(flavors, Cloud(flavor="m1.small"), "school")
    assert "flavor m1.small (2048 MB, 1 vCPUs, 20 GB) is below" in caught.value.message
    assert caught.value.hint == ("flavors that fit: m1.large (8192 MB, 4 vCPUs, 80 GB), "
                                 "m1.xlarge (16384 MB, 8 vCPUs, 160 GB)")
    assert pick_flavor(flavors, Cloud(flavor="m1.tiny", min_memory_mb=64, min_vcpus=1,
                                      min_disk_gb=1), "school").name == "m1.tiny"


def test_an_unknown_image_lists_what_the_cloud_has(cloud, record, settings, retry, said):
    with pytest.raises(StacklabError, match="no image 'debian-13'") as caught:
        up(cloud, record, settings, retry, said, image="debian-13")
    assert caught.value.hint.endswith("cirros, ubuntu-24.04")


def test_one_server_in_error_the_others_still_in_the_inventory(cloud, record, settings,
                                                               retry, said, state_dir):
    cloud.server_fails.add("ws1-student02")
    failed = up(cloud, record, settings, retry, said)
    assert failed == ["student02"]
    host = record.hosts["student02"]
    assert host.state == "failed"
    assert host.error == ("server ws1-student02 went ERROR: No valid host was found. There "
                          "are not enough hosts available.")
    assert ("student02", f"FAILED: {host.error}") in said.lines
    targets = load_inventory(record.folder / "inventory")
    assert [t.name for t in targets] == ["student01", "student03"]
    yaml_targets = load_inventory(record.folder / "inventory.yaml")
    assert [t.to_dict() for t in yaml_targets] == [t.to_dict() for t in targets]
    # its server and volume are recorded, so `down` and a second `up` know them
    assert set(host.ids) == {"port", "volume", "server"}

    cloud.server_fails.clear()  # the second `up` replaces the failed server, keeps the rest
    cloud.deleted_lingers = 2  # Nova lists it as DELETED for a while: up waits it out
    assert up(cloud, record, settings, retry, said) == []
    assert len(cloud.servers) == 3 and len(cloud.volumes) == 3 and len(cloud.ports) == 3
    assert retry.pauses.count(2.0) == 2 and not cloud.lingering
    assert [t.name for t in load_inventory(record.folder / "inventory")] == [
        "student01", "student02", "student03"]


def test_transient_errors_are_retried_with_growing_pauses(cloud, record, settings, retry,
                                                          said):
    cloud.fail_next["create_server"] = [unavailable(), unavailable()]
    cloud.fail_next["create_volume"] = [exceptions.HttpException("429 Too Many Requests",
                                                                 http_status=429)]
    assert up(cloud, record, settings, retry, said, count=1) == []
    assert cloud.calls.count("create_server") == 3
    assert retry.pauses == [2.0, 2.0, 4.0]  # volume once; server twice (2 s, then 4 s)
    assert len(cloud.servers) == 1


def test_a_lasting_or_client_error_fails_that_host_only(cloud, record, settings, retry, said):
    cloud.fail_next["create_volume"] = [unavailable()] * 4  # one try + 3 retries, all 503
    cloud.fail_next["create_server"] = [exceptions.ForbiddenException(
        "Policy doesn't allow os_compute_api:servers:create", http_status=403)]
    failed = up(cloud, record, settings, retry, said, count=3, parallel=1)
    assert failed == ["student01", "student02"]
    assert record.hosts["student01"].error.startswith("student01: volume: 503")
    assert "Policy doesn't allow" in record.hosts["student02"].error
    assert cloud.calls.count("create_server") == 2  # the 403 was not tried again
    assert record.hosts["student03"].state == "ready"


def test_inventory_lines_carry_key_and_roster_and_grade_reads_them(cloud, record, settings,
                                                                   retry, said, tmp_path):
    from stacklab.cloudclass.students import load_students

    roster = tmp_path / "students.csv"
    roster.write_text("name,email,sis_id\nalice,alice@example.edu,S1001\nbob,,S1002\n")
    students = load_students(roster)
    assert class_up(cloud, record, students, settings, "192.0.2.0/24", retry, said) == []
    for name in ("inventory", "inventory.yaml"):
        targets = {t.name: t for t in load_inventory(record.folder / name)}
        assert targets["alice"].email == "alice@example.edu"
        assert targets["alice"].sis_id == "S1001" and targets["bob"].sis_id == "S1002"
        assert targets["bob"].email == ""
        for t in targets.values():
            assert t.user == settings.host.user and t.port == 22
            assert t.key_file == str(record.key_path(t.name))
            assert t.hostname == record.hosts[t.name].address
            assert t.kind == "vagrant"
    data = yaml.safe_load((record.folder / "inventory.yaml").read_text())
    assert set(data["all"]["children"]["class"]["hosts"]) == {"alice", "bob"}
