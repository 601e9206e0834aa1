"""`stacklab solve --dry-run` for both OS profiles: every command printed, nothing run."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from stacklab.cli.app import cli
from stacklab.hosts.target import Target, write_lab_state


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path / "state"))
    for name in list(__import__("os").environ):
        if name.startswith("STACKLAB__") or name == "STACKLAB_SETTINGS":
            monkeypatch.delenv(name)
    return tmp_path / "state"


def solve(*args: str):
    return CliRunner().invoke(cli, ["solve", *args], catch_exceptions=False)


def test_dry_run_debian_container_host(state):
    # a host that cannot be reached: the dry run says so and lists every step's commands
    write_lab_state(Target(hostname="127.0.0.1", port=1, user="labuser", kind="container"))
    result = solve("--until", "14", "--dry-run")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "OS profile debian-13" in out and "nothing is changed" in out
    assert "# the host was not asked (cannot reach the lab host" in out
    for lab in range(3, 15):
        assert f"# ── lab {lab}:" in out
    assert "sudo debconf-set-selections <<'EOF'" in out
    assert "nova-consoleproxy/daemon_type select novnc" in out
    assert "sudo systemctl enable --now placement-api" in out
    assert "processes = 2/'" in out
    assert "other_config:userspace-tso-enable=true" in out
    assert "set bridge br-provider datapath_type=netdev" in out
    assert "STAND-IN" in out and "rbd_pool = volumes" in out
    assert "sudo vgcreate \"$vg\" \"$disk\"" in out and "disk=/dev/sdb vg=nova-volumes" in out
    assert "add-apt-repository" not in out
    assert out.index("# 03-packages") < out.index("# 09-router") < out.index("# 14-in-guest")
    assert not (state / "solve").exists(), "a dry run writes no log"


def test_dry_run_ubuntu_vagrant_host(state):
    result = solve("--until", "14", "--dry-run", "--host", "ssh://vagrant@127.0.0.1:1")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "OS profile ubuntu-24.04" in out
    assert "add-apt-repository -y cloud-archive:epoxy" in out
    assert "nova-novncproxy" in out and "nova-consoleproxy" not in out
    assert "sudo systemctl enable --now apache2" in out
    assert "debconf-set-selections" not in out and "processes = 2" not in out
    assert "STAND-IN" not in out and "enabled_backends = lvm" in out
    assert "datapath_type=system" in out and "userspace-tso" not in out


def test_only_selects_one_lab_and_until_stops(state):
    only = solve("--only", "13", "--dry-run").output
    assert "# ── lab 13:" in only and "# ── lab 12:" not in only and "# ── lab 14:" not in only
    until = solve("--until", "4", "--dry-run").output
    assert "# ── lab 3:" in until and "# ── lab 4:" in until and "# ── lab 5:" not in until


def test_knowledge_labs_have_nothing_to_run(state):
    result = solve("--until", "2", "--dry-run")
    assert result.exit_code == 0 and "no steps on the lab host" in result.output


def test_until_or_only_is_required_and_lab_numbers_are_checked(state):
    assert solve("--dry-run").exit_code == 2
    assert solve("--until", "3", "--only", "4", "--dry-run").exit_code == 2
    bad = solve("--until", "15", "--dry-run")
    assert bad.exit_code == 2 and "labs are numbered 1 to 14" in bad.output


def test_a_dry_run_masks_the_settings_passwords(state):
    from stacklab.settings import load_settings

    settings = load_settings("container")
    out = solve("--until", "14", "--dry-run").output
    assert "mysql -uroot -p'*****'" in out
    for secret in (settings.mysql.root_password, settings.rabbitmq.password,
                   settings.openstack.admin_password):
        # a short one ('nova') is also a user and a database name: masked where a value
        assert f"-p'{secret}'" not in out and f"IDENTIFIED BY '{secret}'" not in out
        assert f"--bootstrap-password {secret}" not in out


def test_a_dry_run_lists_the_catch_up_commands_with_their_shared_functions(state):
    # a step's `functions` come before its check and each command: they run on their own
    out = solve("--until", "14", "--dry-run").output
    lab3 = out[out.index("# 03-bind-address:"):out.index("# 03-root-password")]
    assert lab3.count("later_binds() {") == 2, "defined for the check and the command using it"
    assert "sudo sed -i --follow-symlinks" in lab3
    glance = out[out.index("# 05-glance-identity"):out.index("# 05-glance-conf")]
    assert "openstack endpoint set --url http://" in glance and "left alone: " in glance
    vmnet = out[out.index("# 09-vmnet"):out.index("# 09-router")]
    assert "openstack network delete \"$id\"" in vmnet
    assert "openstack image set --property kernel_id=\"$kernel\"" in out
