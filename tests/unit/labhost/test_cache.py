"""Artefacts are built once per key, atomically, and old ones are pruned."""

from __future__ import annotations

import os
import time

import pytest

from stacklab.labhost import cache


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("STACKLAB_CACHE_DIR", str(tmp_path / "cache"))


def test_a_second_build_with_the_same_key_is_a_cache_hit():
    calls = []

    def builder(folder):
        calls.append(folder)
        (folder / "out").write_text("x" * 5000)
        return {"answer": 42}

    first = cache.build("thing", "k1", builder, {"a": 1})
    second = cache.build("thing", "k1", builder, {"a": 1})
    assert len(calls) == 1
    assert (first.cache_hit, second.cache_hit) == (False, True)
    assert second.manifest["answer"] == 42
    assert second.manifest["inputs"] == {"a": 1}
    assert second.manifest["size_bytes"] >= 5000
    assert (second.path / "out").read_text() == "x" * 5000


def test_a_failed_build_leaves_nothing_that_looks_finished():
    def broken(folder):
        (folder / "half").write_text("")
        raise RuntimeError("network down")

    with pytest.raises(RuntimeError):
        cache.build("thing", "k2", broken, {})
    assert cache.lookup("thing", "k2") is None
    assert not (cache.kind_dir("thing") / "k2").exists()


def test_digest_is_stable_and_sensitive():
    assert cache.digest({"a": 1, "b": [1, 2]}) == cache.digest({"b": [1, 2], "a": 1})
    assert cache.digest({"a": 1}) != cache.digest({"a": 2})
    assert cache.digest(b"bytes") != cache.digest(b"bytez")


def test_prune_keeps_the_current_the_newest_and_those_in_use():
    for i, key in enumerate(["old1", "old2", "inuse", "new", "current"]):
        art = cache.build("thing", key, lambda folder: {}, {})
        stamp = time.time() - 1000 + i * 100
        os.utime(art.path / cache.MANIFEST, (stamp, stamp))
    removed = cache.prune("thing", {"old1"}, lambda p: p.name == "inuse", keep_newest=1)
    assert sorted(p.name for p in removed) == ["new", "old2"]
    left = sorted(p.name for p in cache.kind_dir("thing").iterdir() if not p.name.startswith("."))
    assert left == ["current", "inuse", "old1"]


def test_disk_usage_counts_hard_links_once(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a").write_bytes(b"x" * 100_000)
    os.link(folder / "a", folder / "b")
    one = cache.disk_usage(folder)
    assert 100_000 <= one < 200_000
