"""The SSH forwarder: a loopback port on this machine, connections made inside a netns."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest


@pytest.fixture
def netns(root_required):
    name = f"slh-fw{os.getpid() % 10000}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
    yield name
    subprocess.run(["ip", "netns", "del", name], check=False)


def test_bytes_go_both_ways_into_the_namespace(netns, free_port):
    echo = subprocess.Popen(["ip", "netns", "exec", netns, sys.executable, "-c",
                             "import socket\n"
                             "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, 2, 1)\n"
                             "s.bind(('127.0.0.1', 2222)); s.listen(); print('up', flush=True)\n"
                             "c,_=s.accept(); c.sendall(b'hello ' + c.recv(100)); c.close()"],
                            stdout=subprocess.PIPE)
    assert echo.stdout.readline().strip() == b"up"
    port = free_port()
    fwd = subprocess.Popen([sys.executable, "-m", "stacklab.labhost.container.forwarder",
                            str(port), f"/run/netns/{netns}", "127.0.0.1", "2222"],
                           stdout=subprocess.PIPE)
    try:
        assert fwd.stdout.readline().strip() == b"ready"
        with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
            c.sendall(b"world")
            c.shutdown(socket.SHUT_WR)
            data = b""
            while chunk := c.recv(100):
                data += chunk
        assert data == b"hello world", "the far end lives in the namespace, not here"
    finally:
        fwd.terminate()
        fwd.wait()
        echo.kill()
        echo.wait()


def test_a_taken_port_is_one_line(free_port, netns):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "stacklab.labhost.container.forwarder",
                               str(port), f"/run/netns/{netns}", "127.0.0.1", "22"],
                              capture_output=True, text=True, timeout=10)
    assert done.returncode == 1
    assert done.stdout.strip() == "error: Address already in use"
