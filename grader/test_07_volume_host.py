"""Lab 7, the volume host: tutorial §7 (nova-volume then, Cinder with LVM now)."""

from stacklab.grading import check, expect, not_verified, note
from stacklab.grading.resources import iscsi, kernel, lvm, mysql, services

LVM_DRIVER = "cinder.volume.drivers.lvm.LVMVolumeDriver"
RBD_DRIVER = "cinder.volume.drivers.rbd.RBDDriver"
STAND_IN = "rbd stand-in: no device-mapper on this host"
NO_ISCSI = ("no iSCSI: this kernel has no iSCSI initiator (iscsi_tcp), so nothing can attach "
            "an iSCSI target here; the rbd stand-in serves volumes without it")


def _pvs_text(pvs):
    return ", ".join(f"{p['pv_name']} → {p['vg_name'] or 'no VG'}" for p in pvs) or "no PVs"


@check(points=3,
       title="the volume group {s.host.volume_disk.volume_group} lives on the second disk",
       hint="tutorial §7: `pvcreate {s.host.volume_disk.device}` then `vgcreate "
            "{s.host.volume_disk.volume_group} {s.host.volume_disk.device}`")
def test_volume_group_is_on_the_second_disk(host, settings):
    disk, vg = settings.host.volume_disk.device, settings.host.volume_disk.volume_group
    pvs, error = lvm.physical_volumes(host)
    expect(not error, found=f"pvs failed: {error}")
    mine = [p for p in pvs if p["vg_name"] == vg]
    expect(mine, found=f"no volume group {vg} (physical volumes: {_pvs_text(pvs)})")
    elsewhere = [p["pv_name"] for p in mine if not lvm.on_disk(p["pv_name"], disk)]
    expect(not elsewhere,
           found=f"{vg} is on {', '.join(elsewhere)}, not on {disk}",
           hint=f"the tutorial's volumes go on the second disk {disk}: `vgremove {vg}` (it "
                f"holds no volumes yet), then `pvcreate {disk}` and `vgcreate {vg} {disk}`")


@check(points=1, title="Cinder's database exists",
       hint="CREATE DATABASE cinder; and grant the cinder user on it")
def test_cinder_database_exists(host, settings):
    mysql.expect_databases(host, settings, "cinder")


@check(points=3,
       title="Cinder's volume backend is the tutorial's LVM on {s.host.volume_disk.volume_group}",
       hint="cinder.conf: enabled_backends = lvm, and [lvm] volume_driver = "
            f"{LVM_DRIVER}, volume_group = {{s.host.volume_disk.volume_group}}")
def test_cinder_uses_the_volume_backend(host, settings):
    conf = services.cinder(host)
    expect(conf.present, found=f"{services.CINDER} is missing",
           hint="apt-get install cinder-api cinder-scheduler cinder-volume (lab 7)")
    backends = conf.list("DEFAULT", "enabled_backends")
    expect(backends, found="[DEFAULT] enabled_backends is not set")
    drivers = {b: conf.get(b, "volume_driver") or "unset" for b in backends}
    if not kernel.device_mapper(host):
        # the stand-in for hosts without device-mapper (see ENVIRONMENT.md), named as such
        rbd = [b for b, d in drivers.items() if d == RBD_DRIVER and conf.get(b, "rbd_pool")]
        expect(rbd, found="this host's kernel has no device-mapper, so LVM cannot create "
                          "volumes: the RBD stand-in is expected; backends: "
                          + ", ".join(f"[{b}] {d}" for b, d in drivers.items()),
               hint=f"this host has no device-mapper: a backend with volume_driver = "
                    f"{RBD_DRIVER} and rbd_pool (the kit's stand-in for LVM)")
        note(STAND_IN)  # passed, but not on the tutorial's LVM backend
        return
    problems = []
    for name, driver in drivers.items():
        if driver != LVM_DRIVER:
            problems.append(f"[{name}] volume_driver = {driver}")
            continue
        group = conf.get(name, "volume_group")
        if group != settings.host.volume_disk.volume_group:
            problems.append(f"[{name}] volume_group = {group or 'unset'}")
        else:
            return  # which iSCSI target it exports with is the next check's question
    expect(False, found="; ".join(problems))


@check(points=1, title="the iSCSI target cinder.conf names (target_helper) runs and answers",
       hint="tutorial §7 (--iscsi_helper=tgtadm): target_helper = tgtadm in the LVM backend's "
            "section, apt-get install tgt, systemctl enable --now tgt, and `sudo tgtadm --lld "
            "iscsi --mode target --op show` answers; for target_helper = lioadm (Cinder's "
            "default): the kernel's LIO target and `sudo cinder-rtstool get-targets`",
       needs=("07.cinder_uses_the_volume_backend",))
def test_iscsi_target_runs(host):
    conf = services.cinder(host)
    lvm = [b for b in conf.sections() if conf.get(b, "volume_driver") == LVM_DRIVER]
    sections = [b for b in conf.list("DEFAULT", "enabled_backends") if b in lvm]
    stand_in = not sections and not kernel.device_mapper(host)
    if stand_in:  # the rbd stand-in serves volumes; the tutorial's [lvm] may still be set up
        if not lvm:
            not_verified("no device-mapper: the rbd stand-in serves volumes, and cinder.conf "
                         "has no LVM backend whose iSCSI target could be asked")
        sections = lvm
    expect(sections, found="no LVM backend in cinder.conf: nothing to export over iSCSI")
    for section in sections:
        configured = conf.get(section, "target_helper") or conf.get(section, "iscsi_helper")
        helper = configured or iscsi.DEFAULT_HELPER
        named = f"[{section}] target_helper = {configured or f'unset ({helper}, the default)'}"
        expect(helper in iscsi.HELPERS,
               found=f"{named}: the kit knows tgtadm (the tutorial's tgt) and lioadm (LIO)")
        if helper == "lioadm" and not kernel.iscsi(host):
            not_verified(NO_ISCSI)  # LIO is the kernel's own target (tgt runs in user space)
        target = iscsi.target(host, helper)
        expect(target.ok, found=f"{named}, but {target.detail}")
    if stand_in:
        note(f"{STAND_IN}: [{', '.join(sections)}] is set up but not enabled")
