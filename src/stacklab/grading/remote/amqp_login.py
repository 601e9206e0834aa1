"""Log in to RabbitMQ the way the OpenStack services do: AMQP 0-9-1, PLAIN (runs on the lab host).

Only the opening handshake: the broker's Connection.Tune means the user and password were
accepted; a close of the connection (or Connection.Close 403) means they were refused.
Prints one JSON line: {"ok": bool, "detail": str, "unanswered": bool}; unanswered: the broker
did not answer in time (a timeout), which is no verdict on the user.
"""

import json
import socket
import struct

FRAME_END = 0xCE


def _shortstr(text):
    data = text.encode()
    return struct.pack("B", len(data)) + data


def _longstr(data):
    return struct.pack(">I", len(data)) + data


def _method(class_id, method_id, args):
    payload = struct.pack(">HH", class_id, method_id) + args
    return struct.pack(">BHI", 1, 0, len(payload)) + payload + bytes([FRAME_END])


def _read_frame(sock):
    head = _recv_exact(sock, 7)
    kind, _channel, size = struct.unpack(">BHI", head)
    payload = _recv_exact(sock, size + 1)[:-1]
    return kind, payload


def _recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the broker closed the connection")
        data += chunk
    return data


def login(host, port, user, password, timeout=20.0):
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except TimeoutError:
        return {"ok": False, "unanswered": True,
                "detail": f"{host}:{port} did not answer within {timeout:g} s"}
    except OSError as exc:
        return {"ok": False, "detail": f"cannot connect to {host}:{port}: {exc.strerror or exc}"}
    try:
        sock.sendall(b"AMQP\x00\x00\x09\x01")
        kind, payload = _read_frame(sock)
        if kind != 1 or payload[:4] != struct.pack(">HH", 10, 10):
            return {"ok": False, "detail": f"{host}:{port} does not speak AMQP 0-9-1"}
        response = b"\x00" + user.encode() + b"\x00" + password.encode()
        sock.sendall(_method(10, 11, struct.pack(">I", 0) + _shortstr("PLAIN")
                             + _longstr(response) + _shortstr("en_US")))
        try:
            kind, payload = _read_frame(sock)
        except ConnectionError:
            return {"ok": False, "detail": f"RabbitMQ refused user '{user}' (wrong password "
                                           "or no such user)"}
        method = struct.unpack(">HH", payload[:4])
        if method == (10, 30):  # Connection.Tune: accepted
            sock.sendall(_method(10, 50, struct.pack(">H", 200) + _shortstr("bye")
                                 + struct.pack(">HH", 0, 0)))
            return {"ok": True, "detail": f"user '{user}' logged in to {host}:{port}"}
        if method == (10, 50):  # Connection.Close
            code = struct.unpack(">H", payload[4:6])[0]
            text = payload[7:7 + payload[6]].decode(errors="replace")
            return {"ok": False, "detail": f"RabbitMQ refused user '{user}': {code} {text}"}
        return {"ok": False, "detail": f"unexpected AMQP method {method}"}
    except TimeoutError:
        return {"ok": False, "unanswered": True,
                "detail": f"RabbitMQ at {host}:{port} did not answer within {timeout:g} s"}
    except (OSError, ConnectionError, struct.error) as exc:
        return {"ok": False, "detail": f"AMQP handshake with {host}:{port} failed: {exc}"}
    finally:
        sock.close()


def main(config_json):
    c = json.loads(config_json)
    print(json.dumps(login(c["host"], c["port"], c["user"], c["password"])))
