"""Lab 8, the compute host: tutorial §8 (nova-compute with QEMU, open-iscsi)."""

from stacklab.grading import check, expect, not_verified
from stacklab.grading.resources import kernel, services, system

INITIATOR_NAME = "/etc/iscsi/initiatorname.iscsi"


@check(points=2, title="nova-compute runs its guests with the host's virt_type",
       hint="[libvirt] virt_type = qemu (tutorial §6 --libvirt_type=qemu; Debian/Ubuntu keep "
            "it in /etc/nova/nova-compute.conf)")
def test_nova_compute_uses_qemu(host, settings):
    conf = services.nova_compute(host)
    expect(conf.present, found="neither nova.conf nor nova-compute.conf exists",
           hint="apt-get install nova-compute (lab 8)")
    virt = conf.get("libvirt", "virt_type") or "kvm (unset: the default)"
    expect(virt == settings.host.capabilities.virt_type,
           found=f"[libvirt] virt_type = {virt} (in {conf.where()})")


@check(points=2, title="libvirt runs",
       hint="apt-get install libvirt-daemon-system; systemctl enable --now libvirtd")
def test_libvirt_runs(host):
    states = {unit: system.service_state(host, unit)[0] for unit in ("libvirtd", "virtqemud")}
    expect("active" in states.values(),
           found=", ".join(f"{unit} is {state}" for unit, state in states.items()))


@check(points=1, title="nova-compute runs",
       hint="systemctl status nova-compute; its log is /var/log/nova/nova-compute.log")
def test_nova_compute_runs(host):
    active, _ = system.service_state(host, "nova-compute")
    expect(active == "active", found=system.describe_unit(host, "nova-compute"))


@check(points=2, title="the compute host is a hypervisor of the cloud, up and enabled",
       hint="nova-compute registers itself; then `nova-manage cell_v2 discover_hosts` maps it "
            "to the cell",
       needs=("05.admin_logs_in_to_keystone", "04.services_user_logs_in", "08.nova_compute_runs"))
def test_hypervisor_is_registered(cloud):
    hypervisors = cloud.items("hypervisors")
    expect([h for h in hypervisors if h["state"] == "up" and h["status"] == "enabled"],
           found="hypervisors: " + (", ".join(f"{h['name']} {h['state']}/{h['status']}"
                                             for h in hypervisors) or "none"))


@check(points=1, title="the iSCSI initiator (open-iscsi) is installed, with its name",
       hint="tutorial §8: apt-get install open-iscsi (it writes the initiator's name to "
            f"{INITIATOR_NAME})")
def test_iscsi_initiator_is_installed(host):
    if not kernel.iscsi(host):
        not_verified("no iSCSI: this kernel has no iSCSI initiator (iscsi_tcp), so nothing can "
                     "attach an iSCSI target here; the rbd stand-in serves volumes without it")
    expect(system.command_exists(host, "iscsiadm"), found="iscsiadm is not installed")
    name = system.read_as_root(host, INITIATOR_NAME) or ""
    expect("InitiatorName=iqn." in name, found=f"{INITIATOR_NAME} names no initiator")
