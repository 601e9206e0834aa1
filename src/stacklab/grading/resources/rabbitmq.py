"""RabbitMQ: log in as the OpenStack services do; list its users (as root)."""

from __future__ import annotations

import json

from stacklab.grading import transport
from stacklab.grading.markers import CheckError
from stacklab.grading.remote import PYTHON, program
from stacklab.grading.resources import memo


def login(host, address: str, port: int, user: str, password: str) -> tuple[bool, str]:
    """Log in to RabbitMQ over AMQP 0-9-1 from the lab host (script and password on stdin).
    A broker that does not answer in time is an error (CheckError), not a refusal."""
    def read() -> tuple[bool, str, bool]:
        config = {"host": address, "port": port, "user": user, "password": password}
        out = transport.run(host, PYTHON, program("amqp_login", config), timeout=45)
        if out.rc == 127:
            return (False, "python3 is not installed on the lab host (the AMQP login runs in "
                    "it)", False)
        try:
            answer = json.loads(out.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return False, f"the AMQP probe failed: {(out.stderr.strip() or 'no output')[-200:]}", \
                False
        return bool(answer["ok"]), answer["detail"], bool(answer.get("unanswered"))
    ok, detail, silent = memo(host, f"amqp:{address}:{port}:{user}", read)
    if silent:
        raise CheckError(detail)
    return ok, detail


def users(host) -> list[str] | None:
    """RabbitMQ's users (rabbitmqctl is slow: ask only when a login failed)."""
    def read():
        with host.sudo():
            out = host.run("rabbitmqctl -q list_users --formatter json")
        try:
            return sorted(u["user"] for u in json.loads(out.stdout))
        except (ValueError, KeyError, TypeError):
            return None
    return memo(host, "rabbit-users", read)
