"""Lab 14, volumes: tutorial §14 (euca-create-volume, euca-attach-volume)."""

from stacklab.grading import check, expect
from stacklab.grading.resources import guest


def _volume(cloud, settings):
    vol = settings.volume
    project = cloud.project_id(settings.identity.project)
    mine = [v for v in cloud.items("volumes") if v["project_id"] == project]
    mine.sort(key=lambda v: (v["name"] != vol.name, v["status"] != "in-use"))
    expect(mine, found=f"project {settings.identity.project} has no volume")
    return mine[0]


@check(points=2, title="the volume has the tutorial's size and zone",
       hint="tutorial §14 `euca-create-volume -s 1 -z nova`: openstack volume create --size "
            "{s.volume.size_gb} --availability-zone {s.volume.zone} {s.volume.name}")
def test_volume_has_the_tutorial_size(cloud, settings):
    volume = _volume(cloud, settings)
    expect((volume["size"], volume["zone"]) == (settings.volume.size_gb, settings.volume.zone),
           found=f"{volume['name']}: {volume['size']} GB in zone {volume['zone']}")


@check(points=3, title="the volume is in-use, attached to the instance",
       hint="tutorial §14 `euca-attach-volume … -d {s.volume.device}`: openstack server add volume "
            "{s.instance.name} {s.volume.name}; a volume in 'error' could not be created "
            "(cinder-volume's log says why)")
def test_volume_is_attached_to_the_instance(cloud, settings):
    volume = _volume(cloud, settings)
    server = cloud.require_instance()
    attached = [a["server_id"] for a in volume["attachments"]]
    expect(volume["status"] == "in-use" and server["id"] in attached,
           found=f"{volume['name']} is {volume['status']}"
                 + (f", attached to {', '.join(attached)}" if attached else ", not attached")
                 + f" (the instance is {server['name']} {server['id']})")


@check(points=3, title="inside the instance the volume is {s.volume.device}",
       hint="log in (ssh -i ~/{s.instance.private_key} <login user>@"
            "{s.network.floating.first_ip}) and look at /proc/partitions; the volume must be "
            "the instance's second disk",
       success="the tutorial is done: the volume is the instance's {s.volume.device}")
def test_guest_sees_the_volume(host, cloud, settings):
    volume = _volume(cloud, settings)
    answer = guest.partitions(host, str(settings.network.floating.first_ip),
                              guest.login_user(settings), settings.instance.private_key)
    expect(answer.ok, found=f"cannot log in to the instance: {answer.detail}",
           hint="lab 13 first: the instance must answer ssh on its floating IP")
    devices = guest.block_devices(answer.detail)
    expect(settings.volume.device in devices,
           found="the instance's disks: " + (", ".join(devices) or "none"))
    reported = [a["device"] for a in volume["attachments"] if a["device"]]
    expect(not reported or settings.volume.device in reported,
           found=f"Nova attached {volume['name']} as {', '.join(reported)}")
