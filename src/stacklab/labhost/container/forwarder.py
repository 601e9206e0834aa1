"""A small TCP forwarder: listens on this machine's loopback, connects inside a namespace.

Run as `python -m stacklab.labhost.container.forwarder LISTEN_PORT NETNS_PATH HOST PORT`.
The listening socket is made first, in the caller's namespace; then the process enters the
lab's namespace, so every connection it opens starts there. It prints `ready` once
listening; the learner's ssh reaches the lab host's sshd through it, and nothing else does.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000


def enter_netns(path: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns {path}: {os.strerror(err)}")
    finally:
        os.close(fd)


def pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for sock, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
            with contextlib.suppress(OSError):
                sock.shutdown(how)


def serve_one(client: socket.socket, host: str, port: int) -> None:
    try:
        upstream = socket.create_connection((host, port), timeout=10)
    except OSError:
        client.close()
        return
    upstream.settimeout(None)
    back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
    back.start()
    pump(client, upstream)
    back.join()
    client.close()
    upstream.close()


def listen(port: int, bind: str = "127.0.0.1") -> socket.socket:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((bind, port))
    server.listen(16)
    return server


def main(argv: list[str]) -> int:
    listen_port, netns, host, port = int(argv[0]), argv[1], argv[2], int(argv[3])
    try:
        server = listen(listen_port)
        enter_netns(netns)
    except OSError as exc:
        print(f"error: {exc.strerror or exc}", flush=True)
        return 1
    print("ready", flush=True)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)
    while True:
        client, _ = server.accept()
        threading.Thread(target=serve_one, args=(client, host, port), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
