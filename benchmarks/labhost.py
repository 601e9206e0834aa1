"""Lab host figures: box build (cold and cached), `up` to SSH ready, guest boot to SSH.

    sudo .venv/bin/python benchmarks/labhost.py [--skip-cold] [--json FILE]

Each figure comes with a baseline measured in the same run:
  - box build: a cold build (fresh cache folder: debootstrap + downloads) vs. a cached one;
  - container: `up` until SSH answers vs. `down` (stop and remove everything);
  - guest: qemu start to SSH vs. qemu start to the kernel running the initramfs's init.
Cold builds download about 1 GB from Debian's archive and take a few minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(fn):
    started = time.monotonic()
    result = fn()
    return time.monotonic() - started, result


def box_figures(skip_cold: bool) -> dict[str, float]:
    from stacklab.labhost.box import build_box
    from stacklab.labhost.steps import Steps

    out: dict[str, float] = {}
    if not skip_cold:
        cold_dir = tempfile.mkdtemp(prefix="slh-bench-cache-", dir="/var/tmp")
        os.environ["STACKLAB_CACHE_DIR"] = cold_dir
        try:
            took, box = timed(lambda: build_box(steps=Steps("box (cold)")))
            out["box_cold_s"] = took
            out.update({f"box_cold_{k.split()[0]}_s": v
                        for k, v in box.rootfs.manifest["steps_seconds"].items()})
            out["box_rootfs_mib"] = box.rootfs.manifest["size_bytes"] / 2**20
            out["box_debs"] = box.rootfs.manifest["debs"]
            out["box_debs_mib"] = box.rootfs.manifest["debs_bytes"] / 2**20
            if "vagrant" in box.extras:
                out["vagrant_box_mib"] = box.extras["vagrant"].manifest["box_bytes"] / 2**20
            # the baseline: the same build again, now a cache hit
            out["box_cached_s"], _ = timed(lambda: build_box(steps=Steps("box")))
            out["box_cold_over_cached"] = out["box_cold_s"] / out["box_cached_s"]
        finally:
            del os.environ["STACKLAB_CACHE_DIR"]
            shutil.rmtree(cold_dir, ignore_errors=True)
    build_box(steps=Steps("box"))  # the machine's own cache, for the figures below
    out["box_cached_s"], _ = timed(lambda: build_box(steps=Steps("box")))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def container_figures(rounds: int = 3) -> dict[str, float]:
    from stacklab.labhost import container

    name = f"slh-bench{os.getpid() % 1000}"
    ups, downs = [], []
    with tempfile.TemporaryDirectory(prefix="slh-bench-state-") as state:
        os.environ["STACKLAB_STATE_DIR"] = state
        try:
            for _ in range(rounds):
                took, _ = timed(lambda: container.up(name=name, ssh_port=free_port(),
                                                     record=False))
                ups.append(took)
                took, _ = timed(lambda: container.down(name=name, timeout=60))
                downs.append(took)
        finally:
            container.down(name=name, timeout=60)
            del os.environ["STACKLAB_STATE_DIR"]
    up_s, down_s = min(ups), min(downs)
    return {"up_to_ssh_s": up_s, "up_to_ssh_max_s": max(ups), "down_s": down_s,
            "up_over_down": up_s / down_s}


def guest_figures() -> dict[str, float]:
    from stacklab.labhost.box import build_box
    from stacklab.labhost.guest.trial import trial_boot
    from stacklab.labhost.steps import Steps
    from stacklab.settings import load_settings

    img = build_box(steps=Steps("box"), vagrant=False).guest
    user = load_settings("container").image.login_user
    with tempfile.TemporaryDirectory(prefix="slh-bench-key-") as tmp:
        key = Path(tmp) / "k"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
                       check=True)
        public = key.with_suffix(".pub").read_text().strip()
        with trial_boot(img, f"slh-bg{os.getpid() % 1000}", public, user=user,
                        key_file=key) as vm:
            init_s = vm.wait_console("stacklab-guest: booting", 60)
            ssh_s = vm.wait_ssh(90)
    return {"guest_kernel_to_init_s": init_s, "guest_boot_to_ssh_s": ssh_s,
            "guest_ssh_over_init": ssh_s / init_s}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cold", action="store_true", help="no cold box build")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("benchmarks/labhost.py needs root", file=sys.stderr)
        return 2
    figures: dict[str, float] = {}
    figures.update(box_figures(args.skip_cold))
    figures.update(container_figures())
    figures.update(guest_figures())
    width = max(map(len, figures))
    print("\nlab host figures (this machine, one run):")
    for key, value in figures.items():
        print(f"  {key:<{width}}  {value:10.2f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
