"""One SSH key pair per student: the private key 0600 in the class folder, the public key
registered with the cloud (Nova key pair) and given to the host's lab user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stacklab.cloudclass.cloud import Retry
from stacklab.labhost.container.keys import ensure_key


def key_file(folder: Path, student: str) -> Path:
    return folder / "keys" / student


def make_key(conn: Any, retry: Retry, folder: Path, name: str, student: str) -> str:
    """The student's key pair (made once, kept on a second `up`), registered as `name`;
    returns the public line."""
    private = ensure_key(key_file(folder, student), name)
    public = private.with_name(private.name + ".pub").read_text().strip()

    def register() -> None:
        existing = conn.compute.find_keypair(name, ignore_missing=True)
        if existing is not None and existing.public_key.split()[:2] != public.split()[:2]:
            conn.compute.delete_keypair(existing, ignore_missing=True)
            existing = None
        if existing is None:
            conn.compute.create_keypair(name=name, public_key=public)

    retry(f"key pair {name}", register)
    return public

