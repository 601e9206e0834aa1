"""Stage 6c: the solved lab host's OpenStack 2025.1 serves as "the school's cloud".

`stacklab class up --count 3` runs as an instructor would, from the learner's side of the
lab network (the learner namespace the container host made: the only place its APIs and
floating IPs answer), with a clouds.yaml for the tutorial's project and the small guest
image and flavor. It must make 3 servers with their volumes, key pairs, ports, floating
IPs and one security group, and wait until each host's sshd answers (as `class up` does
from the instructor's machine; the test then asks again from the learner's side, and a host
that stays silent is reported with its console and ports); `class status` says all 3 are
ACTIVE; `stacklab grade` reaches
the 3 hosts with their own keys (they are the small guest, not lab hosts: their checks do
not pass, and no host is reported fully graded and green); `class down` leaves the
project's counts of servers, volumes, ports, floating IPs, key pairs and security groups
as they were before `up`.

What this cannot prove: a full lab host provisioned by cloud-init on a real cloud image
(the small guest has no cloud-init; the user-data is given but not run).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import yaml
from breakages import PROJECT, S
from kit import KIT, LabHost, Result

from stacklab.labhost.container.naming import Names

COUNT = 3
# The hosts go on the tutorial's fixed network, which is not external: with cloud.floating_ip
# "auto" (the default) `class up` gives every host a floating IP from the external network.
FLOATING_IPS = COUNT
CLASS = "e2e6c"
PROXIES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
UNJUDGED_HOST = ("unreachable", "refused", "hostkey", "timeout")
COUNTED = {"servers": "server list", "volumes": "volume list", "ports": "port list",
           "floating_ips": "floating ip list", "keypairs": "keypair list",
           "security_groups": "security group list"}


def counts(solved: LabHost) -> dict[str, int]:
    """The project's resources, as the tutorial's user sees them on the lab host."""
    found = {}
    for what, command in COUNTED.items():
        out = solved.sh(PROJECT + f"openstack {command} -f json")
        found[what] = len(json.loads(out[out.index("["):]))
    return found


def clouds_yaml(tmp_path) -> tuple[str, str]:
    """A clouds.yaml naming the lab host's Keystone as "school"; and a hosts file for the
    learner's side (the service catalog names the controller by its host name)."""
    cloud = {"clouds": {"school": {
        "auth": {"auth_url": f"http://{S.network.public.address}:5000/v3",
                 "username": S.identity.user, "password": S.identity.password,
                 "project_name": S.identity.project, "user_domain_name": "Default",
                 "project_domain_name": "Default"},
        "region_name": S.openstack.region, "interface": "public",
        "identity_api_version": 3}}}
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump(cloud))
    hosts = tmp_path / "hosts"
    hosts.write_text(f"127.0.0.1\tlocalhost\n{S.network.public.address}\t{S.host.name}\n")
    return str(path), str(hosts)


def on_learner_side(solved: LabHost, hosts: str, env: dict[str, str], *args: str,
                    timeout: float = 1800) -> Result:
    """Run a command in the learner namespace, with its own /etc/hosts (bound in a private
    mount namespace: this machine's /etc/hosts is not touched)."""
    netns = Names(solved.name).learner_netns
    script = ('h=$1; ns=$2; shift 2; mount --bind "$h" /etc/hosts && '
              'exec ip netns exec "$ns" "$@"')
    started = time.monotonic()
    proc = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                           script, "sh", hosts, netns, *args], cwd=KIT, env=env,
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, check=False)
    return Result(proc.returncode, proc.stdout + proc.stderr, time.monotonic() - started)


def test_a_class_on_the_lab_hosts_own_openstack(solved: LabHost, tmp_path):
    config, hosts = clouds_yaml(tmp_path)
    # the lab network is ours alone: no proxy of this machine stands between
    direct = {k: v for k, v in solved.env.items() if k.lower() not in PROXIES}
    env = {**direct, "OS_CLIENT_CONFIG_FILE": config,
           "STACKLAB__CLOUD__IMAGE": S.image.name,
           "STACKLAB__CLOUD__LOGIN_USER": S.login_user,
           "STACKLAB__CLOUD__FLAVOR": S.instance.flavor,
           "STACKLAB__CLOUD__MIN_MEMORY_MB": str(S.instance.flavor_ram_mb),
           "STACKLAB__CLOUD__MIN_VCPUS": str(S.instance.flavor_vcpus),
           "STACKLAB__CLOUD__MIN_DISK_GB": str(S.instance.flavor_disk_gb),
           "STACKLAB__CLOUD__VOLUME_SIZE_GB": "1",
           "STACKLAB__CLOUD__NETWORK": S.network.fixed.name,
           "STACKLAB__CLOUD__EXTERNAL_NETWORK": S.network.floating.network,
           "STACKLAB__CLOUD__PARALLEL": "3",
           "STACKLAB__CLOUD__TIMEOUT_S": "900",
           "STACKLAB__CLOUD__SSH_WAIT_S": "600"}

    def stacklab(*args: str, timeout: float = 1800) -> Result:
        return on_learner_side(solved, hosts, env, sys.executable, "-m", "stacklab", *args,
                               timeout=timeout)

    before = counts(solved)
    try:
        up = stacklab("class", "up", "--cloud", "school", "--count", str(COUNT), "--name",
                      CLASS, "--ssh-from", f"{S.network.public.gateway}/32", timeout=2400)
        solved.timings.add(f"class up --count {COUNT} on the lab host's OpenStack",
                           up.seconds)
        # how long the guests took to answer after they were made, and whether any had to
        # be rebooted for it: a pass that needed a reboot says so here
        answers = [float(m) for m in re.findall(r"sshd answers at \S+ \((\d+) s\)", up.out)]
        reboots = up.out.count(": rebooting it")
        solved.timings.add(f"class up: slowest sshd answer ({reboots} rebooted)",
                           max(answers, default=0.0))
        if up.code != 0:
            raise AssertionError(up.tail() + "".join(
                _what_the_cloud_knows(solved, h["address"]) for h in _hosts(solved)
                if h["state"] == "failed" and h["address"]))
        made = counts(solved)
        # ports: each host's own, and the one Neutron makes for each floating IP (device
        # owner network:floatingip, of no project: the tutorial's user is an admin, so
        # `openstack port list` shows it too)
        assert {k: made[k] - before[k] for k in made} == {
            "servers": COUNT, "volumes": COUNT, "ports": COUNT + FLOATING_IPS,
            "floating_ips": FLOATING_IPS, "keypairs": COUNT, "security_groups": 1}, (
            before, made)

        status = stacklab("class", "status", "--name", CLASS, timeout=300)
        assert status.code == 0, status.tail()
        assert f"all {COUNT} hosts ACTIVE" in status.out, status.tail()
        for n in range(1, COUNT + 1):
            assert f"student{n:02d}" in status.out

        folder = solved.state_dir / "classes" / CLASS
        inventory = folder / "inventory"
        lines = [ln for ln in inventory.read_text().splitlines() if not ln.startswith("#")]
        assert len(lines) == COUNT, inventory.read_text()
        addresses = [ln.split()[1].split("@")[1].rsplit(":", 1)[0] for ln in lines]
        _wait_for_ssh(solved, hosts, env, addresses)

        out = tmp_path / "grades"
        graded = stacklab("grade", "--inventory", str(inventory), "--jobs", str(COUNT),
                          "--labs", "3-14", "--connect-timeout", "20", "--accept-new",
                          "--out", str(out), timeout=1800)
        solved.timings.add(f"grade the class of {COUNT} small guests", graded.seconds)
        reports = list(out.glob("*.json"))
        assert reports, f"grade wrote no JSON (exit {graded.code}):\n{graded.tail()}"
        report = {h["name"]: h for h in json.loads(reports[0].read_text())["hosts"]}
        assert set(report) == {f"student{n:02d}" for n in range(1, COUNT + 1)}
        for name, host in report.items():
            # reached with the student's own key: not "unreachable", not "refused"
            assert host["status"] not in UNJUDGED_HOST, (name, host["status"], host["reason"])
            passed = [c for c in host["checks"] if c["status"] == "passed"]
            assert host["checks"] and len(passed) < len(host["checks"]), name
            assert not (host["status"] == "ok" and all(
                c["status"] in ("passed", "n/a", "not-verified") for c in host["checks"])), \
                f"{name}: a small guest graded green as a lab host"
        assert graded.code in (0, 3), graded.tail()
    finally:
        down = stacklab("class", "down", "--name", CLASS, "--cloud", "school", "--yes",
                        timeout=1800)
        solved.timings.add(f"class down ({COUNT} hosts)", down.seconds)
    assert down.code == 0, down.tail()
    after = counts(solved)
    assert after == before, (before, after, down.tail(),
                             solved.sh(PROJECT + "openstack server list --long"))
    again = stacklab("class", "down", "--name", CLASS, "--cloud", "school", "--yes",
                     timeout=600)
    assert again.code == 0 and "0 resources deleted" in again.out, again.tail()
    solved.not_verified["class up: cloud-init provisioning"] = (
        "the small guest has no cloud-init: a full lab host provisioned from the user-data "
        "on a real cloud image is not seen here")


def _hosts(solved: LabHost) -> list[dict]:
    record = solved.state_dir / "classes" / CLASS / "class.json"
    return json.loads(record.read_text())["hosts"] if record.exists() else []


def _wait_for_ssh(solved: LabHost, hosts: str, env: dict[str, str], addresses: list[str],
                  seconds: int = 600) -> None:
    """The guests boot after ACTIVE: wait until each one's sshd shows its banner. A guest
    that never does is reported with what the cloud knows of it (its console's last lines
    first: they say whether it hung booting, waited for its key, or is up but unreached)."""
    probe = ("import socket, sys, time\n"
             "start = time.monotonic(); end = start + float(sys.argv[1])\n"
             "waiting = list(sys.argv[2:])\n"
             "while waiting and time.monotonic() < end:\n"
             "    for a in list(waiting):\n"
             "        try:\n"
             "            with socket.create_connection((a, 22), 3) as s:\n"
             "                s.settimeout(5)\n"
             "                if s.recv(16).startswith(b'SSH-'):\n"
             "                    waiting.remove(a)\n"
             "                    print(f'{a} banner after {time.monotonic() - start:.0f} s',"
             " flush=True)\n"
             "        except OSError:\n"
             "            pass\n"
             "    time.sleep(2)\n"
             "for a in waiting:\n"
             "    print(f'{a}: no SSH banner', flush=True)\n"
             "sys.exit(1 if waiting else 0)\n")
    done = on_learner_side(solved, hosts, env, sys.executable, "-c", probe, str(seconds),
                           *addresses, timeout=seconds + 60)
    slowest = max((float(line.split()[-2]) for line in done.out.splitlines()
                   if " banner after " in line), default=0.0)
    solved.timings.add(f"the slowest of {len(addresses)} guests shows its SSH banner", slowest)
    if done.code != 0:
        silent = [ln.split(":")[0] for ln in done.out.splitlines() if "no SSH banner" in ln]
        raise AssertionError(done.out + "".join(_what_the_cloud_knows(solved, a)
                                                for a in silent))


def _what_the_cloud_knows(solved: LabHost, address: str) -> str:
    """The server behind a floating IP: its status, its ports, its console's last lines."""
    script = (PROJECT + f"fip={address}; "
              "port=$(openstack floating ip show $fip -c port_id -f value); "
              "echo \"floating IP $fip: $(openstack floating ip show $fip -c status -f value)"
              " port $port\"; "
              "server=$(openstack port show $port -c device_id -f value); "
              "openstack port show $port -c status -c fixed_ips -f value; "
              "openstack server show $server -c name -c status -c OS-EXT-STS:task_state "
              "-c OS-EXT-SRV-ATTR:instance_name -f value; "
              "echo '--- its console, last lines:'; "
              "openstack console log show --lines 40 $server")
    done = solved.ssh(script, timeout=300)
    return f"\n=== {address} (exit {done.code}):\n{done.out}"
