"""`stacklab box build`: the Debian 13 lab host with every lab package in its apt cache."""

from __future__ import annotations

import re
import subprocess
import time
from urllib.parse import unquote

from stacklab.labhost.box import build_box
from stacklab.labhost.box.profile import load_profile
from stacklab.labhost.steps import Steps
from stacklab.settings import load_settings


def test_a_second_build_is_a_cache_hit(box):
    started = time.monotonic()
    again = build_box(steps=Steps("box (test)"), vagrant=False)
    took = time.monotonic() - started
    print(f"\ncached box build: {took:.2f} s; the box was built in "
          f"{box.rootfs.manifest['build_seconds']} s")
    assert all(a.cache_hit for a in again.artifacts())
    assert [a.path for a in again.artifacts()] == [a.path for a in box.artifacts()]


def test_the_box_is_the_tutorials_host(box):
    s = load_settings("container")
    root = box.root
    assert (root / "etc/hostname").read_text().strip() == s.host.name
    assert f"{s.network.public.address}\t{s.host.name}" in (root / "etc/hosts").read_text()
    assert re.search(rf"^{s.host.user}:x:\d+:\d+:.*:/bin/bash$",
                     (root / "etc/passwd").read_text(), re.M)
    assert "NOPASSWD:ALL" in (root / "etc/sudoers.d" / s.host.user).read_text()
    assert not list((root / "etc/ssh").glob("ssh_host_*")), "host keys must differ per host"
    for unit in ("systemd", "sshd"):
        assert any((root / d / unit).exists() for d in ("usr/sbin", "usr/lib/systemd",
                                                         "lib/systemd", "usr/bin"))
    assert (root / "usr/lib/x86_64-linux-gnu/security/pam_systemd.so").exists()
    assert (root / "etc/systemd/system/apt-daily.timer").resolve().as_posix() == "/dev/null"


def test_every_profile_package_installs_offline_from_the_cache(box):
    """apt resolves the whole profile inside the box, and every package it would install
    is already a .deb in /var/cache/apt/archives (so no network is ever needed)."""
    profile = load_profile("debian-13")
    done = subprocess.run(
        ["chroot", str(box.root), "apt-get", "install", "--simulate", "--yes",
         "-o", "Debug::NoLocking=1", *profile.all_packages()],
        capture_output=True, text=True, check=False, env={"LC_ALL": "C.UTF-8",
                                                          "PATH": "/usr/sbin:/usr/bin"})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    wanted = re.findall(r"^Inst (\S+) (?:\[\S+\] )?\((\S+) ", done.stdout, re.M)
    assert len(wanted) > 500, "the OpenStack packages pull in hundreds of others"
    debs = {unquote(p.name).split("_")[0] + "=" + unquote(p.name).split("_")[1]
            for p in (box.root / "var/cache/apt/archives").glob("*.deb")}
    missing = [f"{name} {version}" for name, version in wanted
               if f"{name.split(':')[0]}={version}" not in debs]
    assert not missing, f"not in the box's apt cache: {missing[:20]}"
    assert (box.root / "etc/apt/apt.conf.d/90stacklab-offline").exists()


def test_the_guest_image_is_built_from_the_box(box):
    img = box.guest
    assert img.kernel.stat().st_size > 5_000_000
    assert 1_000_000 < img.ramdisk.stat().st_size < 20_000_000
    assert img.kernel_version in {p.name.removeprefix("vmlinuz-")
                                  for p in (box.root / "boot").glob("vmlinuz-*")}
