"""Lab 14, volumes: tutorial §14 (euca-create-volume, euca-attach-volume)."""

from stacklab.grading import check, expect, not_verified, note
from stacklab.grading.resources import guest, kernel, lvm

STAND_IN = "rbd stand-in: no device-mapper on this host"


def _volume(cloud, settings):
    vol = settings.volume
    project = cloud.project_id(settings.identity.project)
    mine = [v for v in cloud.items("volumes") if v["project_id"] == project]
    mine.sort(key=lambda v: (v["name"] != vol.name, v["status"] != "in-use"))
    expect(mine, found=f"project {settings.identity.project} has no volume")
    return mine[0]


def _say_which_backend(host, volume) -> None:
    """A passing check on the stand-in says so, never passing for the tutorial's LVM."""
    if not kernel.device_mapper(host):  # the host says so, not the settings
        backend = volume.get("backend")
        note(STAND_IN + (f" (Cinder backend '{backend}' served the volume)" if backend else ""))


@check(points=2, title="the volume has the tutorial's size and zone",
       hint="tutorial §14 `euca-create-volume -s 1 -z nova`: openstack volume create --size "
            "{s.volume.size_gb} --availability-zone {s.volume.zone} {s.volume.name}",
       needs=("05.admin_logs_in_to_keystone", "10.project_exists"))
def test_volume_has_the_tutorial_size(host, cloud, settings):
    volume = _volume(cloud, settings)
    expect((volume["size"], volume["zone"]) == (settings.volume.size_gb, settings.volume.zone),
           found=f"{volume['name']}: {volume['size']} GB in zone {volume['zone']}")
    _say_which_backend(host, volume)


@check(points=2, title="the volume is a logical volume in {s.host.volume_disk.volume_group}",
       hint="cinder-volume's LVM driver creates each volume as the logical volume "
            "volume-<volume id> in {s.host.volume_disk.volume_group}: if it is missing, the "
            "volume did not come from the tutorial's [lvm] backend (`sudo lvs "
            "{s.host.volume_disk.volume_group}`; /var/log/cinder/cinder-volume.log says why)",
       needs=("14.volume_has_the_tutorial_size",
              "07.volume_group_is_on_the_second_disk",
              "07.cinder_uses_the_volume_backend"))
def test_volume_is_a_logical_volume_of_the_group(host, cloud, settings):
    if not kernel.device_mapper(host):
        not_verified("no device-mapper: the tutorial's LVM backend cannot create a volume on "
                     "this host; the rbd stand-in served lab 14")
    volume = _volume(cloud, settings)
    group = settings.host.volume_disk.volume_group
    lvs, error = lvm.logical_volumes(host)
    expect(not error, found=f"lvs failed: {error}")
    name = f"volume-{volume['id']}"
    in_group = [lv["lv_name"] for lv in lvs if lv["vg_name"] == group]
    served = f"; Cinder put it on {volume['host']}" if volume.get("host") else ""
    expect(name in in_group,
           found=f"{volume['name']} is not a logical volume in {group}: no {name} ({group} "
                 f"holds {', '.join(in_group) or 'no logical volume'}){served}")


@check(points=3, title="the volume is in-use, attached to the instance",
       hint="tutorial §14 `euca-attach-volume … -d {s.volume.device}`: openstack server add volume "
            "{s.instance.name} {s.volume.name}; a volume in 'error' could not be created "
            "(cinder-volume's log says why)",
       needs=("14.volume_has_the_tutorial_size", "12.instance_is_active_as_the_tutorial_says"))
def test_volume_is_attached_to_the_instance(host, cloud, settings):
    volume = _volume(cloud, settings)
    server = cloud.require_instance()
    attached = [a["server_id"] for a in volume["attachments"]]
    expect(volume["status"] == "in-use" and server["id"] in attached,
           found=f"{volume['name']} is {volume['status']}"
                 + (f", attached to {', '.join(attached)}" if attached else ", not attached")
                 + f" (the instance is {server['name']} {server['id']})")
    _say_which_backend(host, volume)


@check(points=3, title="inside the instance the volume is {s.volume.device}",
       hint="log in (ssh -i ~/{s.instance.private_key} <login user>@"
            "{s.network.floating.first_ip}, or without the floating IP `sudo ip netns exec "
            "qrouter-<router id> ssh … <fixed address>`) and look at /proc/partitions; the "
            "volume must be the instance's second disk",
       success="the tutorial is done: the volume is the instance's {s.volume.device}",
       needs=("14.volume_is_attached_to_the_instance", "13.instance_answers_ssh"))
def test_guest_sees_the_volume(host, cloud, settings):
    volume = _volume(cloud, settings)
    # not through lab 13: the router's namespace reaches the instance without a floating IP
    route = guest.route_to(host, cloud, settings)
    answer = guest.partitions(host, route.address, settings.login_user,
                              settings.instance.private_key, route.namespace)
    expect(answer.ok,
           found=f"cannot log in to the instance on {route}"
                 + (f" ({route.why})" if route.why else "") + f": {answer.detail}",
           hint="lab 13 first: the instance must answer ssh with the saved key (on its "
                "floating IP, or on its fixed address from the router's namespace: `sudo ip "
                "netns exec qrouter-<router id> ssh …`)")
    devices = guest.block_devices(answer.detail)
    expect(settings.volume.device in devices,
           found="the instance's disks: " + (", ".join(devices) or "none"))
    reported = [a["device"] for a in volume["attachments"] if a["device"]]
    expect(not reported or settings.volume.device in reported,
           found=f"Nova attached {volume['name']} as {', '.join(reported)}")
    if route.namespace:  # say so: lab 13's floating IP did not carry this check
        note(f"reached on {route} ({route.why})")
    _say_which_backend(host, volume)
