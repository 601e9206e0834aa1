"""The Vagrant path on the build machine: `vagrant up --provider libvirt` with the locally
built offline box and the kit's own Vagrantfile, under TCG, with a libvirtd of its own
inside a network namespace of its own. The VM must come up as the tutorial's host:
host name, eth0 at the lab address, an empty /dev/sdb.

Slow (the VM boots twice under emulation: 6–8 minutes measured), so the e2e run leaves it
out unless STACKLAB_E2E_VAGRANT=1: without KVM it would take a fifth of the e2e budget.
What only a learner's machine exercises: KVM speed, VirtualBox/VMware/Parallels, and a
host-only network that the learner's own machine joins (here the lab network ends in the
namespace).
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
from hardware import hardware_limit

from stacklab import paths
from stacklab.labhost.box import build_box
from stacklab.labhost.steps import Steps
from stacklab.settings import load_settings

pytestmark = [pytest.mark.e2e, pytest.mark.root]
WANTED = os.environ.get("STACKLAB_E2E_VAGRANT") == "1"
SLOW = ("under TCG `vagrant up` takes 6–8 min (passed in 440 s when run with "
        "STACKLAB_E2E_VAGRANT=1), too long for every e2e run")
# labs 3-7 took 410 s in the container; TCG runs this machine's code 15-20x slower
SOLVE_IN_TCG = ("solve --until 7 inside the TCG VM would take about 2 h (labs 3-7: 410 s "
                "natively × 15-20 under TCG); the container runs the same steps in stage 1")
HERE = Path(__file__).resolve().parent
BOX_NAME = "stacklab/debian-13-offline"


def _mount_ns(pid: int) -> str:
    return os.readlink(f"/proc/{pid}/ns/mnt")


@pytest.fixture(scope="module")
def sandbox():
    """(run, workdir): run(cmd, env) runs a command inside the private libvirt's namespaces."""
    if not WANTED:
        pytest.skip(hardware_limit("no usable KVM", SLOW))
    if os.geteuid() != 0:
        pytest.skip("needs root")
    for tool in ("vagrant", "libvirtd", "virtlogd", "qemu-img"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (apt-get install vagrant-libvirt "
                        "libvirt-daemon-system qemu-utils)")
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


def test_solve_until_7_in_the_vm_passes_check_7():
    """Issue 7, part 4: needs a VM that runs at native speed."""
    pytest.skip(hardware_limit("no usable KVM", SOLVE_IN_TCG))
