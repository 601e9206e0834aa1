"""Lab 7's volume-group step, run by bash against a fake LVM: it decides before it changes
anything, moves aside only empty volume groups, and leaves data alone with one line.

The fake (pvs, vgs, pvcreate, vgcreate, vgremove, vgreduce and a sudo that just runs the
command) keeps the physical volumes in a file, as `pvs --noheadings -o pv_name,vg_name`
prints them, and the logical-volume count of each group in another; every change is
appended to a log, so a test sees exactly what the step did.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from stacklab.solve.catalog import lab_solution
from stacklab.solve.runner import BY_HAND

FAKE_LVM = r'''
import os, sys
# as on a host without device-mapper: every LVM command complains on stderr first
sys.stderr.write("  /dev/mapper/control: open failed: No such device\n")
state, counts, log = (os.environ["FAKE_LVM"] + n for n in ("/pvs", "/lvs", "/log"))
pvs = [l.split() + [""] for l in open(state).read().splitlines() if l.strip()]
pvs = [(p[0], p[1]) for p in pvs]
lvs = dict(l.split() for l in open(counts).read().splitlines() if l.strip())
cmd, argv = os.path.basename(sys.argv[1]), sys.argv[2:]
args = [a for a in argv if not a.startswith("-")]

def save():
    open(state, "w").write("".join(f"{p} {v}\n" for p, v in pvs))
    open(log, "a").write(" ".join([cmd, *argv]) + "\n")

if cmd == "pvs":
    if "pv_name,vg_name" in argv:
        print("".join(f"  {p} {v}\n" for p, v in pvs), end="")
    elif args:
        sys.exit(0 if any(p == args[0] for p, _ in pvs) else 5)
elif cmd == "vgs":
    name = args[-1] if args and args[-1] != "lv_count" else ""
    if not any(v == name for _, v in pvs):
        sys.exit(5)
    if "lv_count" in argv:
        print("  " + lvs.get(name, "0"))
elif cmd == "pvcreate":
    pvs.append((args[0], "")); save()
elif cmd == "vgcreate":
    vg, disk = args
    if any(p == disk and v for p, v in pvs):
        sys.exit(5)
    pvs = [(p, vg if p == disk else v) for p, v in pvs]; save()
elif cmd == "vgremove":
    if lvs.get(args[0], "0") != "0":
        sys.exit(5)
    pvs = [(p, "" if v == args[0] else v) for p, v in pvs]; save()
elif cmd == "vgreduce":
    pvs = [(p, "" if p in args[1:] else v) for p, v in pvs]; save()
'''


@pytest.fixture
def step(debian_solutions):
    return next(s for s in lab_solution(debian_solutions, 7).steps
                if s.id == "07-volume-group")


@pytest.fixture
def lvm(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = tmp_path / "fake_lvm.py"
    stub.write_text(FAKE_LVM)
    for name in ("pvs", "vgs", "pvcreate", "vgcreate", "vgremove", "vgreduce"):
        path = bin_dir / name
        path.write_text(f"#!/bin/sh\nexec {sys.executable} {stub} \"$0\" \"$@\"\n")
        path.chmod(0o755)
    (bin_dir / "sudo").write_text('#!/bin/sh\nexec "$@"\n')
    (bin_dir / "sudo").chmod(0o755)
    for name in ("pvs", "lvs", "log"):
        (tmp_path / name).write_text("")
    return tmp_path


def host(lvm: Path, pvs: str, lvs: str = "") -> None:
    (lvm / "pvs").write_text(pvs)
    (lvm / "lvs").write_text(lvs)


def bash(lvm: Path, script: str) -> subprocess.CompletedProcess:
    # as the transports run a step: errors stop it, pipefail, stderr joined
    env = {**os.environ, "FAKE_LVM": str(lvm), "PATH": f"{lvm / 'bin'}:{os.environ['PATH']}"}
    return subprocess.run(["bash", "-c", f"exec 2>&1\nset -eo pipefail\n{script}"], env=env,
                          capture_output=True, text=True, check=False)


def changes(lvm: Path) -> list[str]:
    return (lvm / "log").read_text().splitlines()


def test_on_a_fresh_disk_it_creates_the_group(step, lvm):
    host(lvm, "/dev/sdb\n")
    assert bash(lvm, step.check).returncode != 0
    assert bash(lvm, step.asks).stdout == ""
    assert bash(lvm, step.apply[0]).returncode == 0
    assert changes(lvm) == ["vgcreate nova-volumes /dev/sdb"]
    assert bash(lvm, step.check).returncode == 0


def test_an_empty_group_elsewhere_and_another_on_the_disk_are_moved_aside(step, lvm):
    host(lvm, "/dev/loop0 nova-volumes\n/dev/sdb mine\n")
    checked = bash(lvm, step.check)
    assert checked.returncode != 0 and "nova-volumes is on: /dev/loop0" in checked.stdout
    asked = bash(lvm, step.asks)
    assert asked.stdout.splitlines() == [
        "remove the volume group mine from /dev/sdb (it holds no logical volume), to make "
        "nova-volumes there"]
    done = bash(lvm, step.apply[0])
    assert done.returncode == 0, done.stdout
    assert changes(lvm) == ["vgremove -f mine", "vgremove -f nova-volumes",
                            "vgcreate nova-volumes /dev/sdb"]
    assert bash(lvm, step.check).returncode == 0
    assert "/dev/loop0 \n" in (lvm / "pvs").read_text(), "the other device is left as it is"


def test_a_group_with_volumes_on_the_disk_is_left_alone_with_one_line(step, lvm):
    host(lvm, "/dev/loop0 nova-volumes\n/dev/sdb mine\n", "mine 2\n")
    assert bash(lvm, step.asks).stdout == "", "nothing it would take away: it stops instead"
    done = bash(lvm, step.apply[0])
    assert done.returncode == BY_HAND
    assert changes(lvm) == [], "nothing may change before it knows it can finish"
    assert done.stdout.strip().splitlines()[-1].startswith(
        "left alone: /dev/sdb holds the volume group mine with 2 logical volume(s) (data)")
    assert "sudo vgremove mine and stacklab solve --only 7 again" in done.stdout


def test_the_group_with_volumes_on_another_device_is_left_alone(step, lvm):
    host(lvm, "/dev/loop0 nova-volumes\n/dev/sdb\n", "nova-volumes 1\n")
    done = bash(lvm, step.apply[0])
    assert done.returncode == BY_HAND and changes(lvm) == []
    assert ("sudo vgextend nova-volumes /dev/sdb && sudo pvmove /dev/loop0 && "
            "sudo vgreduce nova-volumes /dev/loop0") in done.stdout


def test_a_group_on_the_disk_and_another_device_keeps_the_disk_only(step, lvm):
    host(lvm, "/dev/sdb nova-volumes\n/dev/loop0 nova-volumes\n")
    assert bash(lvm, step.check).returncode != 0
    assert bash(lvm, step.apply[0]).returncode == 0
    assert changes(lvm) == ["vgreduce nova-volumes /dev/loop0"]
    assert bash(lvm, step.check).returncode == 0


def test_a_partition_of_the_disk_counts_as_the_disk_as_the_grader_says(step, lvm):
    host(lvm, "/dev/sdb1 nova-volumes\n")
    assert bash(lvm, step.check).returncode == 0
