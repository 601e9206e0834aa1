"""The cgroup walk of `stacklab down` while systemd removes the container's cgroups.

A fake hierarchy under a tmp folder stands in for /sys/fs/cgroup: the walk must neither
raise when a folder vanishes under it nor miss the processes of the folders still there.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from pathlib import Path

import pytest

from stacklab.labhost.container import cgroups

GROUP = "stacklab-t1"


@pytest.fixture
def top(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(cgroups, "hierarchies", lambda: [tmp_path])
    return tmp_path


def make_tree(base: Path, depth: int = 4, width: int = 3) -> None:
    """A nested tree like nspawn's (payload/system.slice/…), each folder with cgroup.procs."""
    folders = [base]
    for _ in range(depth):
        folders = [f / f"c{i}" for f in folders for i in range(width)]
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "cgroup.procs").write_text("")
    (base / "cgroup.procs").write_text("11\n")
    (base / "c0" / "cgroup.procs").write_text("12\n13\n")


def test_pids_are_read_from_the_whole_subtree(top):
    make_tree(top / GROUP)
    assert cgroups.pids(GROUP) == {11, 12, 13}
    assert cgroups.pids("no-such-group") == set()


def test_remove_takes_every_folder_deepest_first(top):
    make_tree(top / GROUP)
    # a real cgroupfs removes a folder with its interface files; a tmp folder does not
    for folder in cgroups.folders(top / GROUP):
        for f in folder.glob("cgroup.procs"):
            f.unlink()
    cgroups.remove(GROUP)
    assert not (top / GROUP).exists()
    cgroups.remove(GROUP)  # nothing left: nothing to do


def test_a_tree_removed_while_it_is_listed_is_no_error(top, monkeypatch):
    """The walk lists the top folder, then the tree is gone before it descends."""
    make_tree(top / GROUP)
    real_scandir = os.scandir

    class Listing:
        """What os.scandir returns: an iterator over the entries that is a context manager."""

        def __init__(self, entries: list) -> None:
            self.entries = iter(entries)

        def __iter__(self):
            return self

        def __next__(self):
            return next(self.entries)

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> bool:
            return False

    vanished = []

    def scandir_then_vanish(path):
        if vanished:  # later listings (rmtree's own, the walk's next ones) see the truth
            return real_scandir(path)
        listing = Listing(list(real_scandir(path)))
        vanished.append(Path(path))
        shutil.rmtree(top / GROUP, ignore_errors=True)
        return listing

    monkeypatch.setattr(os, "scandir", scandir_then_vanish)
    assert cgroups.pids(GROUP) == set()
    assert vanished == [top / GROUP]
    make_tree(top / GROUP)
    vanished.clear()
    cgroups.remove(GROUP)
    assert vanished == [top / GROUP] and not (top / GROUP).exists()


def test_a_tree_removed_concurrently_is_walked_without_error(top):
    """One thread keeps making and removing the tree while `down`'s walks run."""
    stop = threading.Event()
    removals = 0

    def churn() -> None:
        nonlocal removals
        while not stop.is_set():
            with contextlib.suppress(OSError):  # the walk's remove() may take folders first
                make_tree(top / GROUP)
            shutil.rmtree(top / GROUP, ignore_errors=True)
            removals += 1

    worker = threading.Thread(target=churn)
    worker.start()
    errors: list[BaseException] = []
    try:
        for _ in range(300):
            try:
                cgroups.pids(GROUP)
                cgroups.supervisor_pid(GROUP)
                cgroups.remove(GROUP)
            except Exception as exc:  # any error is what this test looks for
                errors.append(exc)
    finally:
        stop.set()
        worker.join()
    assert removals > 0
    assert errors == []
