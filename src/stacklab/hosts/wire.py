"""What a server on the SSH port did when it did not speak SSH: the reason a report gives.

paramiko reports a server that closes the connection, resets it, sends a web page or a mail
greeting, or sends some text and then nothing, all as "Error reading SSH protocol banner"
(or an EOFError), and it gives up 2 s after a first line that is not SSH's. The kit opens
the TCP connection itself, on a :class:`WatchedSocket` that notes what came in and how it
ended, so that the reason says what the server did, not a time limit that never ran out.
"""

from __future__ import annotations

import errno
import socket
import time

KEEP = 512  # bytes of what the server sent that are kept to describe it
SHOWN = 60  # characters of its text a reason quotes


class WatchedSocket(socket.socket):
    """A TCP socket that remembers the first bytes received, and whether the server closed
    or reset the connection (paramiko only reads and writes it)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.received = b""
        self.closed_by_peer = False
        self.reset_by_peer = False
        self.last_data = time.monotonic()

    def recv(self, size: int, flags: int = 0) -> bytes:
        try:
            data = super().recv(size, flags)
        except OSError as exc:
            self._note(exc)
            raise
        if data:
            self.last_data = time.monotonic()
            if len(self.received) < KEEP:
                self.received += data[:KEEP - len(self.received)]
        else:
            self.closed_by_peer = True
        return data

    def send(self, data, flags: int = 0) -> int:
        try:
            return super().send(data, flags)
        except OSError as exc:
            self._note(exc)
            raise

    def sendall(self, data, flags: int = 0) -> None:
        try:
            super().sendall(data, flags)
        except OSError as exc:
            self._note(exc)
            raise

    def _note(self, exc: OSError) -> None:
        if exc.errno in (errno.ECONNRESET, errno.EPIPE):
            self.reset_by_peer = exc.errno == errno.ECONNRESET
            self.closed_by_peer = self.closed_by_peer or exc.errno == errno.EPIPE

    @property
    def greeted(self) -> bool:
        """The server sent SSH's version line (a line starting 'SSH-')."""
        return any(line.startswith(b"SSH-") for line in self.received.split(b"\n"))


def what_it_did(sock: WatchedSocket) -> str | None:
    """What the server said and did instead of SSH, for a reason; None when it sent nothing
    and kept the connection open (a silent server: the time limit ran out) or when it did
    send SSH's greeting (then SSH itself failed, and paramiko's reason stands)."""
    if sock.greeted:
        return None
    if not sock.received:
        if sock.reset_by_peer:
            return "accepts connections but resets them at once, without a word of SSH"
        if sock.closed_by_peer:
            return "accepts connections but closes them at once, without a word of SSH"
        return None
    return f"answers, but not in SSH: it {_said(sock.received)}{_ending(sock)}"


def _said(data: bytes) -> str:
    if _is_text(data):
        first = data.decode("utf-8", "replace").strip().splitlines()[0] if data.strip() else ""
        shown = "".join(c if c.isprintable() else " " for c in first)
        shown = shown[:SHOWN] + "…" if len(shown) > SHOWN else shown
        return f'sends text ("{shown}")' if shown else "sends blank lines"
    return f"sends binary data ({data[:8].hex(' ')} …)"


def _ending(sock: WatchedSocket) -> str:
    if sock.reset_by_peer:
        return ", then resets the connection"
    if sock.closed_by_peer:
        return ", then closes the connection"
    quiet = time.monotonic() - sock.last_data
    return f", then nothing for {quiet:.0f} s" if quiet >= 1 else ""


def _is_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(data) - 3:  # not just a character cut at the end of what came
            return False
        text = data[:exc.start].decode("utf-8")
    return all(c.isprintable() or c in "\r\n\t" for c in text)
