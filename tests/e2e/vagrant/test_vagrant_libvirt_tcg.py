"""The Vagrant path on the build machine: `vagrant up --provider libvirt` with the locally
built offline box and the kit's own Vagrantfile, under TCG, with a libvirtd of its own
inside a network namespace of its own. The VM must come up as the tutorial's host:
host name, eth0 at the lab address, an empty /dev/sdb.

Slow (the VM boots twice under emulation: 6–8 minutes measured), so it is a CI stage of
its own (`tox -e vagrant`, .ci/run) rather than part of `tox -e e2e`. A slow test is not a
hardware limit: it runs, as root with vagrant-libvirt installed, or it skips saying what
is missing (and with CI=true such a skip fails the run).
What only a learner's machine exercises: KVM speed, VirtualBox/VMware/Parallels, and a
host-only network that the learner's own machine joins (here the lab network ends in the
namespace). Not covered here: solving labs inside the VM (under TCG labs 3-7 would take
about 2 h; the container runs the same steps in the e2e suite).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from requires import skip_unless_programs, skip_unless_root

from stacklab import paths
from stacklab.labhost.box import build_box
from stacklab.labhost.steps import Steps
from stacklab.settings import load_settings

pytestmark = [pytest.mark.e2e, pytest.mark.root]
HERE = Path(__file__).resolve().parent
BOX_NAME = "stacklab/debian-13-offline"


def _mount_ns(pid: int) -> str:
    return os.readlink(f"/proc/{pid}/ns/mnt")


@pytest.fixture(scope="module")
def sandbox():
    """(run, workdir): run(cmd, env) runs a command inside the private libvirt's namespaces."""
    skip_unless_root("a libvirtd of its own in a network namespace")
    skip_unless_programs(("vagrant", "vagrant-libvirt"), ("libvirtd", "libvirt-daemon-system"),
                         ("virtlogd", "libvirt-daemon-system"), ("qemu-img", "qemu-utils"),
                         ("qemu-system-x86_64", "qemu-system-x86"), ("ip", "iproute2"),
                         ("debootstrap", "debootstrap"))
    # qemu runs as libvirt-qemu: the box's kernel must be readable by it (pytest's own tmp
    # folders are private to root)
    work = Path(tempfile.mkdtemp(prefix="slh-vagrant-tcg-", dir="/var/tmp"))
    work.chmod(0o755)
    netns = f"slh-vgt{os.getpid() % 10000}"
    subprocess.run(["ip", "netns", "add", netns], check=True)
    holder = subprocess.Popen(["ip", "netns", "exec", netns, "unshare", "-m",
                               "--propagation", "private", str(HERE / "libvirt_sandbox.sh"),
                               str(work)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "sandbox-ready"
    pid = int((work / "sandbox.pid").read_text())
    ns = _mount_ns(pid)

    def run(cmd, env=None, timeout=600):
        return subprocess.run(["nsenter", "-t", str(pid), "-m", "-n", *cmd], env=env,
                              capture_output=True, text=True, timeout=timeout, check=False)

    yield run, work
    # everything started in the sandbox's mount namespace: libvirtd, virtlogd, dnsmasq, qemu
    inside = [int(p) for p in os.listdir("/proc") if p.isdigit() and p != str(os.getpid())
              and _safe_ns(int(p)) == ns]
    for p in inside:
        _kill(p)
    holder.wait(timeout=30)
    subprocess.run(["ip", "netns", "del", netns], check=False)
    shutil.rmtree(work, ignore_errors=True)
    with contextlib.suppress(OSError):  # the sandbox's mount point, if nobody else uses it
        os.rmdir("/run/libvirt")


def _safe_ns(pid: int) -> str | None:
    try:
        return _mount_ns(pid)
    except OSError:
        return None


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, 9)


def _quiet(text: str) -> str:
    """Vagrant's output without its progress bars."""
    return "\n".join(line for line in text.replace("\r", "\n").splitlines()
                     if "Progress:" not in line)


def test_vagrant_up_with_the_offline_box_under_tcg(sandbox):
    run, work = sandbox
    box = build_box(steps=Steps("box (e2e)"))
    assert "vagrant" in box.extras, "the Vagrant box was not built (vagrant's key missing?)"
    box_file = box.extras["vagrant"].path / box.extras["vagrant"].manifest["box"]
    s = load_settings()
    env = {**os.environ, "VAGRANT_HOME": str(work / "vagrant.d"),
           "VAGRANT_DOTFILE_PATH": str(work / "dot-vagrant"),
           "STACKLAB__BOXES__OVERRIDE": BOX_NAME, "STACKLAB__HOST__ACCELERATOR": "tcg",
           "STACKLAB__HOST__OS": "debian-13", "STACKLAB__HOST__MEMORY_MB": "2048"}
    added = run(["vagrant", "box", "add", "--force", "--name", BOX_NAME, str(box_file)], env)
    assert added.returncode == 0, added.stdout[-2000:] + added.stderr
    started = time.monotonic()
    up = run(["sh", "-c", f"cd {paths.kit_root()} && vagrant up --provider libvirt"], env,
             timeout=3000)
    took = time.monotonic() - started
    print(f"\nvagrant up (libvirt, TCG, boots twice): {took:.0f} s")
    assert up.returncode == 0, _quiet(up.stdout)[-3000:] + up.stderr[:1500]
    probe = run(["sh", "-c", f"cd {paths.kit_root()} && vagrant ssh -c "
                 f"'hostname; ip -4 -o addr show {s.network.public.interface}; "
                 f"sudo blkid -p {s.host.volume_disk.device}; echo blkid=$?; "
                 f"lsblk -bdno SIZE {s.host.volume_disk.device}'"], env, timeout=300)
    out = probe.stdout
    try:
        assert probe.returncode == 0, out + probe.stderr
        assert out.splitlines()[0].strip() == s.host.name
        assert f" {s.network.public.address}/{s.network.public.cidr.prefixlen} " in out
        assert "blkid=2" in out, "the second disk must be empty (no signature at all)"
        assert str(s.host.volume_disk.size_gb * 2**30) in out
    finally:
        run(["sh", "-c", f"cd {paths.kit_root()} && vagrant destroy --force"], env)

