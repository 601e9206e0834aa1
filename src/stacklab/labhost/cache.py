"""Build artefacts kept under the cache folder, each keyed by a hash of its inputs.

An artefact is a folder `<cache>/<kind>/<key>/` with a `manifest.json` written last: it
exists only when the build finished. Builds go to a temporary folder first and are renamed
into place, under a lock, so two builds (a learner's and a test's) never collide.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stacklab import paths

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Artifact:
    kind: str
    key: str
    path: Path
    manifest: dict[str, Any]
    cache_hit: bool


def digest(*parts: object) -> str:
    """A short stable hash of JSON-able parts (bytes are hashed as they are)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else
                 json.dumps(part, sort_keys=True, default=str).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def source_digest(*files: Path) -> str:
    """The version of the build code: a hash of the modules whose output goes into the image."""
    return digest(*[f.read_bytes() for f in sorted(files)])


def kind_dir(kind: str) -> Path:
    return paths.cache_dir() / kind


@contextmanager
def locked(kind: str) -> Iterator[None]:
    folder = kind_dir(kind)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def lookup(kind: str, key: str) -> Artifact | None:
    path = kind_dir(kind) / key
    try:
        manifest = json.loads((path / MANIFEST).read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return Artifact(kind, key, path, manifest, cache_hit=True)


def build(kind: str, key: str, builder: Callable[[Path], dict[str, Any]],
          inputs: dict[str, Any]) -> Artifact:
    """Return the artefact for `key`, running `builder(folder) -> details` only on a miss."""
    with locked(kind):
        found = lookup(kind, key)
        if found:
            return found
        final = kind_dir(kind) / key
        tmp = kind_dir(kind) / f".{key}.building"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(final, ignore_errors=True)
        tmp.mkdir(parents=True)
        started = time.monotonic()
        details = builder(tmp)
        manifest = {"kind": kind, "key": key, "inputs": inputs, **details,
                    "build_seconds": round(time.monotonic() - started, 1),
                    "size_bytes": disk_usage(tmp),
                    "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        tmp.rename(final)
        return Artifact(kind, key, final, manifest, cache_hit=False)


def disk_usage(path: Path) -> int:
    """Bytes really used (sparse files count what they hold), without following links."""
    total = 0
    seen: set[tuple[int, int]] = set()
    for folder, dirs, files in os.walk(path):
        for name in [*dirs, *files, ""] if folder == str(path) else [*dirs, *files]:
            try:
                st = os.lstat(os.path.join(folder, name) if name else folder)
            except OSError:
                continue
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_blocks * 512
    return total


def prune(kind: str, keep: set[str], in_use: Callable[[Path], bool],
          keep_newest: int = 2) -> list[Path]:
    """Remove older artefacts of a kind: all but the kept ones, those in use, and the
    newest few (another checkout of the kit may be using one of those)."""
    folder = kind_dir(kind)
    done = sorted((c for c in folder.iterdir() if (c / MANIFEST).exists()),
                  key=lambda c: (c / MANIFEST).stat().st_mtime, reverse=True) \
        if folder.exists() else []
    removed = []
    for child in done[keep_newest:]:
        if child.name in keep or in_use(child):
            continue
        shutil.rmtree(child, ignore_errors=True)
        removed.append(child)
    return removed
