"""Host keys over a real sshd on loopback: a pinned key is accepted and another refused,
known_hosts (plain, hashed, [host]:port) is honoured, an unknown host is refused unless
--accept-new records it; a refused host receives no login, no command and no stdin."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from recording_sshd import free_port, recording_sshd
from requires import skip_unless_programs

from stacklab.errors import StacklabError
from stacklab.hosts import hostkeys
from stacklab.hosts.errors import HostUnreachable
from stacklab.hosts.target import write_lab_state
from stacklab.hosts.transport import connect

pytestmark = pytest.mark.integration
SECRET = b"root-password-on-stdin"


@pytest.fixture(scope="module")
def server():
    skip_unless_programs(("sshd", "openssh-server"), ("ssh-keygen", "openssh-client"))
    with recording_sshd() as sshd:
        yield sshd


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """A home of its own (~/.ssh/known_hosts) and a state folder of its own (the kit's
    known_hosts, the lab state); --accept-new off."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv(hostkeys.ACCEPT_NEW_ENV, raising=False)
    (tmp_path / "home" / ".ssh").mkdir(parents=True)
    return tmp_path


@pytest.fixture(autouse=True)
def fresh_record(request):
    if "server" in request.fixturenames:
        request.getfixturevalue("server").received.unlink(missing_ok=True)


def user_known_hosts() -> Path:
    return Path(os.environ["HOME"]) / ".ssh" / "known_hosts"


def name_of(server) -> str:
    return f"[127.0.0.1]:{server.target.port}"


def send_secret(target) -> str:
    connection = connect(target, timeout=5)
    try:
        out = connection.run("cat > /dev/null", SECRET, timeout=10)
        assert (out.rc, out.stdout) == (0, "ran\n")
        return out.stdout
    finally:
        connection.close()


def eventually(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def refused(server, target) -> HostUnreachable:
    """Try to send the secret; the host must be refused with nothing reaching it."""
    logins = server.logins()
    with pytest.raises(HostUnreachable) as caught:
        send_secret(target)
    assert caught.value.status == "hostkey"
    assert server.exec_requests() == ""  # no exec request, no stdin byte
    assert server.logins() == logins  # not even a login
    return caught.value


# ---- hosts the kit started: pinned ----------------------------------------------------

def test_a_pinned_key_is_accepted_and_the_secret_goes_on_stdin(server):
    send_secret(replace(server.target, host_key=server.host_key))
    assert server.exec_requests() == f"exec: cat > /dev/null\nstdin: {SECRET.decode()}\n"


def test_another_key_than_the_pinned_one_is_refused_with_nothing_sent(server):
    error = refused(server, replace(server.target, host_key=server.other_key))
    assert "host key mismatch" in error.reason and "stacklab up" in error.reason
    assert hostkeys.fingerprint(hostkeys.parse_key(server.host_key)) in error.reason
    assert str(error).startswith(f"cannot reach the lab host {server.target.url}: ")


def test_the_lab_state_pins_the_key_for_its_address_whatever_known_hosts_says(server):
    write_lab_state(replace(server.target, host_key=server.other_key), container="lab")
    user_known_hosts().write_text(f"{name_of(server)} {server.host_key}\n")
    error = refused(server, server.target)  # a URL's target: no key of its own
    assert str(hostkeys.kit_known_hosts().parent / "lab.json") in error.reason


# ---- other hosts: OpenSSH's model -----------------------------------------------------

def test_an_unknown_host_is_refused_and_recorded_with_accept_new(server, monkeypatch):
    error = refused(server, server.target)
    assert "unknown host key" in error.reason and "--accept-new" in error.reason
    assert not hostkeys.kit_known_hosts().exists()
    monkeypatch.setenv(hostkeys.ACCEPT_NEW_ENV, "1")
    send_secret(server.target)
    kit_file = hostkeys.kit_known_hosts()
    assert kit_file.read_text() == f"{name_of(server)} {server.host_key}\n"
    assert stat.S_IMODE(kit_file.stat().st_mode) == 0o600
    assert not user_known_hosts().exists()  # the kit never writes the user's file
    monkeypatch.delenv(hostkeys.ACCEPT_NEW_ENV)
    send_secret(server.target)  # known from now on


def test_accept_new_never_overrides_a_changed_key(server, monkeypatch):
    user_known_hosts().write_text(f"# mine\n{name_of(server)} {server.other_key}\n")
    monkeypatch.setenv(hostkeys.ACCEPT_NEW_ENV, "1")
    error = refused(server, server.target)
    assert "host key changed" in error.reason
    assert f"{user_known_hosts()}:2" in error.reason  # the file and line to look at
    assert f"ssh-keygen -R '{name_of(server)}'" in error.reason
    assert not hostkeys.kit_known_hosts().exists()


def test_the_kits_own_known_hosts_counts_too(server):
    kit_file = hostkeys.kit_known_hosts()
    kit_file.parent.mkdir(parents=True)
    kit_file.write_text(f"{name_of(server)} {server.other_key}\n")
    assert f"{kit_file}:1" in refused(server, server.target).reason
    kit_file.write_text(f"{name_of(server)} {server.host_key}\n")
    send_secret(server.target)


def test_hashed_known_hosts_entries_are_honoured(server):
    path = user_known_hosts()
    path.write_text(f"{name_of(server)} {server.other_key}\n")
    subprocess.run(["ssh-keygen", "-q", "-H", "-f", str(path)], check=True,
                   capture_output=True)
    assert path.read_text().startswith("|1|")
    assert f"{path}:1" in refused(server, server.target).reason
    path.write_text(f"{name_of(server)} {server.host_key}\n")
    subprocess.run(["ssh-keygen", "-q", "-H", "-f", str(path)], check=True,
                   capture_output=True)
    send_secret(server.target)


@pytest.mark.parametrize("entry", ["127.0.0.1", "[127.0.0.1]:{other}", "[127.0.0.2]:{port}"])
def test_an_entry_for_another_port_or_address_does_not_vouch(server, entry):
    name = entry.format(other=free_port(), port=server.target.port)
    user_known_hosts().write_text(f"{name} {server.host_key}\n")
    assert "unknown host key" in refused(server, server.target).reason


@pytest.mark.parametrize("entry", ["[127.0.0.1]:{port}", "lab,[127.0.0.1]:{port}",
                                   "[127.0.0.?]:{port}", "[127.*]:*,!lab"])
def test_host_port_entries_lists_and_patterns_are_honoured(server, entry):
    name = entry.format(port=server.target.port)
    user_known_hosts().write_text(f"{name} {server.host_key}\n")
    send_secret(server.target)


def test_a_negated_pattern_excludes_the_host(server):
    user_known_hosts().write_text(f"[127.*]:*,![127.0.0.1]:{server.target.port} "
                                  f"{server.host_key}\n")
    assert "unknown host key" in refused(server, server.target).reason


# ---- the graders: no secret to an unverified host -------------------------------------

def test_a_grading_run_against_a_changed_key_stops_before_any_command(server):
    from stacklab.grading.runner import run_checks

    user_known_hosts().write_text(f"{name_of(server)} {server.other_key}\n")
    logins = server.logins()
    result = run_checks(server.target, "3")
    assert result.status == "hostkey" and "host key changed" in result.reason
    assert result.points == 0 and result.checks
    assert server.exec_requests() == "" and server.logins() == logins


@pytest.mark.filterwarnings("ignore:Unknown ssh-ed25519 host key")  # testinfra's own policy
def test_plain_pytest_over_testinfras_own_client_sends_no_secret_to_an_unknown_key(server):
    """testinfra's paramiko backend logs in by itself; the kit checks the key before its
    first stdin command and refuses."""
    import testinfra

    from stacklab.grading import transport

    t = server.target
    host = testinfra.get_host(f"paramiko://{t.user}@{t.hostname}:{t.port}",
                              ssh_identity_file=t.key_file)
    logins = server.logins()
    assert host.backend.client.get_transport().is_active()  # testinfra logged in by itself
    assert eventually(lambda: server.logins() == logins + 1)  # sshd logs it a bit later
    with pytest.raises(HostUnreachable, match="unknown host key"):
        transport.run(host, "cat > /dev/null", SECRET)
    assert server.exec_requests() == ""
    user_known_hosts().write_text(f"{name_of(server)} {server.host_key}\n")
    host2 = testinfra.get_host(f"paramiko://{t.user}@{t.hostname}:{t.port}?timeout=9",
                               ssh_identity_file=t.key_file)
    assert transport.run(host2, "cat > /dev/null", SECRET).stdout == "ran\n"
    assert SECRET.decode() in server.exec_requests()


# ---- the one error family --------------------------------------------------------------

def test_a_refused_port_and_a_silent_one_are_the_same_family():
    dead = replace(refused_target(), port=free_port())
    with pytest.raises(HostUnreachable) as gone:
        connect(dead, timeout=2)
    assert gone.value.status == "unreachable" and "connection refused" in gone.value.reason
    with silent_listener() as port, pytest.raises(HostUnreachable) as silent:
        connect(replace(dead, port=port), timeout=1)
    assert silent.value.status == "timeout"
    assert "sends no SSH greeting within 1 s" in silent.value.reason
    for error in (gone.value, silent.value):
        assert isinstance(error, StacklabError) and error.hint
        assert str(error.message).startswith("cannot reach the lab host ssh://nobody@127.0.0.1:")


def refused_target():
    from stacklab.hosts.target import Target

    return Target(hostname="127.0.0.1", user="nobody")


class silent_listener:
    """A loopback port that accepts connections and never says a word."""

    def __enter__(self) -> int:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(4)
        self.held: list[socket.socket] = []

        def hold() -> None:
            while True:
                try:
                    self.held.append(self.server.accept()[0])
                except OSError:
                    return

        threading.Thread(target=hold, daemon=True).start()
        return self.server.getsockname()[1]

    def __exit__(self, *exc) -> None:
        self.server.close()
        for conn in self.held:
            conn.close()


# ---- the command line and `stacklab up` --------------------------------------------------

def test_check_refuses_an_unknown_host_in_one_line_and_accept_new_records_it(server):
    from click.testing import CliRunner

    from stacklab.cli import cli

    t = server.target
    url = f"ssh://{t.user}@{t.hostname}:{t.port}?key={t.key_file}"
    first = CliRunner().invoke(cli, ["check", "3", "--host", url])
    # not graded: exit 3, as for any host check cannot reach (README, "Exit codes")
    assert first.exit_code == 3 and "unknown host key" in first.output
    assert "Traceback" not in first.output and server.exec_requests() == ""
    again = CliRunner().invoke(cli, ["check", "3", "--host", url, "--accept-new"])
    assert again.exit_code == 1, again.output  # graded: the recording host answers "ran"
    assert hostkeys.kit_known_hosts().read_text() == f"{name_of(server)} {server.host_key}\n"
    assert server.exec_requests()  # now the graders' commands reached it


def test_stacklab_up_pins_the_vagrant_vms_key_at_first_contact(server, monkeypatch):
    from stacklab.hosts.target import default_target, read_lab_state
    from stacklab.labhost import vagrant

    monkeypatch.setattr(vagrant, "_vagrant", lambda *args: None)  # `vagrant up` done
    monkeypatch.setattr(vagrant, "vagrant_target", lambda root: replace(server.target,
                                                                        kind="vagrant"))
    monkeypatch.setattr("stacklab.hosts.target.vagrant_target",
                        lambda root: replace(server.target, kind="vagrant"))
    vagrant.up(Path("."), "libvirt")
    assert read_lab_state()["target"]["host_key"] == server.host_key
    assert default_target().host_key is None  # Vagrant's own answer carries no key…
    send_secret(default_target())  # …the lab state pins it for that address
    server.received.unlink()
    write_lab_state(replace(server.target, kind="vagrant", host_key=server.other_key))
    assert "run `stacklab up` again" in refused(server, default_target()).reason
