"""Per student, in parallel: a port, a volume, a key pair, the server (cloud-init runs the
provisioning), the volume attached, a floating IP where the cloud needs one. Each step is
recorded as soon as it is made (so `down` knows it) and a failed host does not stop the
others: it is reported, and the inventory holds every host that is up."""

from __future__ import annotations

import base64
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from stacklab.cloudclass.cloud import Retry, wait_server_gone
from stacklab.cloudclass.keys import make_key
from stacklab.cloudclass.plan import Plan
from stacklab.cloudclass.record import READY, ClassRecord
from stacklab.cloudclass.userdata import user_data
from stacklab.hosts.hostkeys import forget, host_name
from stacklab.settings.schema import Settings

META = "stacklab_class"  # server and volume metadata key: the class's tag

Say = Callable[[str, str], None]  # (student, what happened)


def create_hosts(conn: Any, record: ClassRecord, plan: Plan, group: Any, settings: Settings,
                 retry: Retry, say: Say) -> list[str]:
    """Makes every host not yet ready; returns the students whose host failed."""
    todo = [s for s, h in record.hosts.items() if h.state != READY]
    pool = ThreadPoolExecutor(max_workers=settings.cloud.parallel)
    try:
        done = list(pool.map(lambda s: _one(conn, record, plan, group, settings, retry, say, s),
                             todo))
    except BaseException:  # Ctrl-C: the hosts not yet started are not started
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return [s for s, ok in zip(todo, done, strict=True) if not ok]


def _one(conn: Any, record: ClassRecord, plan: Plan, group: Any, settings: Settings,
         retry: Retry, say: Say, student: str) -> bool:
    before = record.hosts[student].address
    try:
        record.update(student, state="creating", error="")
        address = create_host(conn, record, plan, group, settings, retry, say, student)
    except Exception as exc:  # the host failed: the others go on, the run reports it
        text = reason(exc)
        record.update(student, state="failed", error=text)
        say(student, f"FAILED: {text}")
        return False
    record.update(student, state=READY, address=address)
    if address != before:  # a new host: a key recorded for that address was another's
        forget(host_name(address, 22))
    say(student, f"ready at {address}")
    return True


def create_host(conn: Any, record: ClassRecord, plan: Plan, group: Any, settings: Settings,
                retry: Retry, say: Say, student: str) -> str:
    cloud, tag, ids = settings.cloud, record.tag, record.hosts[student].ids
    name = record.resource_name(student)

    port = _existing(conn.network.get_port, ids.get("port")) or retry(
        f"{student}: port", lambda: conn.network.create_port(
            network_id=plan.network.id, name=name, security_group_ids=[group.id],
            description=f"stacklab class {record.name}"))
    record.update(student, ids={"port": port.id})
    retry(f"{student}: port tag", lambda: conn.network.set_tags(port, [tag]))

    volume = _existing(conn.block_storage.get_volume, ids.get("volume")) or retry(
        f"{student}: volume", lambda: conn.block_storage.create_volume(
            name=f"{name}-disk", size=plan.volume_gb, metadata={META: record.name},
            description=f"stacklab class {record.name}: {settings.host.volume_disk.device}"))
    record.update(student, ids={"volume": volume.id})
    say(student, f"port {port.mac_address}, volume {plan.volume_gb} GB")

    public = make_key(conn, retry, record.folder, record.key_name(student), student)
    server = _existing(conn.compute.get_server, ids.get("server"))
    if server is not None and server.status == "ERROR":  # an earlier try failed: start over
        retry(f"{student}: delete the failed server",
              lambda: conn.compute.delete_server(server, ignore_missing=True))
        wait_server_gone(conn, server, cloud.timeout_s, retry.sleep)
        server = None
    if server is None:
        data = user_data(settings, public, port.mac_address, volume.id)
        server = retry(f"{student}: server", lambda: conn.compute.create_server(
            name=name, image_id=plan.image.id, flavor_id=plan.flavor.id,
            networks=[{"port": port.id}], key_name=record.key_name(student),
            metadata={META: record.name},
            user_data=base64.b64encode(data.encode()).decode()))
        record.update(student, ids={"server": server.id})
    say(student, f"server {plan.flavor.name} building")
    server = _wait_active(conn, server, cloud.timeout_s)
    volume = conn.block_storage.wait_for_status(volume, status="available",
                                                failures=["error"], wait=cloud.timeout_s) \
        if volume.status != "in-use" else volume
    if volume.status != "in-use":
        retry(f"{student}: attach volume",
              lambda: conn.compute.create_volume_attachment(server, volume=volume))
    say(student, "server ACTIVE, volume attached")

    if plan.external is None:
        return port_address(conn.network.get_port(port.id))
    fip = _existing(conn.network.get_ip, ids.get("floating_ip")) or retry(
        f"{student}: floating IP", lambda: conn.network.create_ip(
            floating_network_id=plan.external.id, port_id=port.id,
            description=f"stacklab class {record.name}: {student}"))
    record.update(student, ids={"floating_ip": fip.id})
    retry(f"{student}: floating IP tag", lambda: conn.network.set_tags(fip, [tag]))
    return fip.floating_ip_address


def _wait_active(conn: Any, server: Any, timeout: int) -> Any:
    try:
        return conn.compute.wait_for_server(server, status="ACTIVE", failures=["ERROR"],
                                            wait=timeout)
    except Exception as exc:
        if type(exc).__name__ != "ResourceFailure":
            raise
        fault = (getattr(_existing(conn.compute.get_server, server.id), "fault", None)
                 or {}).get("message")  # Nova's own reason: "No valid host was found" …
        raise RuntimeError(f"server {server.name} went ERROR"
                           + (f": {fault}" if fault else "")) from exc


def reason(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc)
    lines = str(text).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def port_address(port: Any) -> str:
    fixed = [f["ip_address"] for f in port.fixed_ips or []]
    v4 = [a for a in fixed if ":" not in a]
    if not (v4 or fixed):
        raise RuntimeError(f"port {port.id} has no address")
    return (v4 or fixed)[0]


def _existing(get: Callable[[str], Any], ident: str | None) -> Any | None:
    """What an earlier, cut-short `up` made already (None: make it)."""
    if not ident:
        return None
    try:
        return get(ident)
    except Exception:
        return None
