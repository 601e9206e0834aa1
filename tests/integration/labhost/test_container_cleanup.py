"""`up` → `down` → `up` → `down` leaves nothing behind, and `down` is safe twice."""

from __future__ import annotations

import os
import socket

import pytest

from stacklab.errors import StacklabError
from stacklab.labhost import container
from stacklab.labhost.container.ready import run_ssh

NAME = f"slh-cl{os.getpid() % 100000}"


def test_up_down_up_down_leaves_nothing_behind(box, tmp_path, monkeypatch, free_port, snapshot):
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path / "state"))
    before = snapshot(NAME)
    port = free_port()
    for round_ in (1, 2):
        target = container.up(name=NAME, ssh_port=port, record=False)
        during = snapshot(NAME)
        assert len(during["netns"]) == 2 and during["loop devices"] and during["mounts"]
        assert run_ssh(target, "true")[0] == 0
        assert container.down(name=NAME, timeout=60) is True
        after = snapshot(NAME)
        leftovers = {kind: after[kind] - before[kind] for kind in after
                     if after[kind] - before[kind]}
        assert not leftovers, f"round {round_} left: {leftovers}"
    assert container.down(name=NAME) is False, "a second down finds nothing to do"
    assert not (container.Names(NAME).folder / "upper").exists()


def test_down_cleans_up_even_without_its_state_file(box, tmp_path, monkeypatch, free_port,
                                                    snapshot):
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path / "state"))
    before = snapshot(NAME)
    container.up(name=NAME, ssh_port=free_port(), record=False)
    container.Names(NAME).state.unlink()  # lost (a crash, a deleted folder)
    assert container.down(name=NAME, timeout=60) is True
    after = snapshot(NAME)
    assert {k: after[k] - before[k] for k in after if after[k] - before[k]} == {}


def test_a_taken_ssh_port_is_one_clear_error_and_leaves_nothing(box, tmp_path, monkeypatch,
                                                                snapshot):
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path / "state"))
    before = snapshot(NAME)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(StacklabError, match=f"cannot listen on 127.0.0.1:{port}") as err:
            container.up(name=NAME, ssh_port=port, record=False)
    assert "ssh_port" in err.value.hint
    after = snapshot(NAME)
    assert {k: after[k] - before[k] for k in after if after[k] - before[k]} == {}
