"""The container lab host's parts that need no root: names, state, errors, settings."""

from __future__ import annotations

import pytest

from stacklab.errors import StacklabError
from stacklab.labhost.box.configure import hosts_file
from stacklab.labhost.container import lifecycle, naming, nspawn
from stacklab.labhost.container.naming import Names
from stacklab.labhost.container.state import Instance
from stacklab.settings import load_settings


@pytest.fixture(autouse=True)
def own_state(tmp_path, monkeypatch):
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path / "state"))


@pytest.mark.parametrize("bad", ["", "A", "x", "has space", "-lead", "a" * 40, "ok_no"])
def test_bad_instance_names_are_refused(bad):
    with pytest.raises(StacklabError, match="not valid"):
        Names(bad)


def test_every_name_derives_from_the_instance_name(tmp_path):
    n = Names("slh-t1")
    assert n.netns == "slh-t1" and n.learner_netns == "slh-t1-learner"
    assert n.folder == tmp_path / "state" / "containers" / "slh-t1"
    assert n.disk.name.startswith("slh-t1")


def test_the_default_name_can_come_from_the_environment(monkeypatch):
    assert naming.default_name() == naming.DEFAULT_NAME
    monkeypatch.setenv(naming.NAME_ENV, "slh-mine")
    assert naming.default_name() == "slh-mine"


def test_instance_state_round_trips(tmp_path):
    inst = Instance(name="slh-t1", ssh_port=2499, loop_device="/dev/loop7",
                    netns=["a", "b"], nspawn_pid=123)
    path = tmp_path / "i.json"
    inst.save(path)
    assert Instance.load(path) == inst
    assert Instance.load(tmp_path / "missing.json") is None


def test_the_ssh_port_comes_from_the_settings():
    s = load_settings("container", environ={"STACKLAB__PROVIDERS__CONTAINER__SSH_PORT": "2555"})
    assert lifecycle.default_port(s) == 2555


def test_not_root_is_one_clear_line(monkeypatch):
    monkeypatch.setattr(lifecycle.os, "geteuid", lambda: 1000)
    with pytest.raises(StacklabError, match="needs root") as err:
        lifecycle.preflight()
    assert err.value.hint == "run it with sudo"


def test_missing_systemd_nspawn_says_what_to_install(monkeypatch):
    monkeypatch.setattr(lifecycle.os, "geteuid", lambda: 0)
    monkeypatch.setattr(nspawn.shutil, "which", lambda name: None)
    with pytest.raises(StacklabError, match="systemd-nspawn is not installed") as err:
        lifecycle.preflight()
    assert "systemd-container" in err.value.hint


def test_hosts_file_maps_the_host_name_to_the_lab_address():
    s = load_settings("container", environ={})
    lines = hosts_file(s).splitlines()
    assert f"{s.network.public.address}\t{s.host.name}" in lines
    assert not any("127.0.1.1" in line for line in lines)


def test_nspawn_command_binds_the_disk_and_joins_the_namespace(tmp_path, monkeypatch):
    monkeypatch.setattr(nspawn.shutil, "which", lambda name: "/usr/bin/systemd-nspawn")
    cmd = nspawn.command(tmp_path, "slh-t1", "cloud-controller", tmp_path / "ns",
                         {"/dev/loop7": "/dev/sdb"})
    assert "--boot" in cmd and "--capability=all" in cmd and "--keep-unit" in cmd
    assert f"--network-namespace-path={tmp_path / 'ns'}" in cmd
    assert "--bind=/dev/loop7:/dev/sdb" in cmd
    assert "--hostname=cloud-controller" in cmd


def test_each_up_installs_a_fresh_host_key_that_the_target_pins(tmp_path, monkeypatch):
    from stacklab.hosts.hostkeys import parse_key
    from stacklab.labhost.container import keys

    owners = []
    monkeypatch.setattr(keys.os, "chown", lambda path, uid, gid: owners.append((uid, gid)))
    folder, root = tmp_path / "instance", tmp_path / "root"
    folder.mkdir()
    first = keys.install_host_key(folder, root)
    parse_key(first)  # a public key line: 'ssh-ed25519 AAAA…'
    installed = root / "etc/ssh" / keys.HOST_KEY
    assert (oct(installed.stat().st_mode & 0o777), owners) == ("0o600", [(0, 0), (0, 0)])
    assert " ".join(installed.with_name(keys.HOST_KEY + ".pub").read_text().split()[:2]) \
        == first == keys.host_key(folder)
    second = keys.install_host_key(folder, root)
    assert second != first and keys.host_key(folder) == second
