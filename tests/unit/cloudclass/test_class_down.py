"""`class down` against the fake cloud: complete, idempotent, scoped to its class, and
honest about what it could not delete."""

from __future__ import annotations

from fake_cloud import PROJECT, unavailable
from openstack import exceptions

from stacklab.cloudclass.record import ClassRecord
from stacklab.cloudclass.students import numbered
from stacklab.cloudclass.teardown import tear_down
from stacklab.cloudclass.up import class_up

NOTHING = {"servers": 0, "volumes": 0, "ports": 0, "floating_ips": 0, "security_groups": 0,
           "keypairs": 0}


def make_class(cloud, settings, retry, said, name="ws1", count=3):
    record = ClassRecord(name, "school", settings.host.user)
    assert class_up(cloud, record, numbered(count), settings, "192.0.2.0/24", retry,
                    said) == []
    return record


def down(cloud, record, retry, name="ws1"):
    keys = {record.key_name(s) for s in record.hosts} if record else None
    lines: list[str] = []
    return tear_down(cloud, name, keys, retry, 60, lines.append)


def test_down_deletes_everything_up_made_and_again_is_a_no_op(cloud, settings, retry, said):
    record = make_class(cloud, settings, retry, said)
    first = down(cloud, record, retry)
    assert first.failed == []
    assert cloud.counts() == NOTHING
    assert len(first.deleted) == 3 * 5 + 1  # fip, server, volume, port, key pair; the group
    second = down(cloud, record, retry)
    assert (second.deleted, second.failed) == ([], [])


def test_down_leaves_other_classes_and_the_projects_own_resources(cloud, settings, retry,
                                                                  said):
    ours = make_class(cloud, settings, retry, said, "ws1", 2)
    make_class(cloud, settings, retry, said, "ws1-late", 1)  # shares the name's start
    own_port = cloud.network.create_port(network_id="net1", name="ws1-student01-extra",
                                         security_group_ids=[])
    cloud.compute.create_keypair(name="instructor", public_key="ssh-ed25519 AAAA x")
    down(cloud, ours, retry)
    assert cloud.counts() == {"servers": 1, "volumes": 1, "ports": 2, "floating_ips": 1,
                              "security_groups": 1, "keypairs": 2}
    assert own_port.id in cloud.ports and "instructor" in cloud.keypairs
    assert {s["name"] for s in cloud.servers.values()} == {"ws1-late-student01"}


def test_down_without_the_record_finds_the_resources_by_tag(cloud, settings, retry, said):
    make_class(cloud, settings, retry, said)
    result = down(cloud, None, retry)  # the class folder is gone: tags and names only
    assert result.failed == [] and cloud.counts() == NOTHING


def test_down_without_the_record_leaves_a_class_whose_name_starts_alike(cloud, settings,
                                                                       retry, said):
    make_class(cloud, settings, retry, said, "ws1", 1)
    make_class(cloud, settings, retry, said, "ws1-late", 2)
    assert down(cloud, None, retry).failed == []
    assert sorted(cloud.keypairs) == ["ws1-late_student01", "ws1-late_student02"]
    assert cloud.counts() == {"servers": 2, "volumes": 2, "ports": 2, "floating_ips": 2,
                              "security_groups": 1, "keypairs": 2}


def test_down_finds_what_up_made_but_never_recorded(cloud, settings, retry, said):
    record = make_class(cloud, settings, retry, said, count=1)
    # a run cut short after the cloud made a second port but before it was written down
    stray = cloud.network.create_port(network_id="net1", name="ws1-student02",
                                      security_group_ids=[])
    cloud.network.set_tags(stray, ["stacklab-class-ws1"])
    assert down(cloud, record, retry).failed == []
    assert cloud.counts() == NOTHING


def test_down_reports_what_it_could_not_delete_and_a_second_run_finishes(cloud, settings,
                                                                         retry, said):
    record = make_class(cloud, settings, retry, said, count=2)
    volume, port = (sorted(store.values(), key=lambda b: b["id"])[0]["name"]
                    for store in (cloud.volumes, cloud.ports))
    cloud.fail_next["delete_volume"] = [exceptions.ForbiddenException(
        "Policy doesn't allow volume:delete", http_status=403)]
    cloud.fail_next["delete_port"] = [unavailable()] * 4  # retried, and still 503
    first = down(cloud, record, retry)
    # the group is still used by that port: Neutron refuses, and down says so too
    assert first.failed == [f"volume {volume}: Policy doesn't allow volume:delete",
                            f"port {port}: 503 Service Unavailable",
                            "security group ws1-ssh: Security Group "
                            f"{next(iter(cloud.groups))} in use."]
    assert cloud.counts() == {**NOTHING, "volumes": 1, "ports": 1, "security_groups": 1}
    second = down(cloud, record, retry)
    assert second.failed == [] and cloud.counts() == NOTHING


def test_down_waits_until_nova_no_longer_lists_the_servers(cloud, settings, retry, said):
    """Nova shows a deleted server as DELETED, still listed, for a while: the SDK's
    wait_for_delete stops there; down waits for the 404 (the counts right after are right)."""
    record = make_class(cloud, settings, retry, said, count=2)
    cloud.deleted_lingers = 3
    result = down(cloud, record, retry)
    assert result.failed == [] and cloud.counts() == NOTHING
    assert retry.pauses.count(2.0) == 2 * 3  # each: three reads that still found it


def test_down_reports_a_server_nova_never_removes(cloud, settings, retry, said):
    record = make_class(cloud, settings, retry, said, count=1)
    cloud.deleted_lingers = 10**9
    lines: list[str] = []
    result = tear_down(cloud, "ws1", {record.key_name(s) for s in record.hosts}, retry, 0,
                       lines.append)
    assert result.failed[0].startswith("server ") and "still there (status DELETED after 0 s)" \
        in result.failed[0]


def test_a_transient_error_while_deleting_is_retried(cloud, settings, retry, said):
    record = make_class(cloud, settings, retry, said, count=1)
    cloud.fail_next["delete_server"] = [unavailable()]
    result = down(cloud, record, retry)
    assert result.failed == [] and cloud.counts() == NOTHING
    assert cloud.calls.count("delete_server") == 2


def test_the_fake_projects_own_network_is_not_a_class_resource(cloud):
    assert cloud.current_project_id == PROJECT and "net1" in cloud.networks
