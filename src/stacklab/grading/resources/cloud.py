"""The lab host's OpenStack, read once per run by one openstacksdk process on the host.

:func:`start_snapshot` starts it on its own channel of the run's SSH connection (credentials
go in on stdin); :func:`snapshot` waits for it and wraps the JSON in a :class:`Cloud`.
"""

from __future__ import annotations

import json
from typing import Any

from stacklab.grading import transport
from stacklab.grading.markers import CheckFailed
from stacklab.grading.remote import PYTHON, program

_PENDING = "_stacklab_snapshot"
WAIT = 120.0  # seconds; each check's own time limit usually ends the wait first


def keystone_url(settings) -> str:
    return f"http://{settings.network.public.address}:5000/v3"


def snapshot_config(settings) -> dict[str, Any]:
    return {
        "auth_url": keystone_url(settings), "region": settings.openstack.region,
        "admin": {"username": "admin", "password": settings.openstack.admin_password,
                  "project": "admin"},
        "user": {"username": settings.identity.user, "password": settings.identity.password,
                 "project": settings.identity.project},
    }


def start_snapshot(host, settings) -> transport.Pending:
    pending = host.__dict__.get(_PENDING)
    if pending is None:
        pending = transport.start(host, PYTHON,
                                  program("snapshot", snapshot_config(settings)),
                                  description="openstack-snapshot")
        host.__dict__[_PENDING] = pending
    return pending


def forget(host) -> None:
    host.__dict__.pop(_PENDING, None)


def snapshot(host, settings) -> Cloud:
    out = start_snapshot(host, settings).result(WAIT)
    lines = out.stdout.strip().splitlines()
    try:
        data = json.loads(lines[-1])
    except (ValueError, IndexError):
        tail = (out.stderr.strip().splitlines() or ["no output"])[-1]
        raise CheckFailed(f"OpenStack could not be read on the lab host: {tail}",
                          "the python3 on the lab host must run openstacksdk "
                          "(python3-openstacksdk, installed in lab 5)") from None
    if data.get("fatal"):
        raise CheckFailed(data["fatal"], "install python3-openstackclient (lab 5)")
    return Cloud(data, settings)


class Cloud:
    """The snapshot's resources, with the look-ups the graders share."""

    def __init__(self, data: dict[str, Any], settings) -> None:
        self.data = data
        self.settings = settings

    def login(self, who: str) -> tuple[bool, str]:
        entry = self.data.get("logins", {}).get(who, {})
        return bool(entry.get("ok")), entry.get("error", "not tried")

    def error(self, kind: str) -> str | None:
        return self.data.get("errors", {}).get(kind)

    def items(self, kind: str) -> list[dict[str, Any]]:
        """Every resource of a kind; a kind that could not be read fails the check."""
        if kind not in self.data:
            reason = self.error(kind) or "not in the snapshot"
            raise CheckFailed(f"could not list {kind.replace('_', ' ')}: {reason}")
        return self.data[kind]

    def named(self, kind: str, name: str) -> list[dict[str, Any]]:
        return [x for x in self.items(kind) if x.get("name") == name]

    def by_id(self, kind: str, ident: str | None) -> dict[str, Any] | None:
        return next((x for x in self.items(kind) if x.get("id") == ident), None)

    def project_id(self, name: str) -> str | None:
        found = self.named("projects", name)
        return found[0]["id"] if found else None

    def instance(self) -> dict[str, Any] | None:
        """The tutorial's instance: in its project, by its name if it has one, ACTIVE first."""
        project = self.project_id(self.settings.identity.project)
        mine = [s for s in self.items("servers") if project and s["project_id"] == project]
        mine.sort(key=lambda s: (s.get("name") != self.settings.instance.name,
                                 s.get("status") != "ACTIVE"))
        return mine[0] if mine else None

    def require_instance(self) -> dict[str, Any]:
        server = self.instance()
        if server is None:
            project = self.settings.identity.project
            others = [s["name"] for s in self.items("servers")]
            raise CheckFailed(f"no instance in project {project}"
                              + (f" (instances elsewhere: {', '.join(others)})" if others
                                 else ""),
                              "launch it as the tutorial's user (lab 12)")
        return server

    def image(self) -> dict[str, Any] | None:
        images = self.named("images", self.settings.image.name)
        images.sort(key=lambda i: i.get("status") != "active")
        return images[0] if images else None

    def endpoints(self, service_type: str) -> list[dict[str, Any]]:
        services = {s["id"]: s for s in self.items("catalog_services")}
        return [dict(e, service_type=services[e["service_id"]]["type"])
                for e in self.items("endpoints")
                if e["service_id"] in services and services[e["service_id"]]["type"]
                == service_type]
