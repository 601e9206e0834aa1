"""An ini or file step's check, run by bash with the real crudini (the test extra's, the
one the lab host has): green when everything is as wanted, and red with one line per value
it found otherwise (what `solve --dry-run` shows)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest
from catch_up_harness import bash, install_fake

from stacklab.solve.kinds import INI_GET, ini_kind

CRUDINI = Path(sys.executable).parent / "crudini"


@pytest.fixture(autouse=True)
def crudini_on_path(tmp_path):
    assert CRUDINI.exists(), f"no {CRUDINI}: install the test extra (pip install -e '.[test]')"
    install_fake(tmp_path)  # sudo only
    (tmp_path / "bin" / "crudini").symlink_to(CRUDINI)


def check_on(tmp_path, text: str) -> tuple[int, str]:
    conf = tmp_path / "nova.conf"
    conf.write_text(text)
    spec = {"ini": {str(conf): {"libvirt": {"virt_type": "qemu", "cpu_mode": ""}}}}
    done = bash(tmp_path, ini_kind(spec, None, 8).check)
    return done.returncode, done.stdout.replace(str(conf), "nova.conf")


TRICKY = """\
[DEFAULT]
My_Ip = 10.0.0.1
debug =
transport_url = rabbit://openstack:p=w d#1@cloud-controller:5672/
[database]
connection = mysql+pymysql://nova:x@127.0.0.1/nova
connection = mysql+pymysql://nova:y@127.0.0.1/nova
# connection = commented
[vnc]
server_listen = $my_ip
Enabled=true
  continued = not a key
novncproxy_base_url = http://172.16.4.10:6080/vnc_auto.html?a=b = c
[VNC]
enabled = false
[database]
max_retries = -1
[empty]
"""
ASKED = [("DEFAULT", "my_ip"), ("DEFAULT", "MY_IP"), ("DEFAULT", "debug"),
         ("DEFAULT", "transport_url"), ("database", "connection"), ("database", "my_ip"),
         ("database", "max_retries"), ("vnc", "server_listen"), ("vnc", "enabled"),
         ("VNC", "enabled"), ("vnc", "continued"), ("vnc", "novncproxy_base_url"),
         ("vnc", "debug"), ("empty", "my_ip"), ("empty", "nothing"), ("nosuch", "my_ip"),
         ("nosuch", "nothing"), ("DEFAULT", "nothing")]


@pytest.mark.parametrize("text", [TRICKY, "", "[DEFAULT]\n", "not an ini file [\n"])
def test_one_read_of_a_file_finds_each_option_as_crudini_get_does(tmp_path, text):
    conf = tmp_path / "tricky.conf"
    conf.write_text(text)
    script = [INI_GET, f"ini=$(crudini --get --format=lines {conf} 2>/dev/null) || ini="]
    for section, key in ASKED:
        script.append(f"crudini --get {conf} {shlex.quote(section)} {key} 2>/dev/null "
                      "|| echo '(not set)'; echo @@")
        script.append(f"ini_get {shlex.quote(section)} {key} || echo '(not set)'; echo @@")
    done = bash(tmp_path, "\n".join(script))
    assert done.returncode == 0, done.stdout
    # a value continued on a second line: crudini --get prints the line break, the one read
    # shows it as \n (a one-line message); the same value either way
    answers = [a.strip("\n").replace("\n", "\\n") for a in done.stdout.split("@@")[:-1]]
    pairs = list(zip(answers[0::2], answers[1::2], strict=True))
    assert len(pairs) == len(ASKED)
    for (section, key), (crudini, ours) in zip(ASKED, pairs, strict=True):
        assert ours == crudini, f"[{section}] {key}: crudini --get says {crudini!r}, we {ours!r}"
    if text == TRICKY:  # the file has what the cases are about
        assert dict(zip(ASKED, pairs, strict=True))[("database", "my_ip")][0] == "10.0.0.1"
        assert dict(zip(ASKED, pairs, strict=True))[("empty", "nothing")][0] == "(not set)"


def test_a_file_is_read_once_whatever_it_holds(tmp_path):
    spec = {"ini": {"/etc/nova/nova.conf": {"DEFAULT": {"a": 1, "b": 2}, "vnc": {"c": 3}}}}
    assert ini_kind(spec, None, 6).check.count("crudini") == 1


def test_values_as_wanted_are_green_and_silent(tmp_path):
    assert check_on(tmp_path, "[libvirt]\nvirt_type = qemu\ncpu_mode =\n") == (0, "")


def test_a_wrong_value_is_red_saying_what_was_found_beside_what_is_wanted(tmp_path):
    # a second [libvirt] section: its value is the one read
    code, said = check_on(tmp_path, "[libvirt]\nvirt_type = qemu\ncpu_mode =\n"
                                    "[libvirt]\nvirt_type = kvm\n")
    assert code != 0
    assert said == "nova.conf [libvirt] virt_type = kvm, wanted qemu\n"


def test_a_value_not_set_is_red_even_when_an_empty_one_is_wanted(tmp_path):
    code, said = check_on(tmp_path, "[libvirt]\nvirt_type = qemu\n")
    assert code != 0
    assert said == "nova.conf [libvirt] cpu_mode = (not set), wanted (empty)\n"


def test_a_file_step_red_shows_the_file_found_beside_the_wanted_one(tmp_path):
    from stacklab.solve.kinds import file_kind

    path = tmp_path / "novarc"
    spec = {"file": str(path), "content": "export OS_PROJECT_NAME=aimsproj\n", "mode": "600",
            "sudo": False}
    check = file_kind(spec, None, 10).check
    path.write_text("export OS_PROJECT_NAME=admin\n")
    path.chmod(0o600)
    red = bash(tmp_path, check)
    assert red.returncode != 0
    assert "-export OS_PROJECT_NAME=admin\n+export OS_PROJECT_NAME=aimsproj" in red.stdout
    path.write_text("export OS_PROJECT_NAME=aimsproj\n")
    assert bash(tmp_path, check).returncode == 0 and bash(tmp_path, check).stdout == ""
