"""Each check against a host broken in the way learners break it: it fails, says what it
found, and gives the hint (or a sharper one). Outputs are recorded with real shapes."""

from __future__ import annotations

import pytest
from grading_helpers import by_key


def _cloud(state, kind, name=None):
    items = state.bodies[kind]
    return items if name is None else next(i for i in items if i.get("name") == name
                                           or i.get("binary") == name)


def mariadb_on_loopback(h):
    h.listeners.remove("0.0.0.0:3306")
    h.listeners.append("127.0.0.1:3306")


def mariadb_wrong_password(h):
    h.mysql_root_password = "something-else"


def no_nova_database(h):
    h.databases.remove(h.settings.mysql.database)


def no_glance_database(h):
    h.databases.remove("glance")


def no_root_anywhere(h):
    h.mysql_root_hosts = ["localhost"]


def hosts_file_loopback(h):
    lab = h.settings.network.public.address
    h.etc_hosts = f"127.0.0.1 localhost\n127.0.1.1 {h.hostname}\n{lab} {h.hostname}\n"


def rabbit_stopped(h):
    h.units["rabbitmq-server"] = ("failed", "enabled")
    h.listeners.remove("[::]:5672")


def rabbit_user_missing(h):
    del h.rabbit_users[h.settings.rabbitmq.user]


def vg_on_other_disk(h):
    h.pvs = [{"pv_name": "/dev/sdc", "vg_name": h.settings.host.volume_disk.volume_group,
              "pv_size": "<20.00g"}, {"pv_name": "/dev/sdb", "vg_name": "", "pv_size": "20.00g"}]


def vg_missing(h):
    h.pvs = [{"pv_name": "/dev/sdb", "vg_name": "", "pv_size": "20.00g"}]


def cinder_lioadm(h):
    path = "/etc/cinder/cinder.conf"
    h.files[path] = h.files[path].replace("target_helper = tgtadm\n", "")


def tgt_stopped(h):
    h.units["tgt"] = ("failed", "enabled")


def cinder_unknown_helper(h):
    path = "/etc/cinder/cinder.conf"
    h.files[path] = h.files[path].replace("target_helper = tgtadm", "target_helper = scstadmin")


def nova_region_lowercase(h):
    path = "/etc/nova/nova.conf"
    h.files[path] = h.files[path].replace(f"region_name = {h.settings.openstack.region}",
                                          "region_name = regionOne")


def nova_bad_placement_user(h):
    path = "/etc/nova/nova.conf"
    h.files[path] = h.files[path].replace("username = placement", "username = =")


def nova_wrong_rabbit_password(h):
    path = "/etc/nova/nova.conf"
    h.files[path] = h.files[path].replace(f":{h.settings.rabbitmq.password}@",
                                          ":Wr0ng-Rabbit-Pass@")


def nova_my_ip_unset(h):
    path = "/etc/nova/nova.conf"
    h.files[path] = h.files[path].replace(f"my_ip = {h.settings.network.public.address}\n", "")


def nova_compute_kvm(h):
    path = "/etc/nova/nova-compute.conf"
    h.files[path] = h.files[path].replace("virt_type=qemu", "virt_type=kvm")


def compute_down_volume_disabled(h):
    _cloud(h, "compute_services", "nova-compute")["state"] = "down"
    _cloud(h, "volume_services", "cinder-volume")["status"] = "disabled"


def l3_agent_missing(h):
    h.bodies["network_agents"] = [a for a in h.bodies["network_agents"]
                                  if a["binary"] != "neutron-l3-agent"]


def pool_outside_floating_range(h):
    subnet = _cloud(h, "subnets", h.settings.network.floating.subnet)
    subnet["allocation_pools"] = [{"start": "172.16.4.100", "end": "172.16.4.150"}]


def router_without_vmnet(h):
    h.bodies["ports"] = [p for p in h.bodies["ports"]
                         if p["device_owner"] != "network:router_interface"]


def nova_without_the_service_role(h):
    service = next(r["id"] for r in h.bodies["roles"] if r["name"] == "service")
    h.bodies["role_assignments"] = [a for a in h.bodies["role_assignments"]
                                    if a["role"]["id"] != service]


def role_not_implied(h):
    h.bodies["role_inferences"] = []


def user_login_refused(h):
    h.logins["user"] = False


def admin_login_refused(h):
    h.logins["admin"] = False


def no_openstacksdk(h):
    h.openstacksdk = False


def image_queued(h):
    _cloud(h, "images", h.settings.image.name)["status"] = "queued"


def image_file_missing(h):
    h.image_sizes.pop(_cloud(h, "images", h.settings.image.name)["id"])


def instance_wrong(h):
    server = h.bodies["servers"][0]
    server["status"], server["key_name"] = "ERROR", None
    server["flavor"]["original_name"] = "m1.small"


def instance_from_volume(h):
    h.bodies["servers"][0]["image"] = ""


def key_world_readable(h):
    h.modes[h.settings.instance.private_key] = "644"


def key_of_another_pair(h):
    h.key_public = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherOtherOtherOtherOther other"


def no_icmp_rule(h):
    group = h.bodies["security_groups"][0]
    group["security_group_rules"] = [r for r in group["security_group_rules"]
                                     if r["protocol"] != "icmp"]


def ssh_only_from_instances(h):
    for r in h.bodies["security_groups"][0]["security_group_rules"]:
        if r["protocol"] == "tcp":
            r["remote_ip_prefix"] = "10.0.0.0/26"


def fip_on_another_instance(h):
    other = dict(h.bodies["servers"][0], id="other-server", name="someone-else")
    h.bodies["servers"].append(other)
    h.bodies["ports"].append({"id": "other-port", "network_id": "x", "device_id": "other-server",
                              "device_owner": "compute:nova", "fixed_ips": []})
    h.bodies["floating_ips"][0]["port_id"] = "other-port"


def fip_missing(h):
    h.bodies["floating_ips"] = []


def no_ping(h):
    h.ping_ok = False


def ssh_times_out(h):
    h.fip_ssh_error = (f"ssh: connect to host {h.settings.network.floating.first_ip} port 22: "
                       "Connection timed out")


def guest_refuses_ssh(h):
    h.guest_ssh_error = "Permission denied (publickey)."


def lv_missing(h):
    h.lvs = []


def volume_available(h):
    h.bodies["volumes"][0]["status"] = "available"
    h.bodies["volumes"][0]["attachments"] = []


def volume_wrong_size(h):
    h.bodies["volumes"][0]["size"] = 2


def guest_without_vdb(h):
    h.guest_disks = ["vda", "vda1", "vda15"]


def wrong_knowledge_answer(h):
    import json

    path = ".stacklab/answers/01.json"
    doc = json.loads(h.home[path])
    doc["answers"]["iaas"] = "a"
    h.home[path] = json.dumps(doc)


def no_answers_saved(h):
    h.home.pop(".stacklab/answers/02.json")


def hostname_other(h):
    h.hostname = "localhost"


# (break the host, labs, the check that must fail, text in what was found, text in the hint)
CASES = [
    (mariadb_on_loopback, "3", "03.mariadb_listens_on_all_addresses",
     "listening on 127.0.0.1:3306", "bind-address = 0.0.0.0"),
    (mariadb_wrong_password, "3", "03.root_logs_in_from_the_lab_network",
     "Access denied for user 'root'", "mysql.root_password"),
    (no_nova_database, "3", "03.nova_database_exists", "databases: information_schema",
     "mysqladmin -u root -p create nova"),
    (no_glance_database, "5", "05.service_databases_exist", "missing: glance",
     "CREATE DATABASE keystone"),
    (no_root_anywhere, "3", "03.root_is_granted_from_anywhere", "no account root@'%'",
     "GRANT ALL PRIVILEGES ON *.*"),
    (hosts_file_loopback, "4", "04.host_name_resolves_to_the_lab_address",
     "/etc/hosts line 2 maps cloud-controller to 127.0.1.1", "127.0.1.1"),
    (hostname_other, "4", "04.host_is_named_as_in_the_tutorial", "the host is named localhost",
     "hostnamectl set-hostname cloud-controller"),
    (rabbit_stopped, "4", "04.rabbitmq_is_running", "rabbitmq-server is failed (enabled)",
     "journalctl -u rabbitmq-server"),
    (rabbit_user_missing, "4", "04.services_user_logs_in",
     "RabbitMQ has no user openstack (users: guest)", "set_permissions openstack"),
    (admin_login_refused, "5", "05.admin_logs_in_to_keystone", "HTTP 401",
     "--bootstrap-region-id RegionOne"),
    (no_openstacksdk, "5", "05.admin_logs_in_to_keystone", "openstacksdk is not installed",
     "python3-openstackclient"),
    (nova_my_ip_unset, "6", "06.nova_my_ip_is_the_lab_address", "my_ip = None",
     "my_ip = 172.16.4.10"),
    (nova_wrong_rabbit_password, "6", "06.nova_reaches_rabbitmq",
     "transport_url's password is not the services' RabbitMQ password", "transport_url"),
    (nova_region_lowercase, "6", "06.nova_auth_sections_match_the_cloud",
     "[placement] region_name = regionOne", "regionOne"),
    (nova_bad_placement_user, "6", "06.nova_auth_sections_match_the_cloud",
     "[placement] username = =", "[placement]"),
    (vg_on_other_disk, "7", "07.volume_group_is_on_the_second_disk",
     "nova-volumes is on /dev/sdc, not on /dev/sdb", "vgremove nova-volumes"),
    (vg_missing, "7", "07.volume_group_is_on_the_second_disk",
     "no volume group nova-volumes (physical volumes: /dev/sdb → no VG)",
     "pvcreate /dev/sdb"),
    (cinder_lioadm, "7", "07.iscsi_target_runs",
     "[lvm] target_helper = unset (lioadm, the default), but cinder-rtstool (LIO's tool for "
     "Cinder) is not installed", "target_helper = tgtadm"),
    (tgt_stopped, "7", "07.iscsi_target_runs",
     "[lvm] target_helper = tgtadm, but tgt is failed (enabled)", "systemctl enable --now tgt"),
    (cinder_unknown_helper, "7", "07.iscsi_target_runs",
     "[lvm] target_helper = scstadmin: the kit knows tgtadm", "target_helper = tgtadm"),
    (nova_compute_kvm, "8", "08.nova_compute_uses_qemu", "[libvirt] virt_type = kvm",
     "virt_type = qemu"),
    (compute_down_volume_disabled, "9", "09.every_service_smiles",
     "nova-compute on cloud-controller: down (XXX", "restart it"),
    (compute_down_volume_disabled, "9", "09.every_service_smiles",
     "cinder-volume on cloud-controller@lvm: disabled (an administrator switched it off",
     "--enable"),
    (l3_agent_missing, "9", "09.every_service_smiles", "neutron-l3-agent: not registered",
     "XXX"),
    (pool_outside_floating_range, "9", "09.external_network_has_the_floating_range",
     "public-subnet pools: 172.16.4.100-172.16.4.150", "172.16.4.224/27"),
    (router_without_vmnet, "9", "09.router_joins_vmnet_to_the_outside",
     "aimsrouter has no interface on vmnet-subnet", "router add subnet aimsrouter vmnet-subnet"),
    (nova_without_the_service_role, "6", "06.nova_user_holds_the_service_role",
     "nova holds on project service: no role", "--user nova service"),
    (role_not_implied, "10", "10.role_implies_admin", "cloudadmin implies: nothing",
     "implied role create cloudadmin --implied-role admin"),
    (user_login_refused, "10", "10.user_logs_in", "aimsuser in aimsproj: RuntimeError",
     "identity.password"),
    (image_queued, "11", "11.image_is_active", "aims-guest is queued", "openstack image create"),
    (image_file_missing, "11", "11.image_data_is_in_the_file_store",
     "/var/lib/glance/images/", "filesystem_store_datadir"),
    (instance_wrong, "12", "12.instance_is_active_as_the_tutorial_says",
     "aims-vm1: status ERROR, flavor m1.small, keypair none", "--flavor m1.tiny"),
    (instance_from_volume, "12", "12.instance_is_active_as_the_tutorial_says",
     "image none (booted from a volume?), not aims-guest", "--image aims-guest"),
    (key_world_readable, "12", "12.private_key_matches_the_keypair",
     "~/aimsuser.pem has mode 644", "chmod 600"),
    (key_of_another_pair, "12", "12.private_key_matches_the_keypair",
     "belongs to another key than the keypair aimsuser", "aimsuser.pem"),
    (no_icmp_rule, "13", "13.security_group_allows_ssh_and_ping", "default lacks icmp",
     "--proto icmp default"),
    (ssh_only_from_instances, "13", "13.security_group_allows_ssh_and_ping",
     "default lacks tcp/22: tcp 22-22 from 10.0.0.0/26", "--dst-port 22"),
    (fip_on_another_instance, "13", "13.floating_ip_is_associated_with_the_instance",
     "172.16.4.224 is associated with instance someone-else, not with aims-vm1",
     "server add floating ip aims-vm1 172.16.4.224"),
    (fip_missing, "13", "13.floating_ip_is_associated_with_the_instance",
     "no floating IP 172.16.4.224 (floating IPs: none)", "floating ip create"),
    (no_ping, "13", "13.instance_answers_ping", "2 packets transmitted, 0 received",
     "icmp rule"),
    (ssh_times_out, "13", "13.instance_answers_ssh", "Connection timed out", "tcp/22 rule"),
    (guest_refuses_ssh, "13", "13.instance_answers_ssh", "Permission denied (publickey).",
     "the key the instance got at launch"),
    (lv_missing, "14", "14.volume_is_a_logical_volume_of_the_group",
     "aims-vol1 is not a logical volume in nova-volumes: no volume-", "LVM driver creates"),
    (lv_missing, "14", "14.volume_is_a_logical_volume_of_the_group",
     "(nova-volumes holds no logical volume); Cinder put it on cloud-controller@lvm#lvm",
     "volume-<volume id> in nova-volumes"),
    (volume_available, "14", "14.volume_is_attached_to_the_instance",
     "aims-vol1 is available, not attached", "server add volume aims-vm1 aims-vol1"),
    (volume_wrong_size, "14", "14.volume_has_the_tutorial_size", "aims-vol1: 2 GB in zone nova",
     "--size 1"),
    (guest_without_vdb, "14", "14.guest_sees_the_volume",
     "the instance's disks: /dev/vda, /dev/vda1, /dev/vda15", "/proc/partitions"),
    (wrong_knowledge_answer, "1", "01.answer[iaas]",
     "you chose (a) Software as a Service (SaaS)", "IaaS"),
    (no_answers_saved, "2", "02.answer[compute]", "no answers saved yet",
     "answer the questions in notebook 02"),
]


@pytest.mark.parametrize(("breaking", "labs", "key", "found", "hint"), CASES,
                         ids=[f"{c[0].__name__}-{c[2]}" for c in CASES])
def test_a_broken_host_fails_the_check_with_what_was_found(solved, grade, breaking, labs, key,
                                                          found, hint):
    breaking(solved)
    check = by_key(grade(solved, labs))[key]
    assert check.status == "failed", (check.status, check.found)
    assert check.points == 0
    assert found in check.found
    assert hint in check.hint


def hosts_file_and_keystone_broken(h):
    """The host name maps to loopback, and so Keystone fails (the recorded host cannot see
    the cause: both are broken by hand)."""
    hosts_file_loopback(h)
    admin_login_refused(h)


# (break the host, labs, the check it blocks, the red check that blocks it, text in found)
BLOCKED = [
    (mariadb_on_loopback, "3", "03.root_logs_in_from_the_lab_network",
     "03.mariadb_listens_on_all_addresses", "listening on 127.0.0.1:3306"),
    (rabbit_stopped, "4", "04.rabbitmq_listens_on_amqp_port", "04.rabbitmq_is_running",
     "rabbitmq-server is failed (enabled)"),
    (rabbit_stopped, "4", "04.services_user_logs_in", "04.rabbitmq_listens_on_amqp_port",
     "rabbitmq-server is failed (enabled)"),
    (admin_login_refused, "5", "05.identity_endpoint_is_registered",
     "05.admin_logs_in_to_keystone", "HTTP 401"),
    (no_openstacksdk, "5", "05.image_api_answers", "05.admin_logs_in_to_keystone",
     "openstacksdk is not installed"),
    (guest_refuses_ssh, "14", "14.guest_sees_the_volume", "13.instance_answers_ssh",
     "Permission denied (publickey)."),
    (hosts_file_and_keystone_broken, "10", "10.project_exists", "05.admin_logs_in_to_keystone",
     "blocked by 04.host_name_resolves_to_the_lab_address (the host name resolves through "
     "/etc/hosts to the lab address): /etc/hosts line 2 maps cloud-controller to 127.0.1.1"),
]


@pytest.mark.parametrize(("breaking", "labs", "key", "by", "found"), BLOCKED,
                         ids=[f"{c[0].__name__}-{c[2]}" for c in BLOCKED])
def test_a_check_that_fails_because_of_another_is_blocked_by_it(solved, grade, breaking, labs,
                                                               key, by, found):
    breaking(solved)
    check = by_key(grade(solved, labs))[key]
    assert (check.status, check.points, check.hint) == ("blocked", 0, ""), check.found
    assert check.blocked_by == by or check.found.startswith(f"blocked by {check.blocked_by} ")
    assert f"blocked by {by} (" in check.found and found in check.found


def test_one_broken_thing_fails_only_its_own_checks(solved, grade):
    vg_on_other_disk(solved)
    result = grade(solved, "3-8")
    assert [c.key for c in result.checks if not c.ok] == ["07.volume_group_is_on_the_second_disk"]


def test_smileys_render_like_nova_manage_service_list(solved, grade):
    compute_down_volume_disabled(solved)
    found = by_key(grade(solved, "9"))["09.every_service_smiles"].found
    table = found.split("\n\n", 1)[1].splitlines()
    assert table[0].split() == ["Binary", "Host", "Zone", "Status", "State", "Updated_At"]
    rows = {line.split()[0]: line.split() for line in table[1:]}
    assert rows["nova-compute"][3:5] == ["enabled", "XXX"]
    assert rows["cinder-volume"][3:5] == ["disabled", ":-)"]
    assert rows["nova-scheduler"][2:] == ["internal", "enabled", ":-)", "2025-06-02", "15:05:14"]


def test_dual_stack_and_partition_variants_still_pass(solved, grade):
    solved.listeners.remove("0.0.0.0:3306")
    solved.listeners.append("[::]:3306")  # bind-address = :: listens on IPv4 too
    solved.pvs[0]["pv_name"] = solved.settings.host.volume_disk.device + "1"
    checks = by_key(grade(solved, "3,7"))
    assert checks["03.mariadb_listens_on_all_addresses"].passed
    assert checks["07.volume_group_is_on_the_second_disk"].passed


def test_the_rbd_stand_in_is_graded_as_such(grade):
    from recorded_host import RecordedHost

    from stacklab.settings import load_settings

    settings = load_settings("container")
    assert settings.host.capabilities.volume_backend == "rbd"
    state = RecordedHost(settings)
    state.files["/etc/cinder/cinder.conf"] = (
        "[DEFAULT]\nenabled_backends = ceph\n[ceph]\n"
        "volume_driver = cinder.volume.drivers.rbd.RBDDriver\nrbd_pool = volumes\n")
    state.units["tgt"] = ("inactive", "not-found")  # no iSCSI on this kernel: never passed
    state.commands.discard("iscsiadm")
    state.kernel_modules = set()  # no device-mapper, no iSCSI: the host says so
    result = grade(state, "7,8", kind="container")
    checks = by_key(result)
    backend = checks["07.cinder_uses_the_volume_backend"]
    assert backend.passed and backend.note == "rbd stand-in: no device-mapper on this host"
    for key in ("07.iscsi_target_runs", "08.iscsi_initiator_is_installed"):
        assert (checks[key].status, checks[key].points, checks[key].max) == \
            ("not-verified", 0, 0)
    assert checks["08.iscsi_initiator_is_installed"].found == (
        "not verified on this host: no iSCSI: this kernel has no iSCSI initiator "
        "(iscsi_tcp), so nothing can attach an iSCSI target here; the rbd stand-in serves "
        "volumes without it")
    assert checks["07.iscsi_target_runs"].found == (
        "not verified on this host: no device-mapper: the rbd stand-in serves volumes, and "
        "cinder.conf has no LVM backend whose iSCSI target could be asked")
    assert result.all_passed  # not verified is neither passed nor failed
    assert [c.key for c in result.not_verified] == ["07.iscsi_target_runs",
                                                    "08.iscsi_initiator_is_installed"]
    state.files["/etc/cinder/cinder.conf"] = RecordedHost(load_settings()).files[
        "/etc/cinder/cinder.conf"]
    checks = by_key(grade(state, "7", kind="container"))
    assert "the RBD stand-in is expected" in checks["07.cinder_uses_the_volume_backend"].found


def _router_namespace(state) -> str:
    return f"qrouter-{state.bodies['routers'][0]['id']}"


def _fixed_address(state) -> str:
    return next(p["fixed_ips"][0]["ip_address"] for p in state.bodies["ports"]
                if p["device_owner"] == "compute:nova")


@pytest.mark.parametrize("breaking", [fip_missing, ssh_times_out])
def test_lab_14_reaches_the_guest_through_the_router_without_the_floating_ip(solved, grade,
                                                                          breaking):
    breaking(solved)
    checks = by_key(grade(solved, "13,14"))
    ssh = checks["13.instance_answers_ssh"]  # lab 13 still asks the floating IP
    assert (ssh.status, ssh.blocked_by) == (("blocked", "13.floating_ip_is_associated_with_the_"
                                             "instance") if breaking is fip_missing
                                            else ("failed", ""))
    seen = checks["14.guest_sees_the_volume"]
    assert seen.passed, seen.found
    namespace, fixed = _router_namespace(solved), _fixed_address(solved)
    assert seen.note.startswith(f"reached on its fixed address {fixed} through {namespace} "
                                "(the floating IP 172.16.4.224 ")
    assert ("is not associated with aims-vm1" if breaking is fip_missing
            else "does not answer ssh: ssh: connect to host") in seen.note
    inside = [c for c in solved.log if c.startswith("sudo -n ip netns exec")]
    assert len(inside) == 1 and f"exec {namespace} ssh -i" in inside[0]
    assert f"@{fixed}" in inside[0]
    if breaking is fip_missing:  # not associated: the floating IP is not even tried by lab 14
        assert ssh.found.endswith("no floating IP 172.16.4.224 (floating IPs: none)")


def test_lab_14_uses_the_floating_ip_when_it_answers(solved, grade):
    check = by_key(grade(solved, "14"))["14.guest_sees_the_volume"]
    assert check.passed and check.note == ""
    assert not [c for c in solved.log if "netns" in c]


def test_without_a_router_lab_13_and_14_are_blocked_by_lab_9_even_when_checked_alone(
        solved, grade):
    router_without_vmnet(solved)
    solved.fip_ssh_error = "ssh: connect to host 172.16.4.224 port 22: Connection timed out"
    result = grade(solved, "13,14")  # lab 9 is not reported, but still decides
    assert [c.lab for c in result.checks] == [13] * 4 + [14] * 4
    check = by_key(result)["14.guest_sees_the_volume"]
    assert (check.status, check.blocked_by) == ("blocked", "13.instance_answers_ssh")
    assert "blocked by 09.router_joins_vmnet_to_the_outside (" in check.found
    assert "aimsrouter has no interface on vmnet-subnet" in check.found
    assert result.root_causes == []  # the cause is outside the labs checked


def test_the_snapshot_names_the_volumes_cinder_backend(solved):
    volume = solved.snapshot()["volumes"][0]
    assert (volume["host"], volume["backend"]) == ("cloud-controller@lvm#lvm", "lvm")
    solved.bodies["volumes"][0]["os-vol-host-attr:host"] = None  # a non-admin view
    assert solved.snapshot()["volumes"][0]["backend"] is None


def _rbd_host():
    from recorded_host import RecordedHost

    from stacklab.settings import load_settings

    state = RecordedHost(load_settings("container"))
    state.files["/etc/cinder/cinder.conf"] = (
        "[DEFAULT]\nenabled_backends = rbd\n[rbd]\n"
        "volume_driver = cinder.volume.drivers.rbd.RBDDriver\nrbd_pool = volumes\n")
    state.bodies["volumes"][0]["os-vol-host-attr:host"] = "cloud-controller@rbd#rbd-standin"
    state.lvs = []  # no device-mapper: LVM could not have made it
    state.kernel_modules = set()
    state.commands.discard("iscsiadm")
    return state


def test_lab_14_on_the_rbd_stand_in_says_which_backend_served(grade):
    state = _rbd_host()
    result = grade(state, "14", kind="container")
    checks = by_key(result)
    lv = checks["14.volume_is_a_logical_volume_of_the_group"]
    assert (lv.status, lv.points, lv.max) == ("not-verified", 0, 0)
    assert lv.found == ("not verified on this host: no device-mapper: the tutorial's LVM backend "
                        "cannot create a volume on this host; the rbd stand-in served lab 14")
    assert not [c for c in state.log if c.startswith("lvs")]  # nothing to look for
    served = "rbd stand-in: no device-mapper on this host (Cinder backend 'rbd' served the volume)"
    for key in ("14.volume_has_the_tutorial_size", "14.volume_is_attached_to_the_instance",
                "14.guest_sees_the_volume"):
        assert checks[key].passed and checks[key].note == served, key
    assert result.all_passed and result.passed == 3 and result.points == result.max_points


def test_the_rbd_stand_in_shows_in_every_report(grade):
    import json

    from stacklab import outputs
    from stacklab.grading.model import ClassReport

    result = grade(_rbd_host(), "7,8,14", kind="container")
    report = ClassReport(labs=[7, 8, 14], hosts=[result])
    table = outputs.formats()["table"].render(report)
    assert "note: rbd stand-in: no device-mapper on this host" in table
    closing = table.rstrip().rsplit("checks passed\n", 1)[1]
    assert closing.startswith("Not verified on this host (3, worth 0 of 0 points")
    for key in ("07.iscsi_target_runs", "08.iscsi_initiator_is_installed",
                "14.volume_is_a_logical_volume_of_the_group"):
        assert key in closing
    data = json.loads(outputs.formats()["json"].render(report))["hosts"][0]
    assert len(data["not_verified"]) == 3
    notes = {c["id"]: c["note"] for c in data["checks"] if c["note"]}
    assert set(notes) == {"cinder_uses_the_volume_backend", "volume_has_the_tutorial_size",
                          "volume_is_attached_to_the_instance", "guest_sees_the_volume"}
    html = outputs.formats()["html"].render(report)
    assert html.count('<span class="note">note: rbd stand-in: no device-mapper') == 4
    assert html.count('<td class="not-verified">○</td>') == 3


def test_the_target_check_follows_cinder_conf_not_a_literal_tgtadm(solved, grade):
    """lioadm (Cinder's default) is fine when LIO answers; tgt then need not run."""
    cinder_lioadm(solved)
    solved.commands.add("cinder-rtstool")
    solved.units["tgt"] = ("inactive", "not-found")
    check = by_key(grade(solved, "7"))["07.iscsi_target_runs"]
    assert check.passed, check.found
    assert any(c.endswith("cinder-rtstool get-targets'") for c in solved.log)
    assert not any("tgtadm" in c for c in solved.log)


def test_on_the_stand_in_the_tutorial_s_tgt_is_still_asked(grade):
    """No device-mapper: the rbd stand-in serves volumes, but the tutorial's [lvm] backend
    stays set up (not enabled) with target_helper = tgtadm; tgt runs in user space, so the
    host can show whether it answers (LIO, the kernel's target, could not be)."""
    from recorded_host import RecordedHost

    from stacklab.settings import load_settings

    state = _rbd_host()
    lvm = RecordedHost(load_settings()).files["/etc/cinder/cinder.conf"].split("[lvm]", 1)[1]
    state.files["/etc/cinder/cinder.conf"] += "[lvm]" + lvm
    check = by_key(grade(state, "7", kind="container"))["07.iscsi_target_runs"]
    assert check.passed and check.note == ("rbd stand-in: no device-mapper on this host: [lvm] "
                                           "is set up but not enabled"), check.found
    state.units["tgt"] = ("failed", "enabled")
    check = by_key(grade(state, "7", kind="container"))["07.iscsi_target_runs"]
    assert (check.status, check.found) == ("failed", "[lvm] target_helper = tgtadm, but tgt "
                                                     "is failed (enabled)")
    state.files["/etc/cinder/cinder.conf"] = state.files["/etc/cinder/cinder.conf"].replace(
        "target_helper = tgtadm", "target_helper = lioadm")
    check = by_key(grade(state, "7", kind="container"))["07.iscsi_target_runs"]
    assert check.status == "not-verified" and "no iSCSI" in check.found
