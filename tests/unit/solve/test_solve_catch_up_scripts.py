"""Labs 13 and 14 catch up from a learner's mistakes: their steps' scripts run by bash
against a fake `openstack` that behaves as the real one does where it matters (a fixed
address holds one floating IP: a second association is a 409; libvirt attaches a volume
at the first free device, whatever device was asked for).

Each test leaves the fake cloud in a state a learner can leave behind, then runs the step
as `stacklab solve` would: the check (red), what it would ask, the commands, the check
(green), and the commands a second time (nothing more changes).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from catch_up_harness import bash, converge, install_fake, step_of

from stacklab.solve.catalog import lab_solution

FAKE_OPENSTACK = r'''
import json, os, sys
path = os.environ["FAKE_CLOUD"] + "/cloud.json"
cloud = json.load(open(path))
argv = sys.argv[1:]
VALUED = {"-f", "-c", "--device", "--port", "--size", "--availability-zone", "--service"}
words = [a for i, a in enumerate(argv)
         if not a.startswith("-") and (i == 0 or argv[i - 1] not in VALUED)]

def opt(name):
    return argv[argv.index(name) + 1] if name in argv else None

def columns():
    return [argv[i + 1] for i, a in enumerate(argv) if a == "-c"]

def save(what):
    json.dump(cloud, open(path, "w"))
    open(os.environ["FAKE_CLOUD"] + "/log", "a").write(what + "\n")

def volume(ref):
    return next((v for v in cloud["volumes"] if ref in (v["id"], v["name"])), None)

def fip(ref):
    return next((f for f in cloud["fips"] if ref in (f["id"], f["address"])), None)

def attached(server):
    return sorted((v["device"], v["id"]) for v in cloud["volumes"] if v["server"] == server)

def show(obj, names):
    if "shell" in argv:
        print("".join(f'{n}="{obj[n]}"\n' for n in sorted(names)), end="")
    else:
        print("".join(f"{obj[n]}\n" for n in names), end="")

vm = cloud["server"]
# words: what the command is ('server', 'volume', 'list', ...) and its arguments
if words[:2] == ["server", "show"] and opt("-f") != "json":
    show({"id": vm["id"]}, columns())
elif words[:3] == ["server", "volume", "list"]:
    for device, vid in attached(vm["name"]):
        print(f"{device} {vid}" if "Volume ID" in columns() else device)
elif words[:3] == ["server", "remove", "volume"]:
    v = volume(words[4])
    v.update(server=None, device=None, status="available"); save(f"detach {v['name']}")
elif words[:3] == ["server", "add", "volume"]:
    v = volume(words[4])
    if v["status"] != "available":
        print("Invalid volume: volume is already attached (HTTP 400)"); sys.exit(1)
    taken = {d for d, _ in attached(vm["name"])}
    device = next(f"/dev/vd{c}" for c in "bcdefg" if f"/dev/vd{c}" not in taken)
    v.update(server=vm["name"], device=device, status="in-use")
    save(f"attach {v['name']} {device}")
elif words[:2] == ["volume", "show"]:
    v = volume(words[2])
    if v is None:
        print(f"No volume with a name or ID of '{words[2]}' exists."); sys.exit(1)
    show({**v, "size": v["size"], "availability_zone": "nova"}, columns())
elif words[:2] == ["port", "list"]:
    print(vm["port"])
elif words[:3] == ["floating", "ip", "list"]:
    for f in cloud["fips"]:
        if f["port"] == opt("--port"):
            print(f"{f['id']} {f['address']}" if "ID" in columns() else f["address"])
elif words[:3] == ["floating", "ip", "show"]:
    f = fip(words[3])
    if f is None:
        print("not found"); sys.exit(1)
    print(f["port"] or "None")
elif words[:3] == ["floating", "ip", "unset"]:
    f = fip(opt("--port"))
    f["port"] = None; save(f"disassociate {f['address']}")
elif words[:4] == ["server", "add", "floating", "ip"]:
    if any(f["port"] == vm["port"] for f in cloud["fips"]):
        print("ConflictException: 409: fixed IP already has a floating IP"); sys.exit(1)
    f = fip(words[5])
    f["port"] = vm["port"]; save(f"associate {f['address']}")
elif words[:2] == ["server", "list"]:  # --name '^aims-vm1$' -f value -c ID
    if opt("--name") == f"^{vm['name']}$":
        print(vm["id"])
elif words[:2] == ["server", "show"] and opt("-f") == "json":
    print(json.dumps({"image": {"name": "aims-guest", "id": vm["image"]}}))
elif words[:2] == ["image", "list"]:
    for i in cloud["images"]:
        if i["name"] == opt("--name") and opt("--status") in (None, i["status"]):
            print(i["id"])
elif words[:2] == ["image", "show"]:
    print(next(i for i in cloud["images"] if i["id"] == words[2])["created_at"])
elif words[:2] == ["image", "delete"]:
    cloud["images"] = [i for i in cloud["images"] if i["id"] not in words[2:]]
    save("delete image " + " ".join(words[2:]))
else:
    print("fake openstack: unexpected " + " ".join(argv)); sys.exit(2)
'''


@pytest.fixture
def cloud(tmp_path):
    return install_fake(tmp_path, FAKE_OPENSTACK)


def state(cloud: Path, **data) -> None:
    base = {"server": {"id": "s-1", "name": "aims-vm1", "port": "p-1"}, "volumes": [],
            "fips": []}
    (cloud / "cloud.json").write_text(json.dumps({**base, **data}))


def vol(vid, name, device=None, size=1):
    return {"id": vid, "name": name, "size": size, "server": "aims-vm1" if device else None,
            "device": device, "status": "in-use" if device else "available"}


def test_another_volume_at_the_tutorials_device_is_detached_and_the_volume_moves_there(
        debian_solutions, cloud):
    state(cloud, volumes=[vol("v-other", "mine", "/dev/vdb"),
                          vol("v-1", "aims-vol1", "/dev/vdc")])
    asked, changes = converge(cloud, step_of(debian_solutions, 14, "14-attach"))
    assert "detach volume mine (v-other) from aims-vm1 (/dev/vdb; it is kept" in asked
    assert "detach aims-vol1 from aims-vm1 (/dev/vdc), to attach it again as /dev/vdb" in asked
    assert changes == ["detach mine", "detach aims-vol1", "attach aims-vol1 /dev/vdb"]


def test_a_fresh_volume_is_attached_without_a_question(debian_solutions, cloud):
    state(cloud, volumes=[vol("v-1", "aims-vol1")])
    asked, changes = converge(cloud, step_of(debian_solutions, 14, "14-attach"))
    assert asked == "" and changes == ["attach aims-vol1 /dev/vdb"]


def test_another_floating_ip_on_the_instance_gives_way_to_the_tutorials(debian_solutions,
                                                                         cloud):
    state(cloud, fips=[{"id": "f-1", "address": "172.16.4.224", "port": None},
                       {"id": "f-2", "address": "172.16.4.225", "port": "p-1"}])
    _, changes = converge(cloud, step_of(debian_solutions, 13, "13-associate"))
    assert changes == ["disassociate 172.16.4.225", "associate 172.16.4.224"]
    kept = json.loads((cloud / "cloud.json").read_text())["fips"]
    assert [f["address"] for f in kept] == ["172.16.4.224", "172.16.4.225"], "none released"


def test_the_tutorials_floating_ip_on_another_port_is_moved(debian_solutions, cloud):
    state(cloud, fips=[{"id": "f-1", "address": "172.16.4.224", "port": "p-other"}])
    _, changes = converge(cloud, step_of(debian_solutions, 13, "13-associate"))
    assert changes == ["disassociate 172.16.4.224", "associate 172.16.4.224"]


def test_the_volume_of_another_size_is_left_alone_with_one_line(debian_solutions, cloud):
    state(cloud, volumes=[vol("v-1", "aims-vol1", size=5)])
    step = step_of(debian_solutions, 14, "14-create")
    assert bash(cloud, step.check).returncode != 0
    done = bash(cloud, step.apply[-1])
    assert done.returncode == 98, done.stdout
    assert done.stdout.strip().splitlines()[-1].startswith(
        "left alone: aims-vol1 is 5 GB in zone nova (available), not 1 GB in nova")
    assert (cloud / "log").read_text() == ""


def test_an_attached_volume_of_another_size_is_left_alone_naming_the_detach(debian_solutions,
                                                                            cloud):
    state(cloud, volumes=[vol("v-1", "aims-vol1", "/dev/vdb", size=2)])
    done = bash(cloud, step_of(debian_solutions, 14, "14-create").apply[-1])
    assert done.returncode == 98, done.stdout
    assert ("replace it by hand (openstack server remove volume aims-vm1 aims-vol1; "
            "openstack volume delete aims-vol1)") in done.stdout
    assert (cloud / "log").read_text() == ""


NEW, OLD, GONE, DEAD = (f"{n}0000000-0000-4000-8000-000000000000" for n in "1234")


def image(iid, created, status="active"):
    return {"id": iid, "name": "aims-guest", "status": status, "created_at": created}


@pytest.mark.parametrize(("boots_from", "kept"), [(NEW, NEW), (GONE, OLD)])
def test_an_image_uploaded_twice_keeps_the_one_the_instance_boots_from_else_the_oldest(
        debian_solutions, cloud, boots_from, kept):
    """`openstack image show NAME` stops on "More than one Image exists": the step keeps one
    (the instance's, else the oldest), says which, and deletes the other upload."""
    steps = lab_solution(debian_solutions, 11).steps
    line = next(c for s in steps for c in s.apply if "uploaded more than once" in c)
    state(cloud, server={"id": "s-1", "name": "aims-vm1", "port": "p-1", "image": boots_from},
          images=[image(NEW, "2026-12-07T10:00:00Z"), image(OLD, "2026-12-01T10:00:00Z"),
                  image(DEAD, "2026-11-01T10:00:00Z", status="queued")])
    done = bash(cloud, line)
    assert done.returncode == 0, done.stdout
    assert f"kept {kept}, deleted the others" in done.stdout
    left = [i["id"] for i in json.loads((cloud / "cloud.json").read_text())["images"]]
    assert left == [kept, DEAD]  # the queued one is the line before's to delete
    again = bash(cloud, line)
    assert again.returncode == 0 and again.stdout == "", "a second run changes nothing"
