"""SSH key files for tests that hand the kit a key: made here, never a real user's key."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

_OPENSSH = serialization.PrivateFormat.OpenSSH


def private_key(path: Path, passphrase: bytes | None = None) -> Path:
    """A fresh Ed25519 private key in OpenSSH's format (with ``passphrase``: encrypted),
    its public key beside it as PATH.pub, like ssh-keygen writes them."""
    key = ed25519.Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, _OPENSSH,
                                       _encryption(passphrase)))
    path.chmod(0o600)
    Path(f"{path}.pub").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH) + b" test\n")
    return path


def private_key_bytes(passphrase: bytes | None = None) -> bytes:
    """What :func:`private_key` writes, as bytes (for tables of files to write)."""
    key = ed25519.Ed25519PrivateKey.generate()
    return key.private_bytes(serialization.Encoding.PEM, _OPENSSH, _encryption(passphrase))


def public_key_bytes() -> bytes:
    """An Ed25519 public key line, as ssh-keygen writes it into a .pub file."""
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH,
                            serialization.PublicFormat.OpenSSH) + b" someone@example\n"


def _encryption(passphrase: bytes | None) -> serialization.KeySerializationEncryption:
    return (serialization.BestAvailableEncryption(passphrase) if passphrase
            else serialization.NoEncryption())
