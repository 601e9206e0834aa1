"""Broken lab hosts: a learner's (or an administrator's) mistake, the checks it must turn
red (no more, no fewer, once the host is stable), and the lab whose `solve` repairs it.

Three kinds, invented from the tutorial: something missing (a service stopped, an address
not associated), something wrong (a value, a state, a device), something extra in the way
(an object of the same kind holding the tutorial's place). Each script runs on a solved
lab host as its SSH user. The values come from the settings, as the graders' do.
"""

from __future__ import annotations

from dataclasses import dataclass

from stacklab.settings import load_settings
from stacklab.solve.profile import load_profile

S = load_settings("container")
MYSQL_CONF = load_profile(S.host.os).paths["mysql_conf"]
NOVA_COMPUTE_CONF = load_profile(S.host.os).paths["nova_compute_conf"]
VG, DISK = S.host.volume_disk.volume_group, S.host.volume_disk.device
FIP, VM, VOLUME = S.network.floating.first_ip, S.instance.name, S.volume.name
PROJECT = f"set -a; . ~/{S.identity.rc_file}; set +a; "
ADMIN = "set -a; . ~/admin-openrc; set +a; "
WRONG_DISK = "/var/tmp/stacklab-e2e-wrong-disk"
# another address of the floating pool (the tutorial's is the first; the router's the last)
OTHER_FIP = str(S.floating_pool.start + 1)
OTHER_VOLUME = "stacklab-e2e-other"
OTHER_VG = "stacklab-e2e-other"
OTHER_PORT = "stacklab-e2e-other"
# an option file MariaDB reads after the kit's (each folder's *.cnf in name order)
LATER_CNF = MYSQL_CONF.rsplit("/", 1)[0] + "/99-zz-mine.cnf"


@dataclass(frozen=True)
class Breakage:
    name: str
    kind: str  # missing | wrong | extra (in the way)
    script: str  # makes the mistake
    red: frozenset[str]  # exactly these checks fail afterwards
    repaired_by: int  # `stacklab solve --only N` puts it right
    cleanup: str = ""  # what the repair leaves behind that is not the lab's (test props)
    settle: float = 240  # seconds the red may take to settle
    quiet: float = 20  # the red set unchanged this long = stable (a service's report interval)
    repair_args: tuple[str, ...] = ()  # e.g. --yes: the repair takes something away
    stops_with: str = ""  # solve must stop with this line (it may not destroy data) ...
    by_hand: str = ""  # ... then this, what the line says to do, and solve again repairs

    @property
    def labs(self) -> str:
        """The labs judged: from the first one the case touches to 14 (a later lab's
        object cannot turn an earlier lab red; judging fewer labs keeps the suite short)."""
        first = min([self.repaired_by, *(int(k[:2]) for k in self.red)])
        return f"{first}-14" if first < 14 else "14"


def _red(*keys: str) -> frozenset[str]:
    return frozenset(keys)


BREAKAGES = (
    Breakage(
        "mysql-bound-to-loopback", "wrong",
        f"sudo crudini --set {MYSQL_CONF} mysqld bind-address 127.0.0.1 && "
        "sudo systemctl restart mariadb",
        _red("03.mariadb_listens_on_all_addresses", "03.root_logs_in_from_the_lab_network"),
        repaired_by=3),
    Breakage(
        "rabbitmq-stopped", "missing",
        "sudo systemctl stop rabbitmq-server",
        _red("04.rabbitmq_is_running", "04.rabbitmq_listens_on_amqp_port",
             "04.services_user_logs_in", "06.nova_reaches_rabbitmq"),
        repaired_by=4),
    Breakage(
        "volume-group-on-the-wrong-disk", "wrong",
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
        settle=90),
    Breakage(
        "nova-compute-stopped", "missing",
        "sudo systemctl stop nova-compute",
        _red("08.nova_compute_runs", "08.hypervisor_is_registered", "09.every_service_smiles"),
        repaired_by=8, quiet=75),  # nova marks a service down 60 s after its last report
    Breakage(
        "instance-stopped", "wrong",
        PROJECT + f"openstack server stop {VM} && until openstack server show {VM} -f value "
        "-c status | grep -qx SHUTOFF; do sleep 1; done",
        _red("12.instance_is_active_as_the_tutorial_says", "13.instance_answers_ping",
             "13.instance_answers_ssh", "14.guest_sees_the_volume"),
        repaired_by=12),
    Breakage(
        "floating-ip-not-associated", "missing",
        PROJECT + f"openstack server remove floating ip {VM} {FIP}",
        _red("13.floating_ip_is_associated_with_the_instance", "13.instance_answers_ping",
             "13.instance_answers_ssh"),
        repaired_by=13),
    Breakage(
        "volume-detached", "missing",
        PROJECT + f"openstack server remove volume {VM} {VOLUME} && "
        f"until openstack volume show {VOLUME} -f value -c status | grep -qx available; "
        "do sleep 1; done",
        _red("14.volume_is_attached_to_the_instance", "14.guest_sees_the_volume"),
        repaired_by=14),
    # the four cases of catching up (issue 15): each a state `solve` once left red
    Breakage(
        "compute-service-disabled", "wrong",
        ADMIN + f"openstack compute service set --disable {S.host.name} nova-compute",
        _red("08.hypervisor_is_registered", "09.every_service_smiles"),
        repaired_by=8),
    Breakage(
        "another-floating-ip-on-the-instance", "extra",
        PROJECT + f"""set -e
        openstack server remove floating ip {VM} {FIP}
        openstack floating ip create --floating-ip-address {OTHER_FIP} {S.network.floating.network}
        openstack server add floating ip {VM} {OTHER_FIP}""",
        _red("13.floating_ip_is_associated_with_the_instance", "13.instance_answers_ping",
             "13.instance_answers_ssh"),
        repaired_by=13,
        cleanup=PROJECT + f"openstack floating ip delete {OTHER_FIP}"),
    Breakage(
        "another-volume-at-the-tutorials-device", "extra",
        PROJECT + f"""set -e
        wait_status() {{
          until openstack volume show "$1" -f value -c status | grep -qx "$2"; do sleep 1; done
        }}
        openstack server remove volume {VM} {VOLUME}
        wait_status {VOLUME} available
        openstack volume create --size 1 --availability-zone {S.volume.zone} {OTHER_VOLUME}
        wait_status {OTHER_VOLUME} available
        openstack server add volume {VM} {OTHER_VOLUME}
        wait_status {OTHER_VOLUME} in-use
        openstack server add volume {VM} {VOLUME}
        wait_status {VOLUME} in-use""",
        _red("14.guest_sees_the_volume"),
        repaired_by=14, repair_args=("--yes",),
        cleanup=PROJECT + f"""
        until openstack volume show {OTHER_VOLUME} -f value -c status | grep -qx available
        do sleep 1; done
        openstack volume delete {OTHER_VOLUME}"""),
    Breakage(
        "volume-group-elsewhere-and-another-on-the-disk", "extra",
        f"""set -e
        sudo truncate -s 256M {WRONG_DISK}.img
        dev=$(sudo losetup -f 2>/dev/null | awk '{{print $1}}')
        [ -b "$dev" ] || sudo mknod "$dev" b 7 "${{dev#/dev/loop}}"
        sudo losetup "$dev" {WRONG_DISK}.img
        echo "$dev" | sudo tee {WRONG_DISK}.dev
        sudo vgremove -f {VG}
        sudo pvcreate -f "$dev"
        sudo vgcreate {VG} "$dev"
        sudo vgcreate {OTHER_VG} {DISK}
        """,
        _red("07.volume_group_is_on_the_second_disk"),
        repaired_by=7, repair_args=("--yes",),
        cleanup=f"""dev=$(cat {WRONG_DISK}.dev)
        sudo pvremove -f "$dev"; sudo losetup -d "$dev"; sudo rm -f "$dev" {WRONG_DISK}.*""",
        settle=60),
    # more of each kind, from the tutorial's sections 6, 9 and 10
    Breakage(
        "nova-my-ip-is-another-address", "wrong",
        f"sudo crudini --set /etc/nova/nova.conf DEFAULT my_ip {OTHER_FIP}",
        _red("06.nova_my_ip_is_the_lab_address"),
        repaired_by=6),
    Breakage(
        "volume-service-disabled", "wrong",
        ADMIN + "host=$(openstack volume service list --service cinder-volume -f value -c Host)"
        " && openstack volume service set --disable \"$host\" cinder-volume",
        _red("09.every_service_smiles"),
        repaired_by=9),
    Breakage(
        "rc-file-names-another-project", "wrong",
        f"sed -i 's/^export OS_PROJECT_NAME=.*/export OS_PROJECT_NAME=admin/' "
        f"~/{S.identity.rc_file}",
        _red("10.rc_file_is_in_place"),
        repaired_by=10),
    # every lab, three kinds (issue 15): the cheap-to-repair mistakes of labs with none yet
    Breakage(
        "root-grant-from-anywhere-dropped", "missing",
        "sudo mysql -e \"DROP USER IF EXISTS 'root'@'%'\"",
        _red("03.root_is_granted_from_anywhere", "03.root_logs_in_from_the_lab_network"),
        repaired_by=3),
    Breakage(
        "host-name-on-a-loopback-line-first", "extra",
        # Debian's own default: the name on 127.0.1.1, read before the lab address
        f"sudo sed -i '1i 127.0.1.1 {S.host.name}' /etc/hosts",
        _red("04.host_name_resolves_to_the_lab_address"),
        repaired_by=4),
    Breakage(
        "glance-endpoints-deleted", "missing",
        ADMIN + "openstack endpoint list --service image -f value -c ID"
        # one per call: openstackclient 2025.1 deleting several in one call failed on one
        # ("Resource.get() takes 1 positional argument but 2 were given")
        " | xargs -r -n1 openstack endpoint delete",
        # the Image API is asked through the catalog: every check that lists images waits
        _red("05.glance_endpoint_is_registered", "05.image_api_answers", "06.nova_finds_glance",
             "11.image_is_active", "11.image_is_usable_by_the_project",
             "11.image_data_is_in_the_file_store", "12.instance_is_active_as_the_tutorial_says"),
        repaired_by=5),
    Breakage(
        "nova-user-without-the-service-role", "missing",
        ADMIN + "openstack role remove --project service --user nova service",
        _red("06.nova_user_holds_the_service_role"),
        repaired_by=6),
    Breakage(
        "l3-agent-stopped", "missing",
        "sudo systemctl stop neutron-l3-agent",
        _red("09.every_service_smiles"),
        repaired_by=9, quiet=90),  # neutron marks an agent down 75 s after its last report
    Breakage(
        "user-without-the-role", "missing",
        ADMIN + f"openstack role remove --project {S.identity.project} "
        f"--user {S.identity.user} {S.identity.role}",
        # what the user does in the project waits for the login (blocked, naming it)
        _red("10.user_has_the_role_on_the_project", "10.user_logs_in", "10.rc_file_is_in_place",
             "12.keypair_exists", "12.private_key_matches_the_keypair"),
        repaired_by=10),
    Breakage(
        "image-deactivated", "wrong",
        ADMIN + f"openstack image set --deactivate {S.image.name}",
        _red("11.image_is_active"),
        repaired_by=11),
    Breakage(
        "keypair-deleted", "missing",
        PROJECT + f"openstack keypair delete {S.instance.keypair}",
        _red("12.keypair_exists", "12.private_key_matches_the_keypair"),
        repaired_by=12),
    Breakage(
        "ssh-rule-removed", "missing",
        # the project's own group: its user, an admin, sees every project's "default"
        PROJECT + f"openstack security group rule list {S.project_security_group} "
        "--protocol tcp --ingress -f value -c ID -c 'Port Range'"
        " | awk '$2 ~ /^22:22$/ {print $1}' | xargs -r openstack security group rule delete",
        _red("13.security_group_allows_ssh_and_ping", "13.instance_answers_ssh",
             "14.guest_sees_the_volume"),
        repaired_by=13),
    Breakage(
        "image-uploaded-twice", "extra",
        # the same files uploaded again under the tutorial's name, as a learner repeating §11
        PROJECT + f"""set -e
        kernel=$(openstack image show {S.image.name}-kernel -f value -c id)
        ramdisk=$(openstack image show {S.image.name}-ramdisk -f value -c id)
        openstack image create --public --disk-format ami --container-format ami \\
          --property kernel_id=$kernel --property ramdisk_id=$ramdisk \\
          --file {S.image.offline.disk} {S.image.name} >/dev/null""",
        _red("11.image_is_active"),
        repaired_by=11),
    # catching up converges (issue 15): a later file, a wrong URL, a name used twice, a
    # part deleted (each red set seen on a real host; an empty one: no check sees it, the
    # repair must still change something)
    Breakage(
        "mariadb-bind-address-in-a-later-file", "extra",  # a later file holds the place
        # read after the kit's 99-openstack.cnf (name order), so its bind-address wins
        f"printf '[mysqld]\\nbind-address = 127.0.0.1\\n' | sudo tee {LATER_CNF} >/dev/null && "
        "sudo systemctl restart mariadb",
        # as mysql-bound-to-loopback: the services reach MariaDB on loopback (db_host)
        _red("03.mariadb_listens_on_all_addresses", "03.root_logs_in_from_the_lab_network"),
        repaired_by=3,
        cleanup=f"sudo rm -f {LATER_CNF}"),  # the repair comments the line out, keeps the file
    Breakage(
        "glance-endpoint-on-a-wrong-port", "wrong",
        ADMIN + f"id=$(openstack endpoint list --service image --interface public --region "
        f"{S.openstack.region} -f value -c ID) && "
        f"openstack endpoint set --url http://{S.host.name}:9393 \"$id\"",
        # the snapshot lists images through the public endpoint (refused: an answer); nova
        # finds Glance through the catalog's internal one, so 06.nova_finds_glance stays green
        _red("05.glance_endpoint_is_registered", "05.image_api_answers", "11.image_is_active",
             "11.image_is_usable_by_the_project", "11.image_data_is_in_the_file_store",
             "12.instance_is_active_as_the_tutorial_says"),
        repaired_by=5),
    Breakage(
        "glance-service-created-twice", "extra",
        # `openstack service create` repeated: an empty second 'glance' (image)
        ADMIN + "openstack service create --name glance --description 'OpenStack Image' image",
        # no check sees it (the catalog's image endpoints are the same); it is in the way of
        # `openstack endpoint list --service glance` (two matches) and of solve
        _red(),
        repaired_by=5),
    Breakage(
        "network-created-twice", "extra",
        ADMIN + f"openstack network create --share {S.network.fixed.name}",
        # in the way of `--network {S.network.fixed.name}` (two matches) and of solve
        _red("09.vmnet_has_its_subnet"),
        repaired_by=9),
    Breakage(
        "kernel-image-deleted", "missing",
        PROJECT + f"openstack image delete {S.image.name}-kernel",
        # the image names a kernel that is gone; the instance keeps its own copy and runs
        _red("11.image_is_active"),
        repaired_by=11),
    # the rest of the lab x kind table (issue 15): one case for each cell that had none
    Breakage(
        "rabbitmq-password-from-the-install-guide", "wrong",
        # the install guide's placeholder typed in place of the settings' password
        f"sudo rabbitmqctl change_password {S.rabbitmq.user} RABBIT_PASS >/dev/null",
        # nova's own connection, made before, stays up: its check is blocked by the login
        _red("04.services_user_logs_in", "06.nova_reaches_rabbitmq"),
        repaired_by=4),
    Breakage(
        "nova-endpoint-created-twice", "extra",
        ADMIN + "url=$(openstack endpoint list --service compute --interface public -f value "
        "-c URL) && openstack endpoint create --region "
        f"{S.openstack.region} compute public \"$url\" >/dev/null",
        _red(),  # the same URL twice: no check sees it; it is in the way of solve's lookups
        repaired_by=6),
    Breakage(
        "volume-group-removed", "missing",
        f"sudo vgremove -f {VG} >/dev/null",
        _red("07.volume_group_is_on_the_second_disk"),
        repaired_by=7),
    Breakage(
        "rc-file-with-another-projects-id", "extra",
        # an OS_PROJECT_ID line beside the name: the id wins, the token is the admin project's
        ADMIN + "id=$(openstack project show admin -f value -c id) && "
        f"echo \"export OS_PROJECT_ID=$id\" >> ~/{S.identity.rc_file}",
        _red("10.rc_file_is_in_place"),
        repaired_by=10),
    Breakage(
        "failed-launch-left-beside-the-instance", "extra",
        # a second launch of the instance's name that ends in ERROR (no such compute host)
        PROJECT + f"""set -e
        openstack server create --flavor {S.instance.flavor} --image {S.image.name} \\
          --network {S.network.fixed.name} --availability-zone nova:no-such-host {VM} \\
          >/dev/null || true
        for i in $(seq 90); do
          openstack server list --name '^{VM}$' --status ERROR -f value -c ID | grep -q . &&
            exit 0
          sleep 2
        done
        echo "no {VM} in ERROR after 180 s" >&2; exit 1""",
        _red(),
        repaired_by=12),
    Breakage(
        "floating-ip-on-another-port", "wrong",
        PROJECT + f"""set -e
        openstack server remove floating ip {VM} {FIP}
        port=$(openstack port create --network {S.network.fixed.name} {OTHER_PORT} -f value -c id)
        openstack floating ip set --port "$port" {FIP}""",
        # (lab 14's guest check stays green: only the rule's removal blocks it)
        _red("13.floating_ip_is_associated_with_the_instance", "13.instance_answers_ping",
             "13.instance_answers_ssh"),
        repaired_by=13,
        cleanup=PROJECT + f"openstack port delete {OTHER_PORT}"),
    Breakage(
        "volume-of-another-size", "wrong",
        # aims-vol1 made again at 2 GB and attached: it may hold data, solve must not wipe it
        PROJECT + f"""set -e
        wait_status() {{
          until openstack volume show "$1" -f value -c status | grep -qx "$2"; do sleep 1; done
        }}
        openstack server remove volume {VM} {VOLUME}
        wait_status {VOLUME} available
        openstack volume delete {VOLUME}
        while openstack volume show {VOLUME} >/dev/null 2>&1; do sleep 1; done
        openstack volume create --size 2 --availability-zone {S.volume.zone} {VOLUME} >/dev/null
        wait_status {VOLUME} available
        openstack server add volume {VM} {VOLUME}
        wait_status {VOLUME} in-use""",
        _red("14.volume_has_the_tutorial_size"),
        repaired_by=14,
        stops_with=f"left alone: {VOLUME} is 2 GB",
        by_hand=PROJECT + f"""set -e
        openstack server remove volume {VM} {VOLUME}
        until openstack volume show {VOLUME} -f value -c status | grep -qx available
        do sleep 1; done
        openstack volume delete {VOLUME}
        while openstack volume show {VOLUME} >/dev/null 2>&1; do sleep 1; done"""),
    Breakage(
        "virt-type-in-a-second-libvirt-section", "extra",
        # a second [libvirt] section after the kit's: its value is the one nova reads
        f"printf '\\n[libvirt]\\nvirt_type = kvm\\n' | sudo tee -a {NOVA_COMPUTE_CONF} >/dev/null",
        _red("08.nova_compute_uses_qemu"),
        repaired_by=8),
)
