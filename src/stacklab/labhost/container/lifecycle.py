"""`up` and `down` of a container lab host: each step records what it made, so `down`
(and a failed `up`) removes exactly that, and a second `down` finds nothing to do."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from stacklab.errors import StacklabError
from stacklab.hosts.target import Target, clear_lab_state, read_lab_state, write_lab_state
from stacklab.labhost import guest, overlay
from stacklab.labhost.container import cgroups, disk, keys, netsysfs, network, nspawn, ready, rootfs
from stacklab.labhost.container.naming import Names, default_name
from stacklab.labhost.container.state import Instance
from stacklab.labhost.steps import Steps
from stacklab.settings import load_settings
from stacklab.settings.schema import Settings

KIND = "container"  # the kind of lab host this is: providers.container in the settings
LOOPBACK = "127.0.0.1"
BOOT_TIMEOUT = 180.0
SHUTDOWN_TIMEOUT = 180.0  # systemd inside waits for running qemu guests (1–3 min measured)


def preflight() -> None:
    if sys.platform != "linux":
        raise StacklabError("the container lab host needs Linux", "use the Vagrant providers")
    if os.geteuid() != 0:
        raise StacklabError("the container lab host needs root (namespaces, loop devices, "
                            "mounts)", "run it with sudo")
    nspawn.require()
    for tool, package in (("ip", "iproute2"), ("losetup", "util-linux")):
        if not shutil.which(tool):
            raise StacklabError(f"{tool} is not installed",
                                f"install it: apt-get install {package}")


def default_port(s: Settings) -> int:
    extra = s.kinds[KIND].model_extra or {}
    return int(extra.get("ssh_port", 2410))


def up(settings: Settings | None = None, *, name: str | None = None,
       ssh_port: int | None = None, record: bool = True, steps: Steps | None = None,
       boot_timeout: float = BOOT_TIMEOUT) -> Target:
    """Boot the box as a container with the tutorial's networks and second disk; return
    how to reach it over SSH (with its host key, generated here and pinned from now on).
    `record` makes it the learner's lab host (`stacklab check`)."""
    preflight()
    s = settings or load_settings(KIND)
    name = name or default_name()
    names = Names(name)
    steps = steps or Steps(f"up {name}")
    port = ssh_port or default_port(s)
    existing = Instance.load(names.state)
    if existing and nspawn.alive(existing.nspawn_pid):
        target = _target(names, existing.ssh_port, s, keys.host_key(names.folder))
        steps.say(f"already up: {target.url}")
        if record:
            write_lab_state(target, container=name)
        return target
    if existing:
        steps.say("cleaning up after an earlier run that did not finish")
    down(name=name, steps=steps, forget=False, say_nothing_found=False)

    from stacklab.labhost.box import build_box

    box = build_box(s, steps=Steps("box"), vagrant=False)
    inst = Instance(name=name, ssh_port=port, rootfs=str(box.root), started_at=time.time())
    inst.save(names.state)
    try:
        with steps.step("prepare the root, disk and networks"):
            key = keys.ensure_key(names.key, f"stacklab-{name}")
            root = overlay.mount(box.root, names.folder)
            inst.overlay = str(root)
            inst.save(names.state)
            keys.authorize(root, s.host.user, key.with_suffix(".pub"))
            rootfs.no_initramfs_updates(root)
            host_key = keys.install_host_key(names.folder, root)  # pinned: see hosts.hostkeys
            guest.install(box.guest, root)
            inst.loop_device = disk.attach(names.disk, s.host.volume_disk.size_gb)
            inst.save(names.state)
            inst.netns = [names.netns, names.learner_netns]
            inst.save(names.state)
            network.create(names, s)
            sys_binds = netsysfs.mount(network.netns_path(names.netns), names.folder / "sys")
        with steps.step("boot"):
            cmd = nspawn.command(root, name, s.host.name, network.netns_path(names.netns),
                                 {inst.loop_device: s.host.volume_disk.device,
                                  "/dev/loop-control": "/dev/loop-control", **sys_binds})
            inst.cgroups = [str(p) for p in cgroups.hierarchies()]
            proc = nspawn.start(cmd, names.cgroup, names.folder / "console.log")
            inst.nspawn_pid = proc.pid
            inst.save(names.state)
            inst.forwarder_pid = _start_forwarder(names, port, s)
            inst.save(names.state)
        target = _target(names, port, s, host_key)
        with steps.step("wait for SSH"):
            ready.wait_for_ssh(target, boot_timeout, lambda: nspawn.alive(inst.nspawn_pid),
                               command=f"test -b {s.host.volume_disk.device}")
    except BaseException:
        down(name=name, steps=steps, forget=False, timeout=10)
        raise
    if record:
        write_lab_state(target, container=name)
    return target


def _target(names: Names, port: int, s: Settings, host_key: str) -> Target:
    return Target(hostname=LOOPBACK, port=port, user=s.host.user, key_file=str(names.key),
                  name=names.name, kind=KIND, host_key=host_key)


def _start_forwarder(names: Names, port: int, s: Settings) -> int:
    folders = cgroups.make(names.cgroup, "forwarder")
    proc = subprocess.Popen(
        [sys.executable, "-m", "stacklab.labhost.container.forwarder", str(port),
         str(network.netns_path(names.learner_netns)), str(s.network.public.address), "22"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        start_new_session=True, preexec_fn=lambda: cgroups.join(folders))
    assert proc.stdout is not None
    line = proc.stdout.readline().decode().strip()
    proc.stdout.close()
    if line != "ready":
        proc.wait(timeout=5)
        raise StacklabError(f"cannot listen on {LOOPBACK}:{port} for SSH: "
                            f"{line.removeprefix('error: ') or 'the forwarder died'}",
                            "pick another port: providers.container.ssh_port in the settings, "
                            "e.g. STACKLAB__PROVIDERS__CONTAINER__SSH_PORT=2411")
    return proc.pid


def exists(name: str | None = None) -> bool:
    """Is an instance of that name (default: the learner's) up or half made?"""
    return Instance.load(Names(name or default_name()).state) is not None


def down(*, name: str | None = None, steps: Steps | None = None, forget: bool = True,
         timeout: float = SHUTDOWN_TIMEOUT, say_nothing_found: bool = True) -> bool:
    """Remove the instance and everything it made; True if there was something to remove.
    Works from the names alone when the state file is gone; safe to run twice."""
    if name is None:
        state = read_lab_state() or {}
        name = state.get("container") or default_name()
    names = Names(name)
    steps = steps or Steps(f"down {name}")
    inst = Instance.load(names.state)
    found = bool(inst) or bool(cgroups.pids(names.cgroup)) or overlay.mounted(names.root) \
        or overlay.mounted(names.folder / "sys") \
        or any(network.exists(ns) for ns in (names.netns, names.learner_netns)) \
        or bool(disk.devices_backed_by(names.disk))
    if found:
        with steps.step("stop and remove"):
            # without the state file, nspawn is found in its cgroup: still an orderly stop
            pid = inst.nspawn_pid if inst else cgroups.supervisor_pid(names.cgroup)
            # the lab's instances go with it: their qemu would hold the shutdown for minutes
            _kill_guests(names.cgroup)
            clean = nspawn.stop(pid, names.cgroup, timeout)
            if not clean:
                steps.say(f"it did not shut down within {timeout:.0f} s: stopped it by force")
            cgroups.kill_all(names.cgroup)
            cgroups.remove(names.cgroup)
            overlay.unmount(names.root)
            netsysfs.unmount(names.folder / "sys")
            disk.detach(names.disk)
            network.remove([names.netns, names.learner_netns])
            console = names.folder / "console.log"
            if console.exists():  # kept for a look after a failed boot
                console.replace(names.folder / "last-console.log")
            for item in ("upper", "work", "root", "sys", names.disk.name):
                path = names.folder / item
                if overlay.mounted(path):  # never delete through a mount (sysfs, the box)
                    raise StacklabError(f"{path} is still mounted", f"umount {path}, then "
                                        "run `stacklab down` again")
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
            names.state.unlink(missing_ok=True)
    elif say_nothing_found:
        steps.say("nothing to remove")
    if forget:
        state = read_lab_state() or {}
        if state.get("container") == name:
            clear_lab_state()
    return found


def _kill_guests(group: str) -> None:
    """SIGKILL the emulated instances (qemu) running inside the lab host."""
    for pid in cgroups.pids(group):
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
            if comm.startswith("qemu-system"):
                os.kill(pid, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            continue  # gone already
