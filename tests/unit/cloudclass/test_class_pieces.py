"""The pieces of `stacklab class`: the student file, cloud-init's user-data, the retry rule,
and the command line's one-line errors and exit codes."""

from __future__ import annotations

import json
import stat

import pytest
import yaml
from click.testing import CliRunner
from fake_cloud import FakeCloud

from stacklab.cli.app import cli
from stacklab.cloudclass import userdata
from stacklab.cloudclass.cloud import is_transient
from stacklab.cloudclass.students import load_students, numbered
from stacklab.errors import StacklabError
from stacklab.paths import PACKAGE_DIR, kit_root


def test_a_plain_student_file_carries_the_roster(tmp_path):
    path = tmp_path / "students"
    path.write_text("# workshop A\nalice email=alice@example.edu sis_id=S1 section=A\n\nbob\n")
    alice, bob = load_students(path)
    assert alice.roster() == {"email": "alice@example.edu", "sis_id": "S1", "section": "A"}
    assert bob.name == "bob" and bob.roster() == {}


@pytest.mark.parametrize("text, problem", [
    ("alice\nalice\n", r"students:2: 'alice' appears twice \(first on line 1\)"),
    ("alice phone=1\n", r"students:1: 'phone=1' is not one of email=…"),
    ("al ice@x\n", r"students:1: 'ice@x' is not one of"),
    ("a@b\n", r"students:1: 'a@b' is not a usable student name"),
    ("# nobody\n", r"no students in it"),
    ("name,mail\nalice,a@x\n", r"students:1: the header must name the columns .* \(not mail\)"),
    ("ann.lee\nbob\nann_lee\n", r"students:3: 'ann_lee' and 'ann.lee' \(line 1\) would share "
                                 r"the key pair CLASS_ann_lee \(Nova allows only"),
    ("Ann\nann\n", r"students:2: 'ann' and 'Ann' \(line 1\) would share the key pair"),
])
def test_a_bad_student_file_is_one_line_naming_it(tmp_path, text, problem):
    path = tmp_path / "students"
    path.write_text(text)
    with pytest.raises(StacklabError, match=problem):
        load_students(path)


def test_count_numbers_the_students():
    assert [s.name for s in numbered(3)] == ["student01", "student02", "student03"]
    assert numbered(120)[-1].name == "student120"
    with pytest.raises(StacklabError, match="--count 0"):
        numbered(0)


def test_user_data_runs_the_vagrant_vms_own_provisioning(settings):
    text = userdata.user_data(settings, "ssh-ed25519 AAAAC3 ws1-alice", "fa:16:3e:00:00:0a",
                              "0d5e8a1c-5c8e-4a1b-9d2f-000000000000")
    assert text.startswith("#cloud-config\n")
    config = yaml.safe_load(text)
    script = next(f for f in config["write_files"] if f["path"] == userdata.ON_HOST)
    assert script["content"] == (PACKAGE_DIR / "vagrant" / "provision.sh").read_text()
    run = config["runcmd"][-1]
    env = dict(word.split("=", 1) for word in run if word.startswith("SL_"))
    assert run[-2:] == ["sh", userdata.ON_HOST]
    vagrantfile = (kit_root() / "Vagrantfile").read_text()
    assert set(env) == userdata.vagrantfile_env_names(vagrantfile)  # the same inputs
    assert env["SL_MGMT_MAC"] == "fa:16:3e:00:00:0a"  # the Neutron port's MAC
    assert env["SL_PUBLIC_ADDRESS"] == str(settings.network.public.address)
    assert env["SL_DISK"] == settings.host.volume_disk.device
    lab_user = config["users"][1]
    assert lab_user["name"] == settings.host.user
    assert lab_user["ssh_authorized_keys"] == ["ssh-ed25519 AAAAC3 ws1-alice"]
    rule = next(f for f in config["write_files"] if f["path"].startswith("/etc/udev"))
    assert 'ENV{ID_SERIAL}=="0d5e8a1c-5c8e-4a1b-9*"' in rule["content"]
    assert 'SYMLINK+="sdb"' in rule["content"]
    netdevs = [f["content"] for f in config["write_files"] if f["path"].endswith(".netdev")]
    assert f"MACAddress={settings.network.public.mac}" in netdevs[0]
    assert config["power_state"]["mode"] == "reboot"
    assert config["preserve_hostname"] is True and config["manage_etc_hosts"] is False


def test_which_errors_are_tried_again():
    from openstack import exceptions

    assert is_transient(exceptions.HttpException("x", http_status=503))
    assert is_transient(exceptions.HttpException("x", http_status=429))
    assert not is_transient(exceptions.HttpException("x", http_status=409))
    assert not is_transient(exceptions.NotFoundException("x", http_status=404))
    assert not is_transient(exceptions.ResourceFailure("server went ERROR"))
    from keystoneauth1 import exceptions as ka

    assert is_transient(ka.ConnectFailure("refused"))


@pytest.fixture
def run(monkeypatch):
    """The command line against the fake cloud; its hosts' sshd "answers" without a packet
    sent (their addresses are the documentation range's)."""
    cloud = FakeCloud()
    monkeypatch.setattr("stacklab.cloudclass.cloud.connect", lambda name: cloud)
    probed: list[str] = []
    monkeypatch.setattr("stacklab.cloudclass.reach.ssh_banner",
                        lambda address: probed.append(address) or True)

    def invoke(*args: str):
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
        return result.exit_code, result.output

    invoke.cloud, invoke.probed = cloud, probed  # type: ignore[attr-defined]
    return invoke


@pytest.mark.parametrize("args, problem", [
    (["--count", "2"], "no address range may SSH to the hosts yet"),
    (["--count", "2", "--students", "x", "--ssh-from", "10.0.0.0/8"],
     "give either --students FILE or --count N"),
    (["--ssh-from", "10.0.0.0/8"], "give either --students FILE or --count N"),
    (["--count", "2", "--ssh-from", "10.0.0/33"], "--ssh-from 10.0.0/33: not an address"),
    (["--count", "2", "--ssh-from", "10.0.0.0/8", "--name", "Bad_Name"],
     "--name Bad_Name: not a usable class name"),
])
def test_bad_input_is_one_line_and_exit_2_before_the_cloud(run, args, problem):
    code, output = run("class", "up", "--cloud", "school", *args)
    assert code == 2 and f"stacklab: {problem}" in output
    assert run.cloud.calls == []


def test_students_sharing_a_key_pair_name_stop_up_before_the_cloud(run, state_dir,
                                                                   tmp_path):
    students = tmp_path / "students"
    students.write_text("ann.lee email=ann@example.edu\nann_lee\n")
    code, output = run("class", "up", "--cloud", "school", "--students", str(students),
                       "--ssh-from", "192.0.2.0/24")
    assert code == 2 and f"stacklab: {students}:2: 'ann_lee' and 'ann.lee' (line 1)" in output
    assert run.cloud.calls == [] and not (state_dir / "classes").exists()


def test_up_status_down_on_the_command_line(run, state_dir):
    cloud = run.cloud
    cloud.server_fails.add("class-student02")
    code, output = run("class", "up", "--cloud", "school", "--count", "3",
                       "--ssh-from", "192.0.2.0/24")
    assert code == 3
    assert "stacklab: 1 of 3 hosts failed: student02 (" in output
    assert "student01: ready at 203.0.113." in output
    inventory = state_dir / "classes" / "class" / "inventory"
    assert len([ln for ln in inventory.read_text().splitlines()
                if not ln.startswith("#")]) == 2
    key = state_dir / "classes" / "class" / "keys" / "student01"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600

    code, output = run("class", "status")
    assert code == 3 and "1 of 3 hosts are not up: student02" in output
    assert "ERROR" in output and "ACTIVE" in output

    cloud.server_fails.clear()
    code, output = run("class", "up", "--cloud", "school", "--count", "3",
                       "--ssh-from", "192.0.2.0/24")
    assert code == 0 and "class class: 3 hosts up" in output
    code, output = run("class", "status")
    assert code == 0 and "all 3 hosts ACTIVE" in output

    code, output = run("class", "down")
    assert code == 2 and "run it again with --yes" in output  # not a terminal: no prompt
    code, output = run("class", "down", "--yes")
    assert code == 0 and "none left" in output
    assert sum(cloud.counts().values()) == 0
    assert not (state_dir / "classes" / "class").exists()
    code, output = run("class", "status")
    assert code == 2 and "no class 'class' on this machine" in output
    code, output = run("class", "down", "--yes", "--cloud", "school")
    assert code == 0 and "0 resources deleted" in output


def test_up_waits_for_sshd_unless_told_not_to(run, state_dir):
    code, output = run("class", "up", "--cloud", "school", "--count", "2",
                       "--ssh-from", "192.0.2.0/24")
    assert code == 0 and "waiting for sshd on 2 hosts (at most 600 s" in output
    assert sorted(run.probed) == sorted(
        h["address"] for h in json.loads((state_dir / "classes" / "class" / "class.json")
                                         .read_text())["hosts"])
    run.probed.clear()
    code, output = run("class", "up", "--cloud", "school", "--count", "2", "--ssh-wait", "0",
                       "--ssh-from", "192.0.2.0/24")
    assert code == 0 and run.probed == [] and "waiting for sshd" not in output
    code, output = run("class", "up", "--cloud", "school", "--count", "2", "--ssh-wait", "-1",
                       "--ssh-from", "192.0.2.0/24")
    assert code == 2 and "--ssh-wait" in output


def test_up_and_down_forget_the_keys_recorded_for_the_hosts_addresses(run, state_dir):
    """Floating IPs come again: a key recorded for an address (by `grade --accept-new`)
    belonged to a host now gone, and would refuse the new one as "host key changed"."""
    from stacklab.hosts import hostkeys
    from stacklab.labhost.container.keys import new_ed25519

    old, other = (hostkeys.parse_key(new_ed25519()[1]) for _ in range(2))
    hostkeys.record("203.0.113.10", old)  # a host of an earlier class, deleted since
    hostkeys.record("lab.example", other)
    code, output = run("class", "up", "--cloud", "school", "--count", "1",
                       "--ssh-from", "192.0.2.0/24")
    assert code == 0 and "student01: ready at 203.0.113.10" in output
    kit = hostkeys.kit_known_hosts()
    assert "203.0.113.10" not in kit.read_text()
    hostkeys.record("203.0.113.10", other)  # grade --accept-new met the new host
    code, output = run("class", "up", "--cloud", "school", "--count", "1",
                       "--ssh-from", "192.0.2.0/24")
    assert code == 0 and "203.0.113.10" in kit.read_text()  # the same host: kept
    code, output = run("class", "down", "--yes")
    assert code == 0
    assert kit.read_text() == f"lab.example {hostkeys.public_line(other)}\n"


def test_the_inventory_logs_in_as_the_settings_login_user(run, state_dir, monkeypatch):
    monkeypatch.setenv("STACKLAB__CLOUD__LOGIN_USER", "ubuntu")
    code, output = run("class", "up", "--cloud", "school", "--count", "1",
                       "--ssh-from", "192.0.2.0/24")
    assert code == 0, output
    line = (state_dir / "classes" / "class" / "inventory").read_text().splitlines()[1]
    assert line.startswith("student01 ssh://ubuntu@203.0.113.")


def test_a_refused_login_is_one_line_naming_the_cloud(run, state_dir):
    from keystoneauth1.exceptions import Unauthorized

    run.cloud.fail_next["flavors"] = [Unauthorized("The request you have made requires "
                                                   "authentication. (HTTP 401)")]
    code, output = run("class", "up", "--cloud", "school", "--count", "2",
                       "--ssh-from", "192.0.2.0/24")
    assert code == 3
    assert "stacklab: cloud school: The request you have made requires authentication" \
        in output
    assert "Traceback" not in output and not run.cloud.servers
