"""`stacklab notebooks open --host`: a participant opens the notebooks on their class host.

The host (a URL, or its line of the class's inventory) and its key are checked before
anything starts; the kernels get it as STACKLAB_NOTEBOOK_TARGET; its kind picks the set.
JupyterLab itself is never started here (the `py` test environment has none): the check
for it is answered yes, and the launch (os.execv) is caught.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from keyfiles import private_key

from stacklab.cli.app import cli
from stacklab.hosts.target import Target
from stacklab.notebooks import launch
from stacklab.notebooks.host import target_spec
from stacklab.notebooks.session import TARGET_ENV
from stacklab.paths import kit_root

URL = "ssh://ubuntu@203.0.113.10:22"


@pytest.fixture
def key(tmp_path, monkeypatch):
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(launch, "jupyterlab_installed", lambda: True)
    return private_key(tmp_path / "keys" / "student01")


def print_command(*args: str) -> tuple[Target, Path]:
    """The host the kernels would get, and the notebooks' folder."""
    out = CliRunner().invoke(cli, ["notebooks", "open", "--print-command", *args])
    assert out.exit_code == 0, out.output
    words = shlex.split(out.output)
    assert words[0] == "env" and words[1].startswith(f"{TARGET_ENV}="), words
    root = next(w for w in words if w.startswith("--ServerApp.root_dir="))
    return Target.from_url(words[1].split("=", 1)[1]), Path(root.split("=", 1)[1])


def test_a_class_host_and_its_key_go_to_the_kernels(key):
    target, folder = print_command("--host", URL, "--key", str(key))
    assert (target.hostname, target.port, target.user) == ("203.0.113.10", 22, "ubuntu")
    assert target.key_file == str(key) and target.kind == "vagrant"
    assert folder == kit_root() / "notebooks"  # a class host is provisioned as the VM


def test_a_container_host_opens_the_containers_set(key):
    target, folder = print_command("--host", f"{URL}?kind=container&key={key}")
    assert target.kind == "container" and target.key_file == str(key)
    assert folder == kit_root() / "notebooks" / "container"


def test_the_class_inventory_line_is_enough(key):
    from stacklab.cloudclass.record import ClassRecord, HostRecord

    record = ClassRecord("ws1", "school", "ubuntu")
    host = HostRecord("student01", email="ann@example.edu", state="ready",
                      address="203.0.113.10")
    line = record.plain_inventory([host]).splitlines()[1].replace(
        str(record.key_path("student01")), str(key))
    target, folder = print_command("--host", line)
    assert (target.hostname, target.user, target.key_file) == ("203.0.113.10", "ubuntu",
                                                               str(key))
    assert folder == kit_root() / "notebooks"


def test_the_launch_hands_the_host_to_jupyterlabs_kernels(key, monkeypatch):
    monkeypatch.delenv(TARGET_ENV, raising=False)  # restored after the test
    started: list[tuple[list[str], str]] = []
    monkeypatch.setattr(os, "execv", lambda path, args: started.append(
        (args, os.environ[TARGET_ENV])))
    out = CliRunner().invoke(cli, ["notebooks", "open", "--host", URL, "--key", str(key),
                                   "--no-browser"])
    assert out.exit_code == 0, out.output
    (command, spec), = started
    assert command[1:3] == ["-m", "jupyterlab"] and command[-1] == "--no-browser"
    assert Target.from_url(spec).key_file == str(key)
    assert f"on {URL}" in out.output


@pytest.mark.parametrize("target", [
    Target(hostname="2001:db8::1", port=2222, user="ann", key_file="my key+1",
           kind="container"),
    Target(hostname="lab1.example.edu", user="a.b", key_file=None),
])
def test_the_kernels_read_back_the_same_host(target, tmp_path):
    if target.key_file:  # a key with an awkward path (the key is checked as it is read)
        target = replace(target, key_file=str(private_key(tmp_path / target.key_file)))
    assert Target.from_url(target_spec(target)) == target


@pytest.mark.parametrize("args, problem", [
    (["--host", URL, "--key", "{tmp}/none"], "--key {tmp}/none: no such file"),
    (["--host", URL, "--key", "{tmp}"], "--key {tmp}: not a file"),
    (["--host", f"{URL}?key={{tmp}}/none"], "key file {tmp}/none: no such file"),
    (["--host", "ftp://x"], "host 'ftp://x': only ssh://user@host[:port] is supported"),
    (["--host", f"{URL}?kind=cloud"], "unknown kind of lab host 'cloud'"),
    (["--host", f"ann {URL} colour=blue"], f"--host 'ann {URL} colour=blue': unknown "
                                           "option 'colour'"),
    (["--key", "{tmp}/k"], "--key is the key for --host: give --host too"),
])
def test_a_bad_host_or_key_is_one_line_before_anything_starts(tmp_path, monkeypatch, args,
                                                              problem):
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path / "state"))

    def never(*a, **k):
        raise AssertionError("JupyterLab's command was built")

    monkeypatch.setattr(launch, "jupyterlab_command", never)
    out = CliRunner().invoke(cli, ["notebooks", "open", *(a.replace("{tmp}", str(tmp_path))
                                                         for a in args)])
    assert out.exit_code == 2, out.output
    assert problem.replace("{tmp}", str(tmp_path)) in out.output
    assert "Traceback" not in out.output
