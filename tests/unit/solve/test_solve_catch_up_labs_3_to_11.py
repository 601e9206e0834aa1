"""Labs 3, 5, 9 and 11 catch up from a learner's mistakes: their steps' scripts run by bash
against fakes (MariaDB's option files in a folder; an `openstack` that keeps Keystone's
services and endpoints, networks and their ports, and images) that behave as the real ones
do where it matters: MariaDB reads its option files in name order, the last option wins;
`openstack service show`, `network show` and `image show` stop on a name used twice.

Each test leaves the fake in a state a learner can leave behind, then runs the step as
`stacklab solve` would (check red, commands, check green, the commands again: nothing more
changes), or sees it stop with one line naming what to do by hand.
"""

from __future__ import annotations

import pytest
from catch_up_harness import bash, install_fake, step_of

from stacklab.solve import load
from stacklab.solve.profile import load_profile

# --- lab 3: a bind-address in an option file read after the kit's -----------------------

KIT = "99-openstack.cnf"
MINE = "[client]\nbind-address = 127.0.0.2\n\n[mysqld]\n# bind-address = 10.0.0.1\n" \
       "bind-address = 127.0.0.1   # mine\nport = 3306\n"
EARLIER = "[mysqld]\nbind-address = 127.0.0.1\n"  # Debian's 50-server.cnf: overridden


@pytest.fixture
def mysql_dirs(tmp_path, container_settings):
    """The step rendered with the profile's MariaDB folders moved into tmp_path."""
    install_fake(tmp_path)
    conf_d, mariadb_d = tmp_path / "conf.d", tmp_path / "mariadb.conf.d"
    conf_d.mkdir()
    mariadb_d.mkdir()
    (conf_d / "zz-early.cnf").write_text(EARLIER)
    (mariadb_d / "50-server.cnf").write_text(EARLIER)
    (mariadb_d / KIT).write_text("[mysqld]\nbind-address = 0.0.0.0\n")
    profile = load_profile(container_settings.host.os)
    profile = profile.model_copy(update={"paths": {
        **profile.paths, "mysql_conf": str(mariadb_d / KIT),
        "mysql_conf_dirs": f"{conf_d} {mariadb_d}"}})
    solutions = load(container_settings, ssh_user="learner", profile=profile)
    return tmp_path, step_of(solutions, 3, "03-bind-address-not-overridden")


def test_a_bind_address_in_a_file_read_after_the_kits_is_commented_out(mysql_dirs):
    folder, step = mysql_dirs
    mine = folder / "mariadb.conf.d" / "99-zz-mine.cnf"
    mine.write_text(MINE)
    (folder / "mariadb.conf.d" / "99-zz-mine.cnf.orig").write_text(EARLIER)  # not read
    found = bash(folder, step.check)
    assert found.returncode != 0
    assert found.stdout.strip() == (f"{mine} line 6: bind-address = 127.0.0.1   # mine "
                                    f"(read after {folder}/mariadb.conf.d/{KIT}: it wins)")
    done = bash(folder, step.apply[-1])
    assert done.returncode == 0, done.stdout
    assert done.stdout.startswith(f"commented out 'bind-address = 127.0.0.1   # mine' in "
                                  f"{mine} (line 6): MariaDB reads it after")
    assert "the file stays" in done.stdout
    assert mine.read_text() == MINE.replace("bind-address = 127.0.0.1", "# bind-address = "
                                            "127.0.0.1")
    assert bash(folder, step.check).returncode == 0
    again = bash(folder, step.apply[-1])
    assert again.returncode == 0 and again.stdout == "", "a second run changes nothing"
    for earlier in (folder / "conf.d" / "zz-early.cnf", folder / "mariadb.conf.d" /
                    "50-server.cnf", folder / "mariadb.conf.d" / "99-zz-mine.cnf.orig"):
        assert earlier.read_text() == EARLIER, f"{earlier} is not the kit's to change"


def test_the_kits_setting_read_last_needs_nothing(mysql_dirs):
    folder, step = mysql_dirs
    (folder / "mariadb.conf.d" / "98-mine.cnf").write_text(MINE)  # read before the kit's
    (folder / "mariadb.conf.d" / "99-zz-same.cnf").write_text("[mysqld]\nbind-address=0.0.0.0\n")
    assert bash(folder, step.check).returncode == 0
