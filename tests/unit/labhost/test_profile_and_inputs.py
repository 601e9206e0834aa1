"""The box reads the solutions' OS profile (through their one loader) and keys its cache by
everything that matters."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from stacklab.errors import StacklabError
from stacklab.labhost.box.profile import load_profile, profile_file
from stacklab.labhost.box.rootfs import RootfsInputs
from stacklab.settings import load_settings
from stacklab.solve import profile as solve_profile

PACKAGES = """\
packages:
  4: [rabbitmq-server]
  3: [mariadb-server, python3-pymysql]
  5: [keystone, python3-pymysql]
standin_packages:
  rbd: [ceph-mon]
"""


def kit_profile_with(packages: str) -> str:
    """The kit's Debian profile with other package lists (everything else as it is)."""
    raw = yaml.safe_load(profile_file("debian-13").read_text())
    raw.pop("standin_packages", None)
    raw.update(yaml.safe_load(packages))
    return yaml.safe_dump(raw, sort_keys=False)


PROFILE = kit_profile_with(PACKAGES)


@pytest.fixture
def profile_path(tmp_path: Path) -> Path:
    path = tmp_path / "debian-13.yaml"
    path.write_text(PROFILE)
    return path


def test_the_box_and_the_solutions_read_one_profile_with_one_loader():
    box = load_profile("debian-13")
    assert isinstance(box, solve_profile.Profile)
    assert box == solve_profile.load_profile("debian-13")


def test_the_kit_profile_names_packages_for_the_labs():
    profile = load_profile("debian-13")
    assert profile.path == profile_file("debian-13")
    assert profile.suite == "trixie"
    assert profile.packages and all(profile.packages.values())
    assert len(profile.all_packages()) == len(set(profile.all_packages()))


def test_install_sets_follow_the_labs_in_order_then_add_the_standins(profile_path):
    sets = load_profile("debian-13", profile_path).install_sets()
    assert sets == [
        ("mariadb-server", "python3-pymysql"),
        ("mariadb-server", "python3-pymysql", "rabbitmq-server"),
        ("mariadb-server", "python3-pymysql", "rabbitmq-server", "keystone"),
        ("mariadb-server", "python3-pymysql", "rabbitmq-server", "keystone", "ceph-mon"),
    ]


def test_all_packages_is_the_union_without_repeats(profile_path):
    names = load_profile("debian-13", profile_path).all_packages()
    assert names == ("mariadb-server", "python3-pymysql", "rabbitmq-server", "keystone",
                     "ceph-mon")


def test_a_profile_that_is_not_debian_cannot_become_a_box():
    with pytest.raises(StacklabError, match=r"ubuntu-24\.04"):
        load_profile("ubuntu-24.04")


def test_a_broken_profile_is_one_clear_error(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text(kit_profile_with("packages:\n  3: mariadb-server\n"))
    with pytest.raises(StacklabError, match=r"p\.yaml: not a valid OS profile: .*packages\.3"):
        load_profile("debian-13", bad)


def _key(profile_path: Path, environ: dict[str, str] | None = None) -> str:
    s = load_settings("container", environ=environ or {})
    return RootfsInputs(load_profile("debian-13", profile_path), s, "ssh-rsa AAAA x").key()


def test_the_cache_key_changes_with_the_profile_file(profile_path):
    before = _key(profile_path)
    profile_path.write_text(kit_profile_with(PACKAGES + "  lvm: [lvm2]\n"))
    assert _key(profile_path) != before


def test_the_cache_key_changes_with_the_host_name_but_not_with_memory(profile_path):
    base = _key(profile_path)
    assert _key(profile_path, {"STACKLAB__HOST__NAME": "other-host"}) != base
    assert _key(profile_path, {"STACKLAB__HOST__MEMORY_MB": "12288"}) == base
