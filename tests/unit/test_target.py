"""Naming a lab host: URLs in, testinfra and people's forms out, bad input explained."""

import re

import pytest
from keyfiles import private_key

from stacklab.errors import StacklabError
from stacklab.hosts import target as target_mod
from stacklab.hosts.target import Target


def test_ssh_urls_parse_with_defaults_and_key(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    private_key(tmp_path / "keys" / "id_lab")
    t = Target.from_url("ssh://learner@lab1.example:2222?key=~/keys/id_lab")
    assert (t.user, t.hostname, t.port) == ("learner", "lab1.example", 2222)
    assert t.key_file.endswith("/keys/id_lab") and "~" not in t.key_file
    assert Target.from_url("lab2").port == 22 and Target.from_url("lab2").user == "vagrant"
    assert Target.from_url("local").local
    assert Target.from_url("ssh://vagrant@127.0.0.1:2410?provider=container").kind == (
        "container")
    assert Target.from_url("ssh://vagrant@127.0.0.1:2410?kind=container").kind == "container"
    assert Target.from_url("ssh://vagrant@127.0.0.1:2410").kind == "vagrant"


def test_testinfra_spec_names_the_kits_own_backend_and_hides_nothing_secret():
    t = Target(hostname="127.0.0.1", port=2410, user="vagrant", key_file="/k/id")
    assert t.testinfra_spec() == "stacklab://vagrant@127.0.0.1:2410"
    assert t.url == "ssh://vagrant@127.0.0.1:2410"
    assert Target(local=True).testinfra_spec() == "stacklab://local"


@pytest.mark.parametrize(("url", "says"), [
    ("http://lab1", "only ssh://user@host[:port] is supported"),
    ("ssh://vagrant@lab1:99999", "the port is not a number"),
    ("ssh://vagrant@:22", "no host name in it"),
])
def test_bad_host_urls_are_explained(url, says):
    with pytest.raises(StacklabError, match=re.escape(says)):
        Target.from_url(url)


def test_the_lab_state_round_trips_and_leads_default_target(tmp_path, monkeypatch):
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path))
    started = Target(hostname="127.0.0.1", port=2410, key_file="/k", kind="container")
    target_mod.write_lab_state(started, note="test")
    assert target_mod.default_target() == started
    target_mod.clear_lab_state()
    target_mod.clear_lab_state()  # safe twice
    assert target_mod.read_lab_state() is None


def test_a_corrupt_state_file_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path))
    (tmp_path / "lab.json").write_text("{not json")
    with pytest.raises(StacklabError, match="unreadable lab state"):
        target_mod.read_lab_state()
