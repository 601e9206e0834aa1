"""An ini step's check, run by bash on a fake crudini: green when every value is as wanted,
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
