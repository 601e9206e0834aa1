"""Broken lab hosts: for each of the kit's core checks, a learner's mistake, the checks it
must turn red (no more, no fewer), and the lab whose `solve` repairs it.

Each script runs on a solved lab host as its SSH user. The values come from the settings,
as the graders' do.
"""

from __future__ import annotations

from dataclasses import dataclass

from stacklab.settings import load_settings
from stacklab.solve.profile import load_profile

S = load_settings("container")
MYSQL_CONF = load_profile(S.host.os).paths["mysql_conf"]
VG, DISK = S.host.volume_disk.volume_group, S.host.volume_disk.device
FIP, VM, VOLUME = S.network.floating.first_ip, S.instance.name, S.volume.name
PROJECT = f"set -a; . ~/{S.identity.rc_file}; set +a; "
WRONG_DISK = "/var/tmp/stacklab-e2e-wrong-disk"


@dataclass(frozen=True)
class Breakage:
    name: str
    script: str  # makes the mistake
    red: frozenset[str]  # exactly these checks fail afterwards
    repaired_by: int  # `stacklab solve --only N` puts it right
    cleanup: str = ""  # what the repair leaves behind that is not the lab's (test props)
    settle: float = 240  # seconds the red may take to show (a service reports 'down' late)


def _red(*keys: str) -> frozenset[str]:
    return frozenset(keys)


BREAKAGES = (
    Breakage(
        "mysql-bound-to-loopback",
        f"sudo crudini --set {MYSQL_CONF} mysqld bind-address 127.0.0.1 && "
        "sudo systemctl restart mariadb",
        _red("03.mariadb_listens_on_all_addresses", "03.root_logs_in_from_the_lab_network"),
        repaired_by=3),
    Breakage(
        "rabbitmq-stopped",
        "sudo systemctl stop rabbitmq-server",
        _red("04.rabbitmq_is_running", "04.rabbitmq_listens_on_amqp_port",
             "04.services_user_logs_in"),
        repaired_by=4),
    Breakage(
        "volume-group-on-the-wrong-disk",
        # a loop device inside the container: no udev here, so its node is made by hand
        f"""set -e
        sudo truncate -s 256M {WRONG_DISK}.img
        dev=$(sudo losetup -f 2>/dev/null | awk '{{print $1}}')  # "/dev/loopN (lost)"
        [ -b "$dev" ] || sudo mknod "$dev" b 7 "${{dev#/dev/loop}}"
        sudo losetup "$dev" {WRONG_DISK}.img
        echo "$dev" | sudo tee {WRONG_DISK}.dev
        sudo vgremove -f {VG}
        sudo pvremove -f {DISK}
        sudo pvcreate -f "$dev"
        sudo vgcreate {VG} "$dev"
        """,
        _red("07.volume_group_is_on_the_second_disk"),
        repaired_by=7,
        cleanup=f"""dev=$(cat {WRONG_DISK}.dev)
        sudo pvremove -f "$dev"; sudo losetup -d "$dev"; sudo rm -f "$dev" {WRONG_DISK}.*""",
        settle=30),
    Breakage(
        "nova-compute-stopped",
        "sudo systemctl stop nova-compute",
        _red("08.nova_compute_runs", "08.hypervisor_is_registered", "09.every_service_smiles"),
        repaired_by=8),
    Breakage(
        "instance-stopped",
        PROJECT + f"openstack server stop {VM} && until openstack server show {VM} -f value "
        "-c status | grep -qx SHUTOFF; do sleep 1; done",
        _red("12.instance_is_active_as_the_tutorial_says", "13.instance_answers_ping",
             "13.instance_answers_ssh", "14.guest_sees_the_volume"),
        repaired_by=12),
    Breakage(
        "floating-ip-not-associated",
        PROJECT + f"openstack server remove floating ip {VM} {FIP}",
        _red("13.floating_ip_is_associated_with_the_instance", "13.instance_answers_ping",
             "13.instance_answers_ssh"),
        repaired_by=13),
    Breakage(
        "volume-detached",
        PROJECT + f"openstack server remove volume {VM} {VOLUME} && "
        f"until openstack volume show {VOLUME} -f value -c status | grep -qx available; "
        "do sleep 1; done",
        _red("14.volume_is_attached_to_the_instance", "14.guest_sees_the_volume"),
        repaired_by=14),
)
