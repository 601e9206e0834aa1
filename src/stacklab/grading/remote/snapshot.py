"""Read the whole OpenStack state the graders need, once, as JSON (runs on the lab host).

One openstacksdk process per run: log in as the cloud admin and as the tutorial's user,
list every resource kind in parallel, print one JSON document. Each kind that cannot be
read is reported under "errors" with the reason; the rest still comes back.

An answer (401, 404, an empty list, a refused connection, a 500) is told apart from no
answer (a timeout, a connection lost or reset, 502/503/504): the kinds and logins that got
no answer are listed under "unanswered" too, so the kit reports them as errors (it could not
find out), never as the learner's mistake. A slow API gets the time it needs within the
program's LIMIT (seconds; the same on every run, so a recorded host can replay it): a
request may take all that is left, one that got no answer is tried again while time
remains, and the document is printed when the limit is reached.
"""

import contextlib
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor, wait

LIMIT = 120.0  # seconds for the logins and every listing, retries included
RETRY_PAUSE = 1.0


def _get(obj, *names, default=None):
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value is not None:
            return value
    return default


def _service(s):
    return {"binary": s.binary, "host": s.host, "zone": _get(s, "availability_zone", "zone"),
            "status": s.status, "state": s.state, "updated_at": s.updated_at}


def _agent(a):
    return {"binary": a.binary, "host": a.host, "zone": a.availability_zone or "-",
            "status": "enabled" if a.is_admin_state_up else "disabled",
            "state": "up" if a.is_alive else "down", "updated_at": a.last_heartbeat_at,
            "type": a.agent_type}


def _server(s):
    addresses = []
    for network, entries in (s.addresses or {}).items():
        for entry in entries:
            addresses.append({"network": network, "addr": entry.get("addr"),
                              "type": entry.get("OS-EXT-IPS:type")})
    flavor = s.flavor or {}
    image = s.image or {}
    return {"id": s.id, "name": s.name, "status": s.status, "project_id": s.project_id,
            "flavor": _get(flavor, "original_name", "name"),
            "key_name": s.key_name, "image_id": _get(image, "id"),
            "addresses": addresses,
            "security_groups": sorted({g.get("name") for g in s.security_groups or []}),
            "volumes": [v.get("id") for v in s.attached_volumes or []],
            "host": s.compute_host}


def _image(i):
    props = i.properties or {}
    return {"id": i.id, "name": i.name, "status": i.status, "visibility": i.visibility,
            "owner": _get(i, "owner_id", "owner"), "disk_format": i.disk_format,
            "container_format": i.container_format, "size": i.size,
            "kernel_id": i.kernel_id or props.get("kernel_id"),
            "ramdisk_id": i.ramdisk_id or props.get("ramdisk_id")}


def _rule(r):
    return {"direction": r.get("direction"), "ethertype": r.get("ethertype"),
            "protocol": r.get("protocol"), "port_min": r.get("port_range_min"),
            "port_max": r.get("port_range_max"),
            "remote_ip_prefix": r.get("remote_ip_prefix"),
            "remote_group_id": r.get("remote_group_id")}


def _backend(host):
    """'cloud-controller@rbd#rbd-standin' -> 'rbd': the cinder.conf section that serves it."""
    if not host or "@" not in host:
        return None
    return host.split("@", 1)[1].split("#", 1)[0] or None


def _volume(v):
    host = _get(v, "host")  # os-vol-host-attr:host, admins only
    return {"id": v.id, "name": v.name, "status": v.status, "size": v.size,
            "zone": v.availability_zone, "project_id": v.project_id,
            "host": host, "backend": _backend(host),
            "attachments": [{"server_id": a.get("server_id"), "device": a.get("device")}
                            for a in v.attachments or []]}


# kind -> (which login, how to list, how to describe one)
KINDS = {
    "compute_services": ("admin", lambda c: c.compute.services(), _service),
    "volume_services": ("admin", lambda c: c.block_storage.services(), _service),
    "network_agents": ("admin", lambda c: c.network.agents(), _agent),
    "endpoints": ("admin", lambda c: c.identity.endpoints(), None),
    "catalog_services": ("admin", lambda c: c.identity.services(),
                         lambda s: {"id": s.id, "name": s.name, "type": s.type}),
    "projects": ("admin", lambda c: c.identity.projects(),
                 lambda p: {"id": p.id, "name": p.name, "enabled": p.is_enabled}),
    "users": ("admin", lambda c: c.identity.users(),
              lambda u: {"id": u.id, "name": u.name, "enabled": u.is_enabled}),
    "roles": ("admin", lambda c: c.identity.roles(), lambda r: {"id": r.id, "name": r.name}),
    "role_assignments": ("admin", lambda c: c.identity.role_assignments(),
                         lambda a: {"user_id": _get(a.user or {}, "id"),
                                    "project_id": _get((a.scope or {}).get("project") or {},
                                                       "id"),
                                    "role_id": _get(a.role or {}, "id")}),
    "role_inferences": ("admin", lambda c: c.identity.get("/role_inferences").json().get(
                            "role_inferences", []),
                        lambda r: {"prior": r["prior_role"]["name"],
                                   "implies": [x["name"] for x in r.get("implies", [])]}),
    "images": ("admin", lambda c: c.image.images(), _image),
    "flavors": ("admin", lambda c: c.compute.flavors(is_public=None),
                lambda f: {"id": f.id, "name": f.name, "ram": f.ram, "disk": f.disk,
                           "vcpus": f.vcpus, "is_public": f.is_public}),
    # not details=True: since microversion 2.88 the details hold the uptime, which nova-api
    # asks nova-compute for over RabbitMQ: with either down, the call (and an API worker)
    # hangs. The short list has the state and status the checks need.
    "hypervisors": ("admin", lambda c: c.compute.hypervisors(details=False),
                    lambda h: {"name": h.name, "state": h.state, "status": h.status}),
    "servers": ("admin", lambda c: c.compute.servers(all_projects=True), _server),
    "networks": ("admin", lambda c: c.network.networks(),
                 lambda n: {"id": n.id, "name": n.name, "external": n.is_router_external,
                            "shared": n.is_shared, "network_type": n.provider_network_type,
                            "physical_network": n.provider_physical_network,
                            "project_id": n.project_id, "subnet_ids": n.subnet_ids}),
    "subnets": ("admin", lambda c: c.network.subnets(),
                lambda s: {"id": s.id, "name": s.name, "network_id": s.network_id,
                           "cidr": s.cidr, "gateway_ip": s.gateway_ip,
                           "allocation_pools": s.allocation_pools,
                           "enable_dhcp": s.is_dhcp_enabled}),
    "routers": ("admin", lambda c: c.network.routers(),
                lambda r: {"id": r.id, "name": r.name, "project_id": r.project_id,
                           "external_network_id": _get(r.external_gateway_info or {},
                                                       "network_id")}),
    "ports": ("admin", lambda c: c.network.ports(),
              lambda p: {"id": p.id, "network_id": p.network_id, "device_id": p.device_id,
                         "device_owner": p.device_owner,
                         "fixed_ips": [{"subnet_id": f.get("subnet_id"),
                                        "ip": f.get("ip_address")} for f in p.fixed_ips or []]}),
    "floating_ips": ("admin", lambda c: c.network.ips(),
                     lambda f: {"id": f.id, "address": f.floating_ip_address,
                                "port_id": f.port_id, "fixed_ip": f.fixed_ip_address,
                                "status": f.status, "project_id": f.project_id,
                                "network_id": f.floating_network_id}),
    "security_groups": ("admin", lambda c: c.network.security_groups(),
                        lambda g: {"id": g.id, "name": g.name, "project_id": g.project_id,
                                   "rules": [_rule(r) for r in g.security_group_rules or []]}),
    "volumes": ("admin", lambda c: c.block_storage.volumes(all_projects=True), _volume),
    "keypairs": ("user", lambda c: c.compute.keypairs(),
                 lambda k: {"name": k.name, "fingerprint": k.fingerprint,
                            "public_key": k.public_key, "type": k.type}),
}


def _endpoint(e):
    return {"service_id": e.service_id, "interface": e.interface, "url": e.url,
            "region": _get(e, "region_id"), "enabled": e.is_enabled}


def _reason(exc):
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]


NO_ANSWER_TYPES = {"ConnectTimeout", "ReadTimeout", "Timeout", "TimeoutError", "timeout",
                   "RemoteDisconnected", "ConnectionResetError", "BrokenPipeError",
                   "IncompleteRead", "ChunkedEncodingError", "ProtocolError"}
NO_ANSWER_STATUS = {502, 503, 504}
CLIENT_FAULT_TYPES = {"ValueError", "KeyError", "AttributeError", "TypeError", "IndexError"}
CLIENT_FAULT_TRIES = 2  # a fault of the client's own is tried again twice, not until LIMIT


def _names(exc):
    return {c.__name__ for c in type(exc).__mro__}


def client_fault(exc):
    """True when the client failed before any answer was read: a fault of the program, not
    of the host (nothing was found out)."""
    return bool(_names(exc) & CLIENT_FAULT_TYPES)


def unanswered(exc):
    """True when `exc` means the API gave no answer (timeout, lost connection, 502/503/504);
    False for an answer: a status such as 401, 404 or 500, or a refused connection (nothing
    listens: the service is not running)."""
    names = _names(exc)
    text = str(exc)
    if names & NO_ANSWER_TYPES or "timed out" in text:
        return True
    status = getattr(exc, "status_code", None) or getattr(exc, "http_status", None)
    if status is not None:
        return status in NO_ANSWER_STATUS
    if names & {"ConnectFailure", "ConnectionError", "UnknownConnectionError"}:
        return "refused" not in text.lower()
    return client_fault(exc)


def _left(deadline):
    return float("inf") if deadline is None else deadline - time.monotonic()


def _attempt(call, deadline):
    """call() until it answers (or fails with an answer) or the deadline passes (no
    deadline: once): (value, None, False) or (None, exception, no answer?)."""
    faults = 0
    while True:
        try:
            return call(), None, False
        except Exception as exc:
            silent = unanswered(exc)
            faults += client_fault(exc)
            if (not silent or deadline is None or _left(deadline) < RETRY_PAUSE * 2
                    or faults > CLIENT_FAULT_TRIES):
                return None, exc, silent
            time.sleep(RETRY_PAUSE)


def collect(conns, kinds=None, deadline=None):
    """The snapshot: conns maps 'admin'/'user' to a connection (or an exception); kinds not
    read by `deadline` (time.monotonic()) are reported as unanswered."""
    snapshot = {"version": 1, "logins": {}, "errors": {}, "unanswered": {}}
    for who, conn in conns.items():
        ok = not isinstance(conn, BaseException)
        silent = not ok and unanswered(conn)
        snapshot["logins"][who] = {"ok": ok, "error": "" if ok else _reason(conn),
                                   "unanswered": silent}

    def one(kind, who, lister, describe):
        conn = conns.get(who)
        if conn is None or isinstance(conn, BaseException):
            silent = snapshot["logins"].get(who, {}).get("unanswered", False)
            return kind, None, f"the {who} login " + ("got no answer" if silent
                                                      else "failed"), silent
        describe = describe or _endpoint
        items, exc, silent = _attempt(lambda: [describe(x) for x in lister(conn)], deadline)
        return kind, items, (None if exc is None else _reason(exc)), silent

    chosen = kinds or list(KINDS)
    _metrics_ready(conns)
    pool = ThreadPoolExecutor(max_workers=8)
    # each listing is bound when submitted, and listings not started by the deadline are
    # cancelled: none may start later, after the answer (seen: a late one ran a test's lister)
    futures = {pool.submit(one, kind, *KINDS[kind]): kind for kind in chosen}
    done, _ = wait(futures, timeout=None if deadline is None else max(0.0, _left(deadline)))
    pool.shutdown(wait=False, cancel_futures=True)
    for future, kind in futures.items():
        if future in done:
            kind, items, error, silent = future.result()
        else:
            items, error, silent = None, "no answer within the snapshot's time limit", True
        if error is None:
            snapshot[kind] = items
        else:
            snapshot["errors"][kind] = error
            if silent:
                snapshot["unanswered"][kind] = error
    return snapshot


def _metrics_ready(conns):
    """openstacksdk makes its Prometheus counter and histogram on a connection's first
    request, unguarded: two threads doing so at once raise "Duplicated timeseries in
    CollectorRegistry" (seen as a listing that failed). Make them here, before the threads."""
    for conn in conns.values():
        config = getattr(conn, "config", None)
        for name in ("get_prometheus_counter", "get_prometheus_histogram"):
            with contextlib.suppress(Exception):  # no prometheus_client, an older sdk
                getattr(config, name)()


def login(openstack, config, who, deadline=None):
    """A connection logged in as `who`, or the exception that says why not. Each try may
    take all the time left; one that got no answer is tried again while time remains."""
    creds = config[who]

    def connect():
        conn = openstack.connect(
            auth_url=config["auth_url"], username=creds["username"],
            password=creds["password"], project_name=creds["project"],
            user_domain_name="Default", project_domain_name="Default",
            region_name=config["region"], interface="public",
            api_timeout=max(1.0, min(_left(deadline), LIMIT * 10)))
        conn.authorize()
        return conn

    conn, exc, _ = _attempt(connect, deadline)
    return conn if exc is None else exc


def main(config_json):
    started = time.monotonic()
    config = json.loads(config_json)
    deadline = started + LIMIT
    try:
        import openstack
    except ImportError:
        print(json.dumps({"version": 1, "fatal": "openstacksdk is not installed on the lab "
                          "host (python3-openstacksdk)"}))
        return
    pool = ThreadPoolExecutor(max_workers=2)
    futures = {who: pool.submit(login, openstack, config, who, deadline)
               for who in ("admin", "user")}
    wait(futures.values(), timeout=max(0.0, _left(deadline)))
    conns = {who: f.result() if f.done() else TimeoutError("no answer within the snapshot's "
                                                           "time limit")
             for who, f in futures.items()}
    snapshot = collect(conns, deadline=deadline)
    snapshot["seconds"] = round(time.monotonic() - started, 3)
    json.dump(snapshot, sys.stdout)
    sys.stdout.write("\n")
    sys.stdout.flush()
    os._exit(0)  # requests still hanging past the limit must not keep the answer back
