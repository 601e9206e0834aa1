"""An ini or file step's check, run by bash (a fake crudini): green when everything is as wanted,
and red with one line per value it found otherwise (what `solve --dry-run` shows)."""

from __future__ import annotations

from catch_up_harness import bash, install_fake

from stacklab.solve.kinds import ini_kind

FAKE_CRUDINI = r'''
import configparser, sys
argv = sys.argv[1:]
ini = configparser.ConfigParser(strict=False, interpolation=None)
ini.read(argv[1])
try:
    print(ini.get(argv[2], argv[3]))
except configparser.Error:
    sys.exit(1)
'''


def check_on(tmp_path, text: str) -> tuple[int, str]:
    install_fake(tmp_path, FAKE_CRUDINI, "crudini")
    conf = tmp_path / "nova.conf"
    conf.write_text(text)
    spec = {"ini": {str(conf): {"libvirt": {"virt_type": "qemu", "cpu_mode": ""}}}}
    done = bash(tmp_path, ini_kind(spec, None, 8).check)
    return done.returncode, done.stdout.replace(str(conf), "nova.conf")


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

    install_fake(tmp_path)  # sudo only
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
