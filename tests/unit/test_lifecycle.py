"""`stacklab up` / `down` dispatch on the lab host's kind (labhost/kinds.py); `down` is safe
to run twice, and with no lab host it says so and exits 0."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field

import pytest
from click.testing import CliRunner

from stacklab.cli import lifecycle
from stacklab.errors import StacklabError
from stacklab.hosts.target import Target, read_lab_state, state_kind, write_lab_state
from stacklab.labhost import kinds


@pytest.fixture(autouse=True)
def own_state(tmp_path, monkeypatch):
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("STACKLAB_CONTAINER_NAME", raising=False)
    monkeypatch.delenv("VAGRANT_DOTFILE_PATH", raising=False)


@dataclass
class FakeKind:
    name: str
    confirm: str = ""
    solves_in_up: bool = False
    calls: list[str] = field(default_factory=list)

    def present(self, state):
        return state_kind(state) == self.name

    def up(self, solve_until):
        self.calls.append("up")
        target = Target(hostname="127.0.0.1", port=2410, kind=self.name)
        write_lab_state(target)
        return target

    def down(self):
        self.calls.append("down")
        from stacklab.hosts.target import clear_lab_state

        clear_lab_state()


def test_down_twice_removes_once_then_says_nothing_to_remove(monkeypatch):
    box = FakeKind("container")
    monkeypatch.setattr(kinds, "all_kinds", lambda: [box])
    monkeypatch.setattr(kinds, "kind_for", lambda provider: box)
    assert CliRunner().invoke(lifecycle.up, ["--provider", "container"]).exit_code == 0
    first = CliRunner().invoke(lifecycle.down, [])
    second = CliRunner().invoke(lifecycle.down, [])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert box.calls == ["up", "down"]
    assert "nothing to remove" in second.output
    assert read_lab_state() is None


def test_a_vm_is_removed_only_when_confirmed(monkeypatch):
    vm = FakeKind("vagrant", confirm="This deletes the lab VM. Continue?")
    monkeypatch.setattr(kinds, "all_kinds", lambda: [vm])
    write_lab_state(Target(kind="vagrant"))
    refused = CliRunner().invoke(lifecycle.down, [])  # stdin is not a terminal here
    assert isinstance(refused.exception, StacklabError) and vm.calls == []
    assert "--yes" in str(refused.exception.hint)
    assert CliRunner().invoke(lifecycle.down, ["--yes"]).exit_code == 0
    assert vm.calls == ["down"]


def test_the_vagrant_kind_is_present_by_its_state_or_by_vagrants_machine_id(tmp_path):
    vm = kinds.Vagrant(root=tmp_path)
    assert not vm.present({})
    assert vm.present({"target": {"provider": "vagrant"}})
    machine = tmp_path / ".vagrant" / "machines" / "default" / "libvirt"
    machine.mkdir(parents=True)
    assert not vm.present({}), "a folder without an id is a machine Vagrant never created"
    (machine / "id").write_text("d3adb33f")
    assert vm.present({})


def test_kinds_are_chosen_by_provider():
    assert isinstance(kinds.kind_for("container"), kinds.Container)
    assert kinds.kind_for("libvirt") == kinds.Vagrant("libvirt")
    assert not kinds.Container().confirm and kinds.Vagrant().confirm


def test_every_value_of_the_provider_flag_has_a_kind_and_no_other_does():
    for choice in kinds.CHOICES:
        assert kinds.kind_for(choice).name in ("vagrant", "container")
    assert {kinds.kind_for(p).provider for p in kinds.VAGRANT_PROVIDERS} == set(
        kinds.VAGRANT_PROVIDERS)
    with pytest.raises(StacklabError, match="--provider hyperv"):
        kinds.kind_for("hyperv")


def test_auto_takes_the_first_kind_doctor_finds_usable_and_says_so(monkeypatch):
    said: list[str] = []
    monkeypatch.setattr(kinds, "_usable_first", lambda: "container")
    assert isinstance(kinds.choose("auto", say=said.append), kinds.Container)
    assert said == ["stacklab: using the container provider (see `stacklab doctor`)"]
    assert kinds.choose("libvirt", say=said.append) == kinds.Vagrant("libvirt") and len(said) == 1


def test_a_lab_state_written_before_kind_was_named_still_reads(tmp_path):
    """Older state files say 'provider' for the kind of lab host."""
    write_lab_state(Target(hostname="127.0.0.1", port=2410, kind="container"))
    state = read_lab_state()
    assert state_kind(state) == "container"
    state["target"]["provider"] = state["target"].pop("kind")
    assert state_kind(state) == "container"
    assert Target.from_dict(state["target"]).kind == "container"
    assert kinds.Container().present(state)


def test_down_with_no_lab_host_and_no_vagrant_says_nothing_to_remove(tmp_path):
    """As a learner runs it: no lab state, no container, vagrant not installed."""
    env = {"PATH": "/nonexistent", "HOME": str(tmp_path), "VAGRANT_DOTFILE_PATH": str(tmp_path),
           "STACKLAB_STATE_DIR": str(tmp_path / "state")}
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "stacklab", "down"], capture_output=True,
                              text=True, env=env, stdin=subprocess.DEVNULL, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "nothing to remove" in done.stdout
        assert "vagrant" not in (done.stdout + done.stderr).lower()


def test_check_with_no_lab_host_says_one_line_of_its_own(tmp_path):
    """python-vagrant logs 'The Vagrant executable cannot be found…' when imported without
    vagrant: the kit's own line comes instead, alone."""
    env = {"PATH": "/nonexistent", "HOME": str(tmp_path),
           "STACKLAB_STATE_DIR": str(tmp_path / "state")}
    done = subprocess.run([sys.executable, "-m", "stacklab", "check", "3"], capture_output=True,
                          text=True, env=env, stdin=subprocess.DEVNULL, timeout=120)
    out = done.stdout + done.stderr
    assert done.returncode != 0
    assert "vagrant is not installed and no other lab host is running" in out
    assert "cannot be found" not in out and "Traceback" not in out
