"""Hostile 'SSH servers' on loopback: each answers a connection in one bad way.

Used by the bad-input tests: the kit must turn each into one line and an exit code,
never a traceback. Every server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

SSH_BANNER = b"SSH-2.0-OpenSSH_9.9\r\n"


def _garbage(conn: socket.socket) -> None:
    conn.sendall(b"hello, this is not an SSH server\r\n" * 3)


def _binary(conn: socket.socket) -> None:
    conn.sendall(bytes(range(256)) * 16)


def _close(conn: socket.socket) -> None:
    pass


def _reset(conn: socket.socket) -> None:
    # linger 0: close() sends a TCP reset instead of the orderly FIN
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _text_then_silent(conn: socket.socket) -> None:
    conn.sendall(b"220 mail.example.com ESMTP ready\r\n")


def _http(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")


def _long_line(conn: socket.socket) -> None:
    conn.sendall(b"x" * 200_000)


def _banner_then_garbage(conn: socket.socket) -> None:
    # less than the 16 bytes of a first packet block: the client can never parse a packet
    # from it, so what it meets is the close (a whole bogus KEXINIT was parsed now and then,
    # under load, before the close was seen: "no acceptable kex algorithm", a flaky case)
    conn.sendall(SSH_BANNER + b"\x00\x00\x00\x0c\x0a\x14" + b"\xff" * 6)


def _wrong_version(conn: socket.socket) -> None:
    conn.sendall(b"SSH-1.5-ancient\r\n")


BEHAVIOURS: dict[str, Callable[[socket.socket], None]] = {
    "garbage banner": _garbage,
    "binary junk": _binary,
    "closes at once": _close,
    "resets at once": _reset,
    "text then silent": _text_then_silent,
    "an HTTP server": _http,
    "a 200 kB line": _long_line,
    "banner then junk": _banner_then_garbage,
    "SSH 1.5 banner": _wrong_version,
}

SILENT_AFTER = {"text then silent"}  # behaviours that keep the connection open, saying nothing


@contextmanager
def hostile_server(behaviour: str) -> Iterator[int]:
    """A loopback port whose server behaves as named; 'tarpit' accepts and never speaks,
    'refused' has nothing listening. A server that goes silent keeps the connection open
    until the end."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    if behaviour == "refused":
        listener.close()
        yield port
        return
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            if behaviour == "tarpit":
                held.append(conn)
                continue
            with suppress(OSError):
                BEHAVIOURS[behaviour](conn)
            if behaviour in SILENT_AFTER:
                held.append(conn)
            else:
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join(5)
        listener.close()
        for conn in held:
            conn.close()
