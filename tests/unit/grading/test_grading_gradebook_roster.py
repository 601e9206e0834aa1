"""Who the student is in the LMS (email, SIS id, section) comes from the inventory, rides on
the Target and into the host's result, where the gradebooks read it."""

from __future__ import annotations

import socket

import pytest

from stacklab.grading.inventory import InventoryError, load_inventory
from stacklab.hosts.target import Target


def test_plain_lines_take_email_sis_id_and_section(tmp_path):
    path = tmp_path / "class.txt"
    path.write_text("alice ssh://vagrant@10.0.0.11:22 email=alice@example.edu sis_id=S1 "
                    "section=A\nbob vagrant@10.0.0.12 ~/.ssh/k\n")
    alice, bob = load_inventory(path)
    assert alice.roster == {"email": "alice@example.edu", "sis_id": "S1", "section": "A"}
    assert bob.roster == {} and bob.key_file and bob.key_file.endswith("/.ssh/k")


def test_a_misspelt_option_names_the_ones_there_are(tmp_path):
    path = tmp_path / "class.txt"
    path.write_text("alice vagrant@10.0.0.11 mail=a@example.edu\n")
    with pytest.raises(InventoryError, match=r"class.txt:1: unknown option 'mail'.*email="):
        load_inventory(path)


def test_ansible_host_vars_carry_them_too(tmp_path):
    ini = tmp_path / "class.ini"
    ini.write_text("[class]\nalice ansible_host=10.0.0.11 email=alice@example.edu sis_id=S1\n"
                   "[class:vars]\nsection=B\n")
    assert load_inventory(ini)[0].roster == {"email": "alice@example.edu", "sis_id": "S1",
                                             "section": "B"}
    yml = tmp_path / "class.yml"
    yml.write_text("all:\n  children:\n    class:\n      hosts:\n"
                   "        bob: {ansible_host: 10.0.0.12, email: bob@example.edu, sis_id: 42}\n")
    assert load_inventory(yml)[0].roster == {"email": "bob@example.edu", "sis_id": "42"}


def test_a_target_without_them_is_what_it_was():
    target = Target.from_url("ssh://vagrant@10.0.0.11:22", name="alice")
    assert target.roster == {} and Target(**target.to_dict()) == target


def test_a_class_run_attaches_them_to_each_result():
    from stacklab.grading.classrun import grade_class

    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    target = Target(hostname="127.0.0.1", port=port, name="alice", email="alice@example.edu",
                    section="A")
    report = grade_class([target], "3", jobs=1, timeout=30, connect_timeout=2)
    (alice,) = report.hosts
    assert alice.status != "ok"  # nothing answers there
    assert alice.roster == {"email": "alice@example.edu", "section": "A"}
