"""The container lab host's state is private from creation, whatever the umask: its folder
0700; instance.json, the keys, the second disk's image and the console log 0600. Only what
the code creates in temporary folders: nothing is booted, mounted or attached."""

from __future__ import annotations

import os
import stat

import pytest

from stacklab.labhost.container import disk, keys, nspawn
from stacklab.labhost.container.naming import Names
from stacklab.labhost.container.state import Instance


@pytest.fixture(autouse=True)
def open_umask(tmp_path, monkeypatch):
    """State in a temporary folder, made under a umask that would leave everything open."""
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path / "state"))
    old = os.umask(0)
    yield
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_instance_folder_and_its_state_file(tmp_path):
    names = Names("slh-modes")
    Instance(name=names.name, ssh_port=2499).save(names.state)
    assert mode(names.folder) == 0o700
    assert mode(names.folder.parent) == 0o700  # containers/, made here
    assert mode(names.state) == 0o600
    assert not names.state.with_suffix(".tmp").exists()


def test_an_older_open_state_file_and_folder_are_narrowed(tmp_path):
    names = Names("slh-modes")
    names.folder.mkdir(parents=True, mode=0o755)
    os.chmod(names.folder, 0o755)
    names.state.write_text("{}")
    os.chmod(names.state, 0o644)
    Instance(name=names.name, ssh_port=2499).save(names.state)
    assert mode(names.folder) == 0o700 and mode(names.state) == 0o600


def test_the_lab_key_and_the_host_key(tmp_path):
    names = Names("slh-modes")
    for path in (keys.ensure_key(names.key, "stacklab-test"),
                 keys.ensure_key(names.folder / keys.HOST_KEY, "")):
        assert mode(path) == 0o600
        assert mode(path.with_name(path.name + ".pub")) == 0o600
    assert mode(names.folder) == 0o700


def test_the_second_disk_image_is_sparse_and_private(tmp_path):
    names = Names("slh-modes")
    image = disk.create_image(names.disk, 1)
    assert mode(image) == 0o600 and mode(names.folder) == 0o700
    assert image.stat().st_size == 2**30 and image.stat().st_blocks == 0
    os.chmod(image, 0o644)  # an image an older version made
    disk.create_image(names.disk, 1)
    assert mode(image) == 0o600 and image.stat().st_size == 2**30


def test_the_console_log(tmp_path):
    names = Names("slh-modes")
    Instance(name=names.name, ssh_port=2499).save(names.state)
    log = names.folder / "console.log"
    with nspawn.open_console_log(log) as out:
        out.write(b"boot\n")
    with nspawn.open_console_log(log) as out:  # appended to, never truncated
        out.write(b"again\n")
    assert mode(log) == 0o600 and log.read_bytes() == b"boot\nagain\n"
    log.replace(names.folder / "last-console.log")  # what `down` keeps: the same mode
    assert mode(names.folder / "last-console.log") == 0o600
