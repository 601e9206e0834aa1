"""The lab host's OpenStack, read once per run by one openstacksdk process on the host.

:func:`start_snapshot` starts it on its own channel of the run's SSH connection (credentials
go in on stdin), which has a time limit of its own; :func:`snapshot` waits for it (that
limit and some slack, never past the host's) and wraps the JSON in a :class:`Cloud`. What
the snapshot could not find out (no answer in time, the connection lost) raises
:class:`CheckError`; what OpenStack answered (401, 404, nothing there) is judged.
"""

from __future__ import annotations

import json
import time
from typing import Any

from stacklab.grading import transport
from stacklab.grading.markers import CheckError, CheckFailed
from stacklab.grading.remote import PYTHON, program
from stacklab.grading.remote import snapshot as snapshot_program

_PENDING = "_stacklab_snapshot"
SNAPSHOT_LIMIT = snapshot_program.LIMIT  # seconds its requests and retries take at most
SLACK = 15.0  # and for python and openstacksdk to start on the host, and the answer to come


def snapshot_config(settings) -> dict[str, Any]:
    return {
        "auth_url": settings.keystone_address_url, "region": settings.openstack.region,
        "admin": {"username": "admin", "password": settings.openstack.admin_password,
                  "project": "admin"},
        "user": {"username": settings.identity.user, "password": settings.identity.password,
                 "project": settings.identity.project},
    }


def start_snapshot(host, settings, until: float | None = None) -> tuple[transport.Pending,
                                                                        float]:
    """(the running snapshot, when to stop waiting for it: time.monotonic()).

    The program ends by its own limit (SNAPSHOT_LIMIT); the kit waits that long and the
    slack, but never past `until`, the host's deadline. (The program's input is the same on
    every run: recorded hosts replay it.)
    """
    started = host.__dict__.get(_PENDING)
    if started is None:
        pending = transport.start(host, PYTHON, program("snapshot", snapshot_config(settings)),
                                  description="openstack-snapshot")
        stop = time.monotonic() + SNAPSHOT_LIMIT + SLACK
        started = host.__dict__[_PENDING] = (pending, min(stop, until or stop))
    return started


def forget(host) -> None:
    host.__dict__.pop(_PENDING, None)


def started(host) -> bool:
    """Whether this run started reading OpenStack on `host`."""
    return _PENDING in host.__dict__


def snapshot(host, settings, until: float | None = None) -> Cloud:
    pending, stop = start_snapshot(host, settings, until)
    try:
        out = pending.result(max(0.0, stop - time.monotonic()))
    except TimeoutError:
        raise CheckError(f"OpenStack could not be read: the snapshot on the lab host gave no "
                         f"result within {stop - pending.started:.0f} s (the host is slow "
                         "or an API hangs)") from None
    except Exception as exc:  # the connection dropped, the channel could not open
        raise CheckError(f"OpenStack could not be read: the connection to the lab host "
                         f"failed ({type(exc).__name__}: {exc})") from None
    return Cloud(_document(out), settings)


def _document(out: transport.Output) -> dict[str, Any]:
    """The snapshot's JSON, or why there is none (failed: the host's; error: the kit's)."""
    lines = out.stdout.strip().splitlines()
    tail = (out.stderr.strip().splitlines() or ["no output"])[-1]
    if out.rc == 127:
        raise CheckFailed("python3 is not installed on the lab host (the OpenStack snapshot "
                          "runs in it)", "apt-get install python3-openstackclient (lab 5)")
    try:
        data = json.loads(lines[-1])
    except (ValueError, IndexError):
        raise CheckError(f"OpenStack could not be read on the lab host (exit code {out.rc}): "
                         f"{tail}") from None
    if data.get("fatal"):
        raise CheckFailed(data["fatal"], "install python3-openstackclient (lab 5)")
    return data


class Cloud:
    """The snapshot's resources, with the look-ups the graders share."""

    def __init__(self, data: dict[str, Any], settings) -> None:
        self.data = data
        self.settings = settings

    def login(self, who: str) -> tuple[bool, str]:
        """(logged in?, Keystone's answer); no answer at all is an error, not a verdict."""
        entry = self.data.get("logins", {}).get(who, {})
        if entry.get("unanswered"):
            raise CheckError(f"the {who} login at {self.settings.keystone_address_url} got no "
                             f"answer: {entry.get('error')}")
        return bool(entry.get("ok")), entry.get("error", "not tried")

    def error(self, kind: str) -> str | None:
        """What the API answered when this kind was listed (None: it was listed); no answer
        at all is an error, not a verdict."""
        silent = self.data.get("unanswered", {}).get(kind)
        if silent:
            raise CheckError(f"listing {kind.replace('_', ' ')}: no answer ({silent})")
        return self.data.get("errors", {}).get(kind)

    def items(self, kind: str) -> list[dict[str, Any]]:
        """Every resource of a kind; a kind the API refused fails the check, one it did not
        answer for ends it in error."""
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
