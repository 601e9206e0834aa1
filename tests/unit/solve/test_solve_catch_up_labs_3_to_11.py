"""Labs 3, 5, 9 and 11 catch up from a learner's mistakes: their steps' scripts run by bash
against fakes (MariaDB's option files in a folder; an `openstack` that keeps Keystone's
services and endpoints, networks and their ports, and images) that behave as the real ones
do where it matters: MariaDB reads its option files in name order, the last option wins;
`openstack service show`, `network show` and `image show` stop on a name used twice.

Each test leaves the fake in a state a learner can leave behind, then runs the step as
`stacklab solve` would (check red, commands, check green, the commands again: nothing more
changes), or sees it stop with one line naming what to do by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from catch_up_harness import LocalBash, bash, converge, install_fake, step_of

from stacklab.catalog import lab
from stacklab.solve import load
from stacklab.solve.dryrun import plan_text
from stacklab.solve.model import LabSolution
from stacklab.solve.profile import load_profile
from stacklab.solve.runner import BY_HAND

# --- lab 3: a bind-address in an option file read after the kit's -----------------------

FAKE_MARIADB = r'''
import configparser, glob, json, os, sys
root = os.environ["FAKE_CLOUD"]
cmd, argv = os.environ["FAKE_COMMAND"], sys.argv[1:]
host = json.load(open(root + "/mariadb.json"))  # {"dirs": [...], "port": N, "listen": "..."}

def options(*paths):
    found = configparser.ConfigParser(strict=False, interpolation=None,
                                      inline_comment_prefixes=("#",))
    found.read(paths)
    return found

if cmd == "crudini" and argv[0] == "--get":  # the real one (the test extra's) reads
    real = os.path.join(os.path.dirname(sys.executable), "crudini")
    os.execv(real, [real, *argv])
elif cmd == "crudini" and argv[0] == "--merge":
    ini = options(argv[1])
    before = {s: dict(ini[s]) for s in ini.sections()}
    ini.read_string(sys.stdin.read())
    if {s: dict(ini[s]) for s in ini.sections()} != before:
        ini.write(open(argv[1], "w"))
        open(root + "/log", "a").write(f"merge {argv[1]}\n")
elif cmd == "systemctl" and argv[0] == "restart":
    # MariaDB reads each folder's *.cnf in name order: the last bind-address wins
    listen = "0.0.0.0"
    for folder in host["dirs"]:
        for path in sorted(glob.glob(folder + "/*.cnf")):
            ini = options(path)
            for group in ("mysqld", "server", "mariadb"):
                if ini.has_option(group, "bind-address"):
                    listen = ini.get(group, "bind-address")
    host["listen"] = listen
    json.dump(host, open(root + "/mariadb.json", "w"))
elif cmd == "ss":
    print(f"LISTEN 0 80 {host['listen']}:{host['port']} 0.0.0.0:*")
else:
    print("fake: unexpected " + cmd + " " + " ".join(argv)); sys.exit(2)
'''

KIT = "99-openstack.cnf"
MINE = "[client]\nbind-address = 127.0.0.2\n\n[mysqld]\n# bind-address = 10.0.0.1\n" \
       "bind-address = 127.0.0.1   # mine\nport = 3306\n"
EARLIER = "[mysqld]\nbind-address = 127.0.0.1\n"  # Debian's 50-server.cnf: overridden


@pytest.fixture
def mariadb(tmp_path, container_settings):
    """A solved host's MariaDB option files in tmp_path, the step rendered for them."""
    install_fake(tmp_path, FAKE_MARIADB, "crudini", "systemctl", "ss")
    conf_d, mariadb_d = tmp_path / "conf.d", tmp_path / "mariadb.conf.d"
    conf_d.mkdir()
    mariadb_d.mkdir()
    (conf_d / "zz-early.cnf").write_text(EARLIER)
    (mariadb_d / "50-server.cnf").write_text(EARLIER)
    (tmp_path / "mariadb.json").write_text(json.dumps(
        {"dirs": [str(conf_d), str(mariadb_d)], "port": container_settings.mysql.port}))
    profile = load_profile(container_settings.host.os)
    profile = profile.model_copy(update={"paths": {
        **profile.paths, "mysql_conf": str(mariadb_d / KIT),
        "mysql_conf_dirs": f"{conf_d} {mariadb_d}"}})
    solutions = load(container_settings, ssh_user="learner", profile=profile)
    step = step_of(solutions, 3, "03-bind-address")
    for command in step.apply:  # solved
        assert bash(tmp_path, command).returncode == 0
    assert bash(tmp_path, step.check).returncode == 0
    (tmp_path / "log").write_text("")
    return tmp_path, step


def test_a_bind_address_in_a_file_read_after_the_kits_is_commented_out(mariadb):
    folder, step = mariadb
    mine = folder / "mariadb.conf.d" / "99-zz-mine.cnf"
    mine.write_text(MINE)
    (folder / "mariadb.conf.d" / "99-zz-mine.cnf.orig").write_text(EARLIER)  # not read
    before = folder / "mariadb.conf.d" / "98-mine.cnf"  # read before the kit's
    before.write_text(MINE)
    same = folder / "mariadb.conf.d" / "99-zy-same.cnf"
    same.write_text("[mysqld]\nbind-address=0.0.0.0\n")
    bash(folder, "sudo systemctl restart mariadb")
    found = bash(folder, step.check)
    assert found.returncode != 0
    assert found.stdout.strip() == (f"{mine} line 6: bind-address = 127.0.0.1   # mine "
                                    f"(read after {folder}/mariadb.conf.d/{KIT}: it wins)")
    said = bash(folder, step.apply[0])
    assert said.returncode == 0, said.stdout
    assert said.stdout.startswith(f"commented out 'bind-address = 127.0.0.1   # mine' in "
                                  f"{mine} (line 6): MariaDB reads it after")
    assert said.stdout.rstrip().endswith("the file stays")
    assert mine.read_text() == MINE.replace("bind-address = 127.0.0.1", "# bind-address = "
                                            "127.0.0.1")
    _, changes = converge(folder, step)  # listens on 127.0.0.1 until restarted
    assert changes == [], "the kit's file was right all along"
    assert bash(folder, step.apply[0]).stdout == "", "a second run has nothing to say"
    for earlier in (folder / "conf.d" / "zz-early.cnf", folder / "mariadb.conf.d" /
                    "50-server.cnf", folder / "mariadb.conf.d" / "99-zz-mine.cnf.orig"):
        assert earlier.read_text() == EARLIER, f"{earlier} is not the kit's to change"
    assert before.read_text() == MINE and same.read_text() == "[mysqld]\nbind-address=0.0.0.0\n"


def test_a_dry_run_on_the_host_shows_the_later_file_beside_what_the_step_wants(mariadb):
    folder, step = mariadb
    mine = folder / "mariadb.conf.d" / "99-zz-mine.cnf"
    mine.write_text(MINE)
    host = LocalBash(folder)
    text = plan_text([LabSolution(lab(3), (step,))], {}, host)
    assert "# WOULD RUN  03-bind-address\n#   wanted: Listen on all addresses" in text
    assert f"#   found:  {mine} line 6: bind-address = 127.0.0.1   # mine (read after" in text
    assert mine.read_text() == MINE and (folder / "log").read_text() == "", "it only looked"


# --- the fake cloud of labs 5, 9 and 11 ----------------------------------------------------

FAKE_OPENSTACK = r'''
import json, os, sys
path = os.environ["FAKE_CLOUD"] + "/cloud.json"
cloud = json.load(open(path))
argv = sys.argv[1:]
VALUED = {"-f", "-c", "--service", "--interface", "--region", "--name", "--type", "--url",
          "--description", "--network", "--status", "--property", "--disk-format",
          "--container-format", "--file", "--project", "--user", "--domain", "--password"}
words = [a for i, a in enumerate(argv)
         if not a.startswith("-") and (i == 0 or argv[i - 1] not in VALUED)]
COLUMNS = {"service": ["ID", "Name", "Type"],
           "endpoint": ["ID", "Region", "Service Name", "Service Type", "Interface", "URL"],
           "network": ["ID", "Name"], "port": ["ID", "Device Owner"], "subnet": ["ID", "Name"],
           "image": ["ID", "Name", "Status"]}

def opt(name):
    return argv[argv.index(name) + 1] if name in argv else None

def opts(name):
    return [argv[i + 1] for i, a in enumerate(argv) if a == name]

def save(what):
    json.dump(cloud, open(path, "w"))
    open(os.environ["FAKE_CLOUD"] + "/log", "a").write(what + "\n")

def fail(message):
    print(message); sys.exit(1)

def rows(kind, items):
    # -f value: the chosen columns in the command's own order, as cliff prints them
    wanted = opts("-c")
    for item in items:
        print(" ".join(str(item[c]) for c in COLUMNS[kind] if c in wanted))

def new_id(prefix):
    cloud["next"] = cloud.get("next", 0) + 1
    return f"{prefix}-new{cloud['next']}"

def find(kind, ref, *fields):
    # as the client finds an object: its ID, else its name (or type): exactly one
    for field in ("ID", *fields):
        found = [x for x in cloud[kind] if x[field] == ref]
        if len(found) > 1:
            fail(f"More than one {kind[:-1]} exists with the name '{ref}'.")
        if found:
            return found[0]
    fail(f"No {kind[:-1]} with a name or ID of '{ref}' exists.")

def endpoint_row(e):
    s = next(s for s in cloud["services"] if s["ID"] == e["service"])
    return {**e, "Service Name": s["Name"], "Service Type": s["Type"]}

what = words[:2]
if os.environ.get("FAKE_COMMAND") == "mysql":
    # Keystone's tables as an identity step's check reads them (kinds.keystone_kind)
    import re
    sql = argv[argv.index("-Nse") + 1]
    if "FROM assignment" in sql:
        print("admin\nservice")
    elif sql.endswith("FROM service s"):
        for s in cloud["services"]:
            print(f"{s['ID']}\t{s['Name']}\t{s['Type']}")
    elif "FROM endpoint e" in sql:
        name, region = re.search(r"= '([^']+)' AND e.region_id = '([^']+)'", sql).groups()
        ids = {s["ID"] for s in cloud["services"] if s["Name"] == name}
        for e in cloud["endpoints"]:
            if e["service"] in ids and e["Region"] == region:
                print(f"{e['Interface']}\t{e['URL']}")
    else:
        fail("fake mysql: unexpected " + sql)
elif what == ["service", "list"]:
    rows("service", cloud["services"])
elif what == ["service", "create"]:
    cloud["services"].append({"ID": new_id("s"), "Name": opt("--name"), "Type": words[2]})
    save(f"create service {opt('--name')} {words[2]}")
elif what == ["service", "delete"]:
    s = find("services", words[2])
    cloud["services"].remove(s)
    cloud["endpoints"] = [e for e in cloud["endpoints"] if e["service"] != s["ID"]]
    save(f"delete service {s['ID']}")
elif what == ["service", "set"]:
    s = find("services", words[2])
    s.update(Name=opt("--name"), Type=opt("--type")); save(f"set service {s['ID']}")
elif what == ["endpoint", "list"]:
    s = find("services", opt("--service"), "Name", "Type") if opt("--service") else None
    rows("endpoint", [endpoint_row(e) for e in cloud["endpoints"]
                      if (s is None or e["service"] == s["ID"])
                      and opt("--interface") in (None, e["Interface"])
                      and opt("--region") in (None, e["Region"])])
elif what == ["endpoint", "create"]:
    s = find("services", words[2], "Name", "Type")
    cloud["endpoints"].append({"ID": new_id("e"), "service": s["ID"], "Interface": words[3],
                               "Region": opt("--region"), "URL": words[4]})
    save(f"create endpoint {s['Name']} {words[3]} {words[4]}")
elif what == ["endpoint", "delete"]:
    cloud["endpoints"] = [e for e in cloud["endpoints"] if e["ID"] != words[2]]
    save(f"delete endpoint {words[2]}")
elif what == ["endpoint", "set"]:
    e = next(e for e in cloud["endpoints"] if e["ID"] == words[2])
    e["URL"] = opt("--url"); save(f"set endpoint {e['ID']} {e['URL']}")
elif what == ["network", "list"]:
    rows("network", [n for n in cloud["networks"] if opt("--name") in (None, n["Name"])])
elif what == ["network", "show"]:
    n = find("networks", words[2], "Name")
    print(n["shared"])
elif what == ["network", "create"]:
    cloud["networks"].append({"ID": new_id("n"), "Name": words[2], "shared": "--share" in argv})
    save(f"create network {words[2]}")
elif what == ["network", "delete"]:
    if any(p["network"] == words[2] and p["Device Owner"] != "network:dhcp"
           for p in cloud["ports"]):
        fail("ConflictException: 409: Unable to complete operation on network: "
             "one or more ports have an IP allocation from this subnet")
    cloud["networks"] = [n for n in cloud["networks"] if n["ID"] != words[2]]
    cloud["ports"] = [p for p in cloud["ports"] if p["network"] != words[2]]
    cloud["subnets"] = [s for s in cloud["subnets"] if s["network"] != words[2]]
    save(f"delete network {words[2]}")
elif what == ["port", "list"]:
    rows("port", [p for p in cloud["ports"] if p["network"] == opt("--network")])
elif what == ["subnet", "list"]:
    rows("subnet", [s for s in cloud["subnets"] if s["network"] == opt("--network")])
elif what == ["subnet", "show"]:
    print(find("subnets", words[2], "Name")["cidr"])
elif what == ["image", "list"]:
    rows("image", [i for i in cloud["images"] if opt("--name") in (None, i["Name"])
                   and opt("--status") in (None, i["Status"])])
elif what == ["image", "show"]:
    i = find("images", words[2], "Name")
    if opt("-f") == "json":
        print(json.dumps({"properties": i["properties"]}, indent=2))
    else:
        print(i[{"id": "ID", "status": "Status"}[opts("-c")[0]]])
elif what == ["image", "create"]:
    props = dict(p.split("=", 1) for p in opts("--property"))
    cloud["images"].append({"ID": new_id("i"), "Name": words[2], "Status": "active",
                            "properties": props})
    save(f"create image {words[2]} {cloud['images'][-1]['ID']}")
elif what == ["image", "set"] and "--property" in argv:
    i = find("images", words[2], "Name")
    i["properties"].update(p.split("=", 1) for p in opts("--property"))
    save(f"set image {i['ID']} " + " ".join(opts("--property")))
elif what == ["image", "delete"]:
    cloud["images"] = [i for i in cloud["images"] if i["ID"] not in words[2:]]
    save("delete image " + " ".join(words[2:]))
elif what == ["role", "assignment"]:
    print("admin\nservice")
elif what in (["user", "show"], ["user", "set"], ["role", "add"]):
    pass
else:
    fail("fake openstack: unexpected " + " ".join(argv)); sys.exit(2)
'''


@pytest.fixture
def cloud(tmp_path):
    return install_fake(tmp_path, FAKE_OPENSTACK, "openstack", "mysql")


def state(cloud: Path, **data) -> None:
    base = {"services": [], "endpoints": [], "networks": [], "ports": [], "subnets": [],
            "images": []}
    (cloud / "cloud.json").write_text(json.dumps({**base, **data}))


def saved(cloud: Path) -> dict:
    return json.loads((cloud / "cloud.json").read_text())


# --- lab 5: Keystone's services and endpoints ---------------------------------------------

def service(sid, name="glance", kind="image"):
    return {"ID": sid, "Name": name, "Type": kind}


def endpoints(sid, url, region, prefix="e"):
    return [{"ID": f"{prefix}-{i}", "service": sid, "Interface": i, "Region": region,
             "URL": url} for i in ("public", "internal", "admin")]


@pytest.fixture
def glance(debian_solutions, container_settings):
    return (step_of(debian_solutions, 5, "05-glance-identity"),
            f"http://{container_settings.host.name}:9292", container_settings.openstack.region)


def test_a_glance_endpoint_at_a_wrong_url_is_set_to_the_tutorials(cloud, glance):
    step, url, region = glance
    wrong = endpoints("s-1", url, region)
    wrong[0]["URL"] = url.replace("9292", "9393")
    state(cloud, services=[service("s-1")], endpoints=wrong)
    _, changes = converge(cloud, step)
    assert changes == [f"set endpoint e-public {url}"]
    line = next(c for c in step.apply if "--url" in c)
    assert "set to" in line and "openstack endpoint set --url" in line


def test_a_second_endpoint_of_the_interface_is_deleted_the_right_one_kept(cloud, glance):
    step, url, region = glance
    extra = endpoints("s-1", url.replace("9292", "9393"), region, prefix="x")[:1]
    state(cloud, services=[service("s-1")], endpoints=extra + endpoints("s-1", url, region))
    _, changes = converge(cloud, step)
    assert changes == ["delete endpoint x-public"]


def test_glance_created_twice_the_empty_service_is_deleted(cloud, glance):
    """`openstack service create` run twice: `service show glance` stopped on the second."""
    step, url, region = glance
    state(cloud, services=[service("s-1"), service("s-2"), service("s-3", "images")],
          endpoints=endpoints("s-1", url, region))
    _, changes = converge(cloud, step)
    assert changes == ["delete service s-2", "delete service s-3"]
    assert [s["ID"] for s in saved(cloud)["services"]] == ["s-1"]


def test_two_services_of_the_type_with_endpoints_are_left_alone_with_one_line(cloud, glance):
    step, url, region = glance
    state(cloud, services=[service("s-1"), service("s-2", "mine")],
          endpoints=endpoints("s-1", url, region) + endpoints("s-2", url, region, "m"))
    assert bash(cloud, step.check).returncode != 0
    line = next(c for c in step.apply if "openstack service list" in c)
    done = bash(cloud, line)
    assert done.returncode == BY_HAND, done.stdout
    assert done.stdout.strip().splitlines() == [
        "left alone: 2 services named glance or of type image have endpoints (s-1 s-2), and "
        "either may be the one in use: keep one and delete the other by hand (openstack "
        "service delete ID: its endpoints go with it), then stacklab solve --only 5"]
    assert (cloud / "log").read_text() == ""


def test_a_dry_run_on_the_host_shows_the_endpoints_found(cloud, glance):
    step, url, region = glance
    wrong = endpoints("s-1", url, region)
    wrong[0]["URL"] = url.replace("9292", "9393")
    state(cloud, services=[service("s-1")], endpoints=wrong)
    text = plan_text([LabSolution(lab(5), (step,))], {"admin": "/dev/null"}, LocalBash(cloud))
    assert f"#   found:  endpoints of glance in {region}: admin {url} internal {url} public " \
           f"{url.replace('9292', '9393')}" in text
    state(cloud, services=[service("s-1"), service("s-2")], endpoints=endpoints("s-1", url, region))
    text = plan_text([LabSolution(lab(5), (step,))], {"admin": "/dev/null"}, LocalBash(cloud))
    assert "#   found:  services named glance or of type image: s-1 glance image s-2 glance " \
           "image" in text
    assert (cloud / "log").read_text() == "", "it only looked"


@pytest.mark.parametrize("sid", ["05-placement-identity", "05-glance-identity",
                                 "06-nova-identity"])
def test_a_fresh_cloud_gets_one_service_and_three_endpoints(cloud, debian_solutions, sid):
    state(cloud)
    _, changes = converge(cloud, step_of(debian_solutions, int(sid[:2]), sid))
    assert len(changes) == 4 and changes[0].startswith("create service ")


# --- lab 9: the tutorial's fixed network created twice ------------------------------------

@pytest.fixture
def vmnet(debian_solutions, container_settings):
    fixed = container_settings.network.fixed
    return step_of(debian_solutions, 9, "09-vmnet"), fixed


def net(nid, name):
    return {"ID": nid, "Name": name, "shared": True}


def port(pid, nid, owner):
    return {"ID": pid, "network": nid, "Device Owner": owner}


def test_a_second_vmnet_without_ports_in_use_is_deleted(cloud, vmnet):
    step, fixed = vmnet
    state(cloud, networks=[net("n-mine", fixed.name), net("n-1", fixed.name)],
          subnets=[{"ID": "sn-1", "Name": fixed.subnet, "network": "n-1",
                    "cidr": str(fixed.cidr)}],
          ports=[port("p-dhcp", "n-mine", "network:dhcp"), port("p-r", "n-1",
                 "network:router_interface"), port("p-vm", "n-1", "compute:nova")])
    _, changes = converge(cloud, step)
    assert changes == ["delete network n-mine"]
    assert [n["ID"] for n in saved(cloud)["networks"]] == ["n-1"]
    said = bash(cloud, step.apply[0])
    assert said.stdout == "", "one of them left: nothing more to say"


def test_of_two_unused_the_one_with_the_subnet_stays(cloud, vmnet):
    step, fixed = vmnet
    state(cloud, networks=[net("n-1", fixed.name), net("n-2", fixed.name)],
          subnets=[{"ID": "sn-2", "Name": fixed.subnet, "network": "n-2",
                    "cidr": str(fixed.cidr)}])
    done = bash(cloud, step.apply[0])
    assert done.returncode == 0, done.stdout
    assert done.stdout.strip() == (f"deleted the network n-1: a second {fixed.name}, with no "
                                   "ports in use (n-2 stays)")


def test_two_vmnets_in_use_are_left_alone_with_one_line(cloud, vmnet):
    step, fixed = vmnet
    state(cloud, networks=[net("n-1", fixed.name), net("n-2", fixed.name)],
          ports=[port("p-1", "n-1", "compute:nova"), port("p-2", "n-2", "")])
    assert bash(cloud, step.check).returncode != 0
    done = bash(cloud, step.apply[0])
    assert done.returncode == BY_HAND, done.stdout
    assert done.stdout.strip().splitlines() == [
        f"left alone: 2 networks named {fixed.name} have ports in use (n-1 n-2): move the "
        "instances and router interfaces off one and delete it by hand (openstack network "
        "delete ID), then stacklab solve --only 9"]
    assert (cloud / "log").read_text() == ""


# --- lab 11: the kernel or the ramdisk deleted --------------------------------------------

def image(iid, name, **properties):
    return {"ID": iid, "Name": name, "Status": "active", "properties": properties}


@pytest.mark.parametrize("part", ["kernel", "ramdisk"])
def test_a_deleted_kernel_or_ramdisk_is_uploaded_again_and_the_image_relinked(
        cloud, debian_solutions, container_settings, part):
    name = container_settings.image.name
    parts = {"kernel": image("k-1", f"{name}-kernel"),
             "ramdisk": image("r-1", f"{name}-ramdisk")}
    del parts[part]
    state(cloud, images=[*parts.values(),
                         image("m-1", name, kernel_id="k-1", ramdisk_id="r-1")])
    converge(cloud, step_of(debian_solutions, 11, f"11-{part}"))
    relink = next(c for c in step_of(debian_solutions, 11, "11-machine-image").apply
                  if "relinked" in c)
    before = {f: (cloud / f).read_text() for f in ("cloud.json", "log")}
    said = bash(cloud, relink).stdout.strip()
    for f, text in before.items():  # what it says, then the whole step from there
        (cloud / f).write_text(text)
    _, changes = converge(cloud, step_of(debian_solutions, 11, "11-machine-image"))
    new = "i-new1"
    kernel, ramdisk = (new, "r-1") if part == "kernel" else ("k-1", new)
    assert changes == [f"create image {name}-{part} {new}",
                       f"set image m-1 kernel_id={kernel} ramdisk_id={ramdisk}"]
    assert said == (f"{name} relinked to kernel {kernel} and ramdisk {ramdisk} "
                    "(it named kernel_id: k-1 ramdisk_id: r-1)")
