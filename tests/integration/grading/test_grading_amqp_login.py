"""The AMQP 0-9-1 login the graders run on the lab host, against a broker on loopback that
speaks RabbitMQ's opening frames (Connection.Start/Tune, or a closed socket on bad login)."""

from __future__ import annotations

import json
import socket
import struct
import subprocess
import sys
import threading

import pytest

from stacklab.grading.remote import HERE, program
from stacklab.grading.remote.amqp_login import login

pytestmark = pytest.mark.integration


def frame(class_id: int, method_id: int, args: bytes) -> bytes:
    payload = struct.pack(">HH", class_id, method_id) + args
    return struct.pack(">BHI", 1, 0, len(payload)) + payload + b"\xce"


def read_frame(conn: socket.socket) -> bytes:
    head = conn.recv(7, socket.MSG_WAITALL)
    size = struct.unpack(">BHI", head)[2]
    return conn.recv(size + 1, socket.MSG_WAITALL)[:-1]


class Broker:
    """Just enough of RabbitMQ's connection opening to accept or refuse a PLAIN login."""

    def __init__(self, users: dict[str, str]) -> None:
        self.users = users
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(4)
        self.port = self.server.getsockname()[1]
        self.seen: list[str] = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                assert conn.recv(8, socket.MSG_WAITALL) == b"AMQP\x00\x00\x09\x01"
                props = struct.pack(">I", 0)
                conn.sendall(frame(10, 10, b"\x00\x09" + props + struct.pack(">I", 14)
                                   + b"AMQPLAIN PLAIN" + struct.pack(">I", 5) + b"en_US"))
                payload = read_frame(conn)
                assert payload[:4] == struct.pack(">HH", 10, 11)
                rest = payload[4 + 4 + struct.unpack(">I", payload[4:8])[0]:]
                mechanism = rest[1:1 + rest[0]].decode()
                rest = rest[1 + rest[0]:]
                response = rest[4:4 + struct.unpack(">I", rest[:4])[0]]
                _, user, password = response.split(b"\x00")
                self.seen.append(f"{mechanism}:{user.decode()}")
                if self.users.get(user.decode()) != password.decode():
                    continue  # RabbitMQ closes the socket on a refused login
                conn.sendall(frame(10, 30, struct.pack(">HIH", 2047, 131072, 60)))
                close = read_frame(conn)
                assert close[:4] == struct.pack(">HH", 10, 50)
                conn.sendall(frame(10, 51, b""))

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def broker():
    b = Broker({"openstack": "Rabbit-Pass"})
    yield b
    b.close()


def test_right_password_logs_in(broker):
    answer = login("127.0.0.1", broker.port, "openstack", "Rabbit-Pass")
    assert answer == {"ok": True,
                      "detail": f"user 'openstack' logged in to 127.0.0.1:{broker.port}"}
    assert broker.seen == ["PLAIN:openstack"]


def test_wrong_password_is_refused(broker):
    answer = login("127.0.0.1", broker.port, "openstack", "wrong")
    assert not answer["ok"] and "refused user 'openstack'" in answer["detail"]


def test_nothing_listening():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    answer = login("127.0.0.1", port, "openstack", "x")
    assert not answer["ok"] and "cannot connect" in answer["detail"]


def test_the_program_runs_as_fed_to_python_on_the_host(broker):
    """Exactly what the lab host runs: `python3 -` with the script and its config on stdin."""
    source = program("amqp_login", {"host": "127.0.0.1", "port": broker.port,
                                    "user": "openstack", "password": "Rabbit-Pass"})
    out = subprocess.run([sys.executable, "-"], input=source, capture_output=True, text=True,
                         timeout=30, cwd=HERE.parent)
    assert json.loads(out.stdout)["ok"] is True, out.stderr
    assert "Rabbit-Pass" not in out.stdout + out.stderr
