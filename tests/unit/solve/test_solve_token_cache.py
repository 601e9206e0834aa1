"""The warm CLI's Keystone token cache (zygote/server.py cache_tokens), with the real
keystoneauth1 against a stand-in Keystone on loopback that counts password logins: calls of
one epoch log in once; a changed password, another epoch, a token about to expire or one
Keystone refuses each mean a new login; a call that changes identity keeps nothing."""

from __future__ import annotations

import json
import os
import stat
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from keystoneauth1 import session
from keystoneauth1.identity import base, generic
from keystoneauth1.identity.v3 import base as v3

from stacklab.solve.zygote import Zygote, prelude
from stacklab.solve.zygote import server as zygote_server


class Keystone(BaseHTTPRequestHandler):
    """/v3: discovery; POST /v3/auth/tokens: a token; GET /thing: 200 for a good token."""

    def log_message(self, *args):  # quiet
        pass

    def reply(self, code, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        state = self.server.state
        if self.path.rstrip("/") == "/v3":
            href = f"http://127.0.0.1:{self.server.server_port}/v3/"
            return self.reply(200, {"version": {"id": "v3.14", "status": "stable",
                                                "links": [{"rel": "self", "href": href}]}})
        good = self.headers.get("X-Auth-Token") in state["valid"]
        return self.reply(200 if good else 401, {"ok": good})

    def do_POST(self):
        state = self.server.state
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        password = body["auth"]["identity"]["password"]["user"]["password"]
        state["logins"].append(password)
        token = f"token-{len(state['logins'])}"
        state["valid"].add(token)
        now = datetime.now(timezone.utc)
        expires = now + timedelta(seconds=state["lifetime"])
        stamp = "%Y-%m-%dT%H:%M:%S.000000Z"
        self.reply(201, {"token": {
            "expires_at": expires.strftime(stamp), "issued_at": now.strftime(stamp),
            "methods": ["password"], "catalog": [],
            "user": {"id": "u1", "name": "admin", "domain": {"id": "default",
                                                             "name": "Default"}},
            "project": {"id": "p1", "name": "admin", "domain": {"id": "default",
                                                                "name": "Default"}},
            "roles": [{"id": "r1", "name": "admin"}]}}, [("X-Subject-Token", token)])


@pytest.fixture
def keystone():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Keystone)
    server.state = {"logins": [], "valid": set(), "lifetime": 3600}
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


class Call:
    def __init__(self, argv: list[str], epoch: str) -> None:
        self.argv = [a.encode() for a in argv]
        self.epoch = epoch


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """cache_tokens(dir, call) as a call's child runs it (each install stands for the next
    process: the classes are unwrapped first); the classes come back after the test."""
    wrapped = [(cls, name, getattr(cls, name)) for cls, name in (
        (generic.base.BaseGenericPlugin, "get_auth_ref"), (v3.Auth, "get_auth_ref"),
        (base.BaseIdentityPlugin, "invalidate"))]
    for cls, name, original in wrapped:
        monkeypatch.setattr(cls, name, original)

    def install(argv=("server", "list"), epoch="r1"):
        for cls, name, original in wrapped:
            setattr(cls, name, original)
        zygote_server.cache_tokens(str(tmp_path), Call(list(argv), epoch))
        return tmp_path / "tokens" / epoch
    return install


def call(keystone, password="secret"):
    """One CLI process: a new plugin and session, an authenticated GET."""
    url = f"http://127.0.0.1:{keystone.server_port}"
    plugin = generic.Password(auth_url=f"{url}/v3", username="admin", password=password,
                              project_name="admin", user_domain_name="Default",
                              project_domain_name="Default")
    return session.Session(auth=plugin).get(f"{url}/thing", raise_exc=False).status_code


def test_the_calls_of_one_epoch_log_in_once(keystone, cache):
    folder = cache()
    assert [call(keystone) for _ in range(3)] == [200, 200, 200]
    assert keystone.state["logins"] == ["secret"]
    files = list(folder.iterdir())
    assert len(files) == 1 and stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0
    assert "secret" not in files[0].read_text()  # the token, never the password


def test_another_password_or_epoch_logs_in_again(keystone, cache):
    cache(epoch="r1")
    call(keystone)
    call(keystone, password="changed")
    assert keystone.state["logins"] == ["secret", "changed"]
    cache(epoch="r2")  # the next call is of the next epoch (a change ran in between)
    assert call(keystone) == 200
    assert keystone.state["logins"] == ["secret", "changed", "secret"]


def test_a_token_about_to_expire_is_not_reused(keystone, cache):
    keystone.state["lifetime"] = 60  # keystoneauth renews a token with under 120 s left
    cache()
    call(keystone)
    call(keystone)
    assert len(keystone.state["logins"]) == 2


def test_a_token_keystone_refuses_is_replaced_by_a_new_login(keystone, cache):
    folder = cache()
    call(keystone)
    keystone.state["valid"].clear()  # revoked (a password change, a fernet key rotation)
    assert call(keystone) == 200
    assert len(keystone.state["logins"]) == 2
    saved = json.loads(next(folder.iterdir()).read_text())
    assert saved["auth_token"] == "token-2"
    assert call(keystone) == 200 and len(keystone.state["logins"]) == 2


@pytest.mark.parametrize("argv", [
    ["role", "add", "--user", "nova", "--project", "service", "admin"],
    ["--os-cloud", "x", "user", "set", "--password", "p", "aimsuser"],
    ["endpoint", "create", "image", "public", "http://x:9292"],
    ["service", "delete", "glance"],
    ["project", "create", "aimsproj"]])
def test_a_call_that_changes_identity_drops_the_epochs_tokens_and_keeps_none(
        keystone, cache, argv, tmp_path):
    folder = cache(argv=("server", "list"))
    call(keystone)
    assert folder.exists()
    cache(argv=argv)
    assert not folder.exists()
    assert zygote_server.changes_identity([a.encode() for a in argv])


@pytest.mark.parametrize("argv", [
    ["role", "assignment", "list", "--user", "nova"], ["endpoint", "list"],
    ["server", "create", "aims-vm1"], ["floating", "ip", "set", "--port", "p", "x"],
    ["image", "delete", "x"]])
def test_reads_and_other_services_changes_keep_the_epochs_tokens(argv):
    assert not zygote_server.changes_identity([a.encode() for a in argv])


@pytest.mark.parametrize("epoch", ["", "../x", "r1/../../y", "x1", "r"])
def test_an_epoch_that_is_not_one_caches_nothing(keystone, cache, epoch, tmp_path):
    cache(epoch=epoch)
    call(keystone)
    call(keystone)
    assert len(keystone.state["logins"]) == 2
    assert not (tmp_path / "tokens").exists()


def test_the_epoch_travels_in_the_function_and_leaves_the_calls_environment():
    text = prelude("/tmp/stacklab-osc.x", "/usr/bin/python3", "r7")
    assert "STACKLAB_OSC_TOKENS=r7 /usr/bin/python3 -I -S -c" in text
    assert "STACKLAB_OSC_TOKENS" not in prelude("/tmp/stacklab-osc.x", "/usr/bin/python3")
    data = b"\0".join([b"Z1", b"/", b"18", b"1", b"list", b"PATH=/bin",
                       b"STACKLAB_OSC_TOKENS=r7"])
    request = zygote_server.Request(data)
    assert request.epoch == "r7" and zygote_server.TOKENS_KEY not in request.env
    assert os.fsencode("PATH") in request.env


def test_checks_share_an_epoch_until_a_script_that_may_change_the_host_ends():
    zygote = Zygote(connection=None, idle=600)  # type: ignore[arg-type]
    zygote.directory, zygote.python, zygote.checked = "/tmp/stacklab-osc.x", "python3", 1e12

    def epoch(script="openstack server list", read_only=True):
        text = zygote.prelude_for(script, read_only=read_only)
        return text.split("STACKLAB_OSC_TOKENS=")[1].split()[0] if text else None

    first = epoch()
    assert epoch() == first and first.startswith("r")
    apply = epoch("openstack role add admin", read_only=False)
    during = epoch()  # a check started while the change runs
    zygote.finished(read_only=False)
    after = epoch()
    assert apply.startswith("w") and len({first, apply, during, after}) == 4
    zygote.prelude_for("keystone-manage bootstrap", read_only=False)  # no `openstack` in it
    zygote.finished(read_only=False)
    assert epoch() not in (first, during, after)
