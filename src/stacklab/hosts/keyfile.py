"""A private key file a person hands over (``--host ssh://…?key=FILE``, an inventory's key
column, ``key=`` or ``ansible_ssh_private_key_file``), checked before any host is contacted.

A key the kit cannot use would otherwise fail at every host's SSH login, one by one, with
an authentication error that does not say the key file was the problem. The file is read
as paramiko (the transport) reads it, with the same loaders from ``cryptography`` and
without a passphrase: the kit never asks for one.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import (
    load_pem_private_key,
    load_ssh_private_key,
)

from stacklab.errors import StacklabError

MAX_BYTES = 64 * 1024  # the largest private key (RSA 16384 bits, PEM) is about 13 kB
_PUBLIC = (b"ssh-", b"ecdsa-sha2-", b"sk-ssh-", b"sk-ecdsa-", b"-----BEGIN SSH2 PUBLIC KEY",
           b"-----BEGIN PUBLIC KEY", b"-----BEGIN RSA PUBLIC KEY")
_EXAMPLE = "e.g. ~/.ssh/id_ed25519 (not the .pub file)"


class KeyFileError(StacklabError):
    """A key file the kit cannot log in with: names the file, what is wrong, what to do."""


def problem(path: str | Path) -> tuple[str, str] | None:
    """What is wrong with the private key file at ``path`` and what to do; None if usable."""
    file = Path(path)
    try:
        if not file.exists():
            return "no such file", f"give the path of the private key, {_EXAMPLE}"
        if file.is_dir():
            return "a folder, not a key file", f"give the private key file itself, {_EXAMPLE}"
        with file.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        return (f"cannot be read ({exc.strerror or exc})",
                "make it readable by this user (chmod 600, owned by you)")
    if len(data) > MAX_BYTES:
        return "not a private key (far too large)", f"give an SSH private key, {_EXAMPLE}"
    if data.lstrip().startswith(_PUBLIC):
        return ("a public key: the kit logs in with the private key",
                "give the private key: the same file name without .pub, e.g. ~/.ssh/id_ed25519")
    try:
        key = _load(data)
    except TypeError:  # cryptography's way of saying "encrypted, and no passphrase given"
        return ("protected by a passphrase: the kit cannot ask for one",
                "give a key without a passphrase (ssh-keygen -p -N '' -f COPY removes it "
                "from a copy)")
    except (ValueError, UnsupportedAlgorithm):
        return "not an SSH private key", f"give an SSH private key, {_EXAMPLE}"
    if not isinstance(key, (rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey,
                            ec.EllipticCurvePrivateKey)):
        return ("a kind of key SSH logins here do not support (only RSA, Ed25519, ECDSA)",
                "make an Ed25519 key: ssh-keygen -t ed25519")
    return None


def _load(data: bytes):
    # OpenSSH's own format first, then PEM (PKCS#1, PKCS#8, SEC1), as paramiko does; a DSA
    # key's deprecation warning would be a second line: the answer already says it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return load_ssh_private_key(data, password=None)
        except ValueError:
            return load_pem_private_key(data, password=None)


def check_key_file(path: str | Path, where: str = "") -> None:
    """Raise a :class:`KeyFileError` naming ``path`` (after ``where``, e.g. 'class.txt:3:
    alice:') unless it is a private key the kit can log in with."""
    found = problem(path)
    if found:
        what, hint = found
        raise KeyFileError(f"{where + ' ' if where else ''}key file {path}: {what}", hint)
