"""A server on the SSH port that does not speak SSH gets a reason saying what it did (closed
the connection, reset it, sent binary, sent text and then nothing), not a time limit that
never ran out. Each behaviour is a loopback server (hostile_servers)."""

from __future__ import annotations

import re
import time

import pytest
from hostile_servers import hostile_server

from stacklab.hosts.errors import HostUnreachable
from stacklab.hosts.target import Target
from stacklab.hosts.transport import connect

TIMEOUT = 8.0


@pytest.fixture(autouse=True)
def private_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # no known_hosts of the user's is read
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path / "state"))


def reason_for(behaviour: str, timeout: float = TIMEOUT) -> tuple[HostUnreachable, float]:
    with hostile_server(behaviour) as port:
        started = time.monotonic()
        with pytest.raises(HostUnreachable) as caught:
            connect(Target(hostname="127.0.0.1", port=port, user="student"), timeout=timeout)
        return caught.value, time.monotonic() - started


@pytest.mark.parametrize(("behaviour", "said"), [
    ("closes at once", "accepts connections but (closes|resets) them at once, without a word "
                       "of SSH"),
    ("resets at once", "accepts connections but resets them at once, without a word of SSH"),
    ("binary junk", "answers, but not in SSH: it sends binary data (00 01 02 03"),
    # a server that closes a connection holding data it did not read (the client's own
    # greeting) makes its kernel reset it: either ending is what the client saw
    ("garbage banner", 'answers, but not in SSH: it sends text ("hello, this is not an SSH '
                       'server"), then (closes|resets) the connection'),
    ("an HTTP server", 'answers, but not in SSH: it sends text ("HTTP/1.1 400 Bad Request"), '
                       "then (closes|resets) the connection"),
    ("text then silent", 'answers, but not in SSH: it sends text ("220 mail.example.com ESMTP '
                         'ready"), then nothing for 2 s'),
])
def test_a_server_that_is_not_ssh_is_told_by_what_it_did(behaviour, said):
    error, seconds = reason_for(behaviour)
    assert re.search(re.escape(said).replace(r"\(closes\|resets\)", "(closes|resets)"),
                     error.reason), error.reason
    assert "greeting within" not in error.reason  # no time limit ran out
    assert seconds < TIMEOUT - 2
    assert error.status == "timeout" and error.hint and "SSH port" in error.hint
    assert error.reason.startswith("ssh://student@127.0.0.1:")


def test_a_server_that_never_speaks_is_still_a_time_limit():
    error, seconds = reason_for("tarpit", timeout=1)
    assert "accepts connections but sends no SSH greeting within 1 s" in error.reason
    assert seconds >= 1


def test_a_server_that_greets_and_then_breaks_is_an_ssh_failure():
    error, _ = reason_for("banner then junk")
    assert error.status == "error"
    assert re.search("SSH failed: the server (closed|reset) the connection during the "
                     "handshake", error.reason), error.reason


def test_reading_a_started_hosts_key_says_the_same():
    from stacklab.hosts.transport import host_key_of

    with hostile_server("an HTTP server") as port, pytest.raises(HostUnreachable) as caught:
        host_key_of(Target(hostname="127.0.0.1", port=port), timeout=TIMEOUT)
    assert 'it sends text ("HTTP/1.1 400 Bad Request")' in caught.value.reason


def test_a_reset_seen_before_connect_returns_is_the_same_reason(monkeypatch):
    """Under load the client may see the server's reset before its connect() returns."""
    from stacklab.hosts import wire

    def reset(self, address):
        raise ConnectionResetError(104, "Connection reset by peer")

    monkeypatch.setattr(wire.WatchedSocket, "connect", reset)
    with pytest.raises(HostUnreachable) as caught:
        connect(Target(hostname="127.0.0.1", port=9, user="student"), timeout=TIMEOUT)
    assert ("accepts connections but resets them at once, without a word of SSH"
            in caught.value.reason), caught.value.reason
    assert caught.value.status == "timeout" and "SSH port" in caught.value.hint
