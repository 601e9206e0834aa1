"""The transport's parts that need no server: known_hosts reading, the error family, this
machine's connection (stdin, streaming, time limits, upload), --accept-new on the CLI."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stat

import paramiko
import pytest
from click.testing import CliRunner

from stacklab.errors import StacklabError
from stacklab.hosts import hostkeys
from stacklab.hosts.backend import as_testinfra_host
from stacklab.hosts.errors import HostUnreachable
from stacklab.hosts.target import Target
from stacklab.hosts.transport import TIMED_OUT, LocalConnection, connect
from stacklab.labhost.container.keys import new_ed25519


@pytest.fixture
def keys():
    """Two public host keys, 'type base64', made as the kit makes its own."""
    return [new_ed25519()[1] for _ in range(2)]


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv(hostkeys.ACCEPT_NEW_ENV, raising=False)


def test_known_hosts_names_follow_openssh():
    assert hostkeys.host_name("lab", 22) == "lab"
    assert hostkeys.host_name("127.0.0.1", 2222) == "[127.0.0.1]:2222"


def test_entries_are_found_with_their_file_and_line(tmp_path, keys):
    path = tmp_path / "known_hosts"
    path.write_text(f"# comment\n\nother {keys[1]}\n@revoked lab {keys[1]}\n"
                    f"lab,10.0.0.1 {keys[0]} a comment\nlab ssh-unknown AAAA\n")
    found = hostkeys._entries(path, "lab")
    assert [k.source for k in found] == [f"{path}:5"]
    assert found[0].key.asbytes() == hostkeys.parse_key(keys[0]).asbytes()


def test_verify_refuses_unknown_and_changed_keys_and_records_with_accept_new(keys,
                                                                             monkeypatch):
    target = Target(hostname="lab", port=2222, user="u")
    key_a, key_b = (hostkeys.parse_key(k) for k in keys)
    with pytest.raises(HostUnreachable, match=r"unknown host key .* --accept-new"):
        hostkeys.verify(target, key_a)
    monkeypatch.setenv(hostkeys.ACCEPT_NEW_ENV, "1")
    hostkeys.verify(target, key_a)
    kit = hostkeys.kit_known_hosts()
    assert kit.read_text() == f"[lab]:2222 {keys[0]}\n"
    assert stat.S_IMODE(kit.stat().st_mode) == 0o600
    assert stat.S_IMODE(kit.parent.stat().st_mode) == 0o700
    hostkeys.verify(target, key_a)  # now known: nothing more written
    assert kit.read_text().count("\n") == 1
    with pytest.raises(HostUnreachable, match=rf"host key changed.*{kit}:1") as caught:
        hostkeys.verify(target, key_b)
    assert caught.value.status == "hostkey"


def test_forget_removes_only_that_hosts_lines_from_the_kits_file(keys, tmp_path):
    """A floating IP the cloud gives to a new host: its old key goes (plain and hashed
    lines), every other line stays, the file stays 0600; ~/.ssh/known_hosts is not read."""
    key_a, key_b = (hostkeys.parse_key(k) for k in keys)
    hostkeys.record("203.0.113.10", key_a)
    hostkeys.record("[203.0.113.10]:2222", key_b)  # the same address on another port
    hostkeys.record("203.0.113.11", key_b)
    salt = os.urandom(20)
    digest = hmac.new(salt, b"203.0.113.10", hashlib.sha1).digest()
    kit = hostkeys.kit_known_hosts()
    with kit.open("a") as out:
        out.write(f"# a comment naming 203.0.113.10\n|1|{base64.b64encode(salt).decode()}|"
                  f"{base64.b64encode(digest).decode()} {keys[0]}\n")
    user = tmp_path / "home" / ".ssh" / "known_hosts"
    user.parent.mkdir(parents=True)
    user.write_text(f"203.0.113.10 {keys[0]}\n")
    assert hostkeys.forget("203.0.113.10") == 2
    assert kit.read_text() == (f"[203.0.113.10]:2222 {keys[1]}\n203.0.113.11 {keys[1]}\n"
                               "# a comment naming 203.0.113.10\n")
    assert stat.S_IMODE(kit.stat().st_mode) == 0o600
    assert user.read_text() == f"203.0.113.10 {keys[0]}\n"
    assert hostkeys.forget("203.0.113.10") == 0
    kit.unlink()
    assert hostkeys.forget("203.0.113.10") == 0  # no file: nothing to do


def test_a_pinned_key_wins_over_known_hosts(keys):
    target = Target(hostname="lab", user="u", host_key=keys[0])
    hostkeys.record("lab", hostkeys.parse_key(keys[1]))
    hostkeys.verify(target, hostkeys.parse_key(keys[0]))
    with pytest.raises(HostUnreachable, match="host key mismatch"):
        hostkeys.verify(target, hostkeys.parse_key(keys[1]))


def test_the_error_family_has_one_wording():
    error = HostUnreachable("refused", "ssh://u@h:22", "login as u refused with key k")
    assert isinstance(error, StacklabError)
    assert error.reason == "ssh://u@h:22: login as u refused with key k"
    assert error.message == "cannot reach the lab host ssh://u@h:22: login as u refused " \
                            "with key k"
    assert error.hint
    with pytest.raises(ValueError):
        HostUnreachable("gone", "x", "y")


def test_a_bad_host_name_is_one_of_the_family():
    with pytest.raises(HostUnreachable) as caught:
        connect(Target(hostname="no-such-host.invalid", user="u"), timeout=2)
    assert caught.value.status == "unreachable"


def test_this_machine_takes_stdin_streams_and_stops_at_its_limit(tmp_path):
    local = connect(Target(local=True))
    out = local.run("cat; echo done >&2", b"secret stays off the command line")
    assert (out.rc, out.stdout, out.stderr) == (0, "secret stays off the command line",
                                                "done\n")
    said: list[str] = []
    done = local.stream("printf 'caf\\303'; printf '\\251\\n'; exit 3", timeout=10,
                        stdout=said.append, stderr=said.append)
    assert done.code == 3 and "".join(said) == "café\n"
    slow = local.run("echo started; sleep 30", timeout=0.5)
    assert slow.timed_out and slow.rc == TIMED_OUT and slow.stdout == "started\n"


def test_upload_writes_a_private_file(tmp_path):
    path = tmp_path / "rc"
    LocalConnection().upload("export OS_PASSWORD='x y'\n", str(path))
    assert path.read_text() == "export OS_PASSWORD='x y'\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(OSError, match="could not write"):
        LocalConnection().upload("x", str(tmp_path / "missing" / "rc"))


def test_testinfra_runs_through_the_kits_connection():
    host = as_testinfra_host(LocalConnection())
    assert host.run("echo %s", "a b").stdout == "a b\n"
    assert host.backend.connection.description == "local"
    assert host.file("/etc/hostname").exists == os.path.exists("/etc/hostname")


@pytest.mark.parametrize("command", [["check", "--help"], ["grade", "--help"],
                                     ["solve", "--help"], ["notebooks", "open", "--help"]])
def test_every_command_that_reaches_a_host_has_accept_new(command):
    from stacklab.cli import cli

    out = CliRunner().invoke(cli, command)
    assert out.exit_code == 0 and "--accept-new" in out.output


def test_accept_new_on_the_command_line_reaches_the_host_key_policy(monkeypatch):
    from stacklab.cli import cli

    monkeypatch.setattr("stacklab.cli.solve.run", lambda *a, **kw: None)
    assert not hostkeys.accept_new()
    out = CliRunner().invoke(cli, ["solve", "--only", "3", "--host", "ssh://u@h:2",
                                   "--accept-new"])
    assert out.exit_code == 0, out.output
    assert hostkeys.accept_new()
    monkeypatch.delenv(hostkeys.ACCEPT_NEW_ENV)


def test_parse_key_says_what_is_wrong():
    with pytest.raises(ValueError, match="not a public key"):
        hostkeys.parse_key("ssh-ed25519")
    with pytest.raises(ValueError, match="not a public key"):
        hostkeys.parse_key("ssh-ed25519 !!!")
    assert isinstance(hostkeys.parse_key(
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"),
        paramiko.PKey)


def test_a_damaged_pinned_key_is_one_line_not_a_crash():
    target = Target(hostname="lab", user="u", host_key="ssh-ed25519 not-base64!")
    with pytest.raises(HostUnreachable, match=r"cannot be read .* `stacklab up` again"):
        hostkeys.expected(target)
