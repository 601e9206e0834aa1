"""Inventories: the plain format and Ansible's INI and YAML, and errors naming the line."""

from __future__ import annotations

from pathlib import Path

import pytest
from keyfiles import private_key

from stacklab.grading.inventory import InventoryError, load_inventory


@pytest.fixture
def keys(tmp_path) -> Path:
    """A folder of private keys the entries below name (a key file must be one)."""
    for name in ("alice", "bob", "a", "late", "room_a"):
        private_key(tmp_path / "keys" / name)
    return tmp_path / "keys"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_plain_format(tmp_path, keys):
    path = write(tmp_path, "class.txt", """
# name  url                          key
alice   ssh://vagrant@10.0.0.11:22   /keys/alice
bob     vagrant@10.0.0.12:2222       key=/keys/bob provider=container   # a comment
carol   ssh://root@lab3
""".replace("/keys/", f"{keys}/"))
    alice, bob, carol = load_inventory(path)
    assert (alice.name, alice.hostname, alice.port, alice.user, alice.key_file) == \
        ("alice", "10.0.0.11", 22, "vagrant", f"{keys}/alice")
    assert (bob.port, bob.key_file, bob.kind) == (2222, f"{keys}/bob", "container")
    assert (carol.user, carol.port, carol.key_file) == ("root", 22, None)


def test_ansible_ini(tmp_path, keys):
    path = write(tmp_path, "hosts", """
[all:vars]
ansible_user=vagrant

[class]
alice ansible_host=10.0.0.11 ansible_port=2222 ansible_ssh_private_key_file=/keys/a
bob ansible_host=10.0.0.12

[late]
carol ansible_ssh_host=10.0.0.13 ansible_ssh_user=root

[late:vars]
ansible_ssh_private_key_file=/keys/late
stacklab_provider=container
""".replace("/keys/", f"{keys}/"))
    alice, bob, carol = load_inventory(path)
    assert (alice.hostname, alice.port, alice.user, alice.key_file) == \
        ("10.0.0.11", 2222, "vagrant", f"{keys}/a")
    assert (bob.port, bob.user) == (22, "vagrant")
    assert (carol.user, carol.key_file, carol.kind) == ("root", f"{keys}/late", "container")


def test_ansible_yaml(tmp_path, keys):
    path = write(tmp_path, "class.yml", """
all:
  vars:
    ansible_user: vagrant
  children:
    room_a:
      vars:
        ansible_ssh_private_key_file: /keys/room_a
      hosts:
        alice:
          ansible_host: 10.0.0.11
          ansible_port: 2222
        bob: {ansible_host: 10.0.0.12}
    room_b:
      hosts:
        carol:
          ansible_host: 10.0.0.13
          ansible_user: root
""".replace("/keys/", f"{keys}/"))
    alice, bob, carol = load_inventory(path)
    assert (alice.port, alice.user, alice.key_file) == (2222, "vagrant", f"{keys}/room_a")
    assert (bob.hostname, bob.key_file) == ("10.0.0.12", f"{keys}/room_a")
    assert (carol.user, carol.key_file) == ("root", None)


@pytest.mark.parametrize(("name", "text", "line", "words"), [
    ("a.txt", "alice ssh://v@h:22\nbob\n", 2, "expected 'name ssh://"),
    ("a.txt", "alice ssh://v@h:22\nbob ssh://v@h:99999\n", 2, "port"),
    ("a.txt", "alice ssh://v@h\nalice ssh://v@g\n", 2, "appears twice (first on line 1)"),
    ("a.txt", "alice ssh://v@h colour=blue\n", 1, "unknown option 'colour'"),
    ("a.ini", "[class]\nalice ansible_host=h\nbob ansible_port=twenty\n", 3, "port 'twenty'"),
    ("a.ini", "[class]\nalice ansible_host\n", 2, "'ansible_host' is not key=value"),
    ("a.ini", "[class\nalice ansible_host=h\n", 1, "malformed section header"),
    ("a.ini", "[class]\nlab[01:30] ansible_user=v\n", 2, "host ranges"),
    ("a.yml", "all:\n  hosts:\n    alice:\n      ansible_host: h\n    bob: [1, 2]\n", 5,
     "host 'bob': expected a mapping"),
    ("a.yml", "all:\n  hosts:\n    alice: {ansible_port: x}\n", 3, "port 'x'"),
    ("a.yml", "all:\n  hostz:\n    alice: {}\n", 2, "unknown key 'hostz'"),
    ("a.yml", "all:\n  hosts:\n    alice: {ansible_host: h\n", 4, "not valid YAML"),
])
def test_a_malformed_entry_names_its_line(tmp_path, name, text, line, words):
    with pytest.raises(InventoryError) as caught:
        load_inventory(write(tmp_path, name, text))
    assert caught.value.line == line
    assert f"{name}:{line}:" in caught.value.message
    assert words in caught.value.message


def test_an_empty_inventory_is_an_error(tmp_path):
    with pytest.raises(InventoryError, match="no hosts"):
        load_inventory(write(tmp_path, "a.txt", "# nobody yet\n"))


def test_a_sentence_is_not_a_host(tmp_path):
    with pytest.raises(InventoryError) as caught:
        load_inventory(write(tmp_path, "a.txt", "alice ssh://v@h\nthis is not a host line\n"))
    assert caught.value.line == 2 and "ssh://user@host" in caught.value.message


def test_one_bad_line_of_ten_thousand_stops_everything(tmp_path):
    lines = [f"s{i} ssh://vagrant@10.1.{i // 250}.{i % 250 + 1}" for i in range(9999)]
    path = write(tmp_path, "a.txt", "\n".join([*lines, "oops"]) + "\n")
    with pytest.raises(InventoryError) as caught:
        load_inventory(path)
    assert caught.value.line == 10000


@pytest.mark.parametrize("text", ["alice ssh://v@h provider=cloud\n",
                                  "[c]\nalice ansible_host=h stacklab_provider=cloud\n"])
def test_an_unknown_provider_is_refused(tmp_path, text):
    with pytest.raises(InventoryError, match="unknown provider 'cloud'") as caught:
        load_inventory(write(tmp_path, "a.ini" if "[" in text else "a.txt", text),
                       kinds=["vagrant", "container"])
    assert "container" in caught.value.hint


def nested_groups(depth: int) -> str:
    """Each level's two groups both contain both groups of the level below: a host in g0
    is reached along 2**depth paths of parents."""
    text = ["[g0]", "alice ansible_host=10.0.0.1", "[g0:vars]", "ansible_user=deep"]
    for level in range(1, depth):
        for name in (f"g{level}", f"g{level}b"):
            text += [f"[{name}:children]", f"g{level - 1}", f"g{level - 1}b"]
    text += [f"[g{depth - 1}:vars]", "ansible_port=2222"]
    return "\n".join(text) + "\n"


def test_nested_ini_groups_are_expanded_once_each(tmp_path):
    # walked path by path (as before) 60 levels are about 2**60 visits and never end;
    # worked out once per group they are 120
    (alice,) = load_inventory(write(tmp_path, "deep.ini", nested_groups(60)))
    assert (alice.user, alice.port) == ("deep", 2222)
