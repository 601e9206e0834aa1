"""The warm `openstack` CLI server, on this machine, with a stand-in openstackclient: every
call through it gives the same bytes, exit code and process view as the real CLI."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest
from requires import requires_program

from stacklab.hosts.transport import LocalConnection
from stacklab.solve.transport import ScriptTransport
from stacklab.solve.zygote import USES_OPENSTACK, Zygote, prelude

FAKE = Path(__file__).with_name("fake_openstackclient.py")
CLI = """#! {python}
# PBR Generated from 'console_scripts'

import sys

from openstackclient.shell import main


if __name__ == "__main__":
    sys.exit(main())
"""


@pytest.fixture
def fake_cli(tmp_path, monkeypatch) -> Path:
    """`openstack` on PATH: the real CLI's script over the stand-in openstackclient."""
    package = tmp_path / "site" / "openstackclient"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    shutil.copy(FAKE, package / "shell.py")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    cli = bin_dir / "openstack"
    cli.write_text(CLI.format(python=os.path.realpath(sys.executable)))
    cli.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "site"))
    monkeypatch.chdir(tmp_path)
    return cli


@pytest.fixture
def warm(fake_cli):
    transport = ScriptTransport(LocalConnection(), zygote=True)
    yield transport
    transport.close()


def cold() -> ScriptTransport:
    return ScriptTransport(LocalConnection())


def server_log(transport: ScriptTransport) -> str:
    assert transport.zygote and transport.zygote.directory
    return (Path(transport.zygote.directory) / "log").read_text()


SCRIPTS = [
    "openstack echo hello 'two words' \"$HOME\"",
    "openstack mixed",
    "openstack exit 3 || echo \"exit $?\"",
    "openstack nonsense || echo \"exit $?\"",
    "openstack raise || echo \"exit $?\"",
    "echo piped | openstack cat",
    "openstack cat </dev/null; echo done",
    "export SECRET_X=s3cret; openstack env SECRET_X",
    "openstack env SECRET_X",
    "mkdir -p sub && cd sub && openstack cwd",
    "umask 027; openstack umask",
    "openstack argv0",
    "openstack echo one | openstack cat | openstack cat",
    "x=$(openstack echo captured); echo \"[$x]\"",
    "openstack calls; openstack calls",
    "openstack exit 4",
]


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_call_through_the_server_gives_what_the_real_cli_gives(warm, script):
    expected = cold().run(script)
    got = warm.run(script)
    assert (got.exit_code, got.output) == (expected.exit_code, expected.output)
    assert "declined" not in server_log(warm)


def test_the_calls_do_run_in_the_warm_server(warm):
    assert warm.run("openstack warm").output == "warm\n"
    assert cold().run("openstack warm").output == "cold\n"


def test_the_log_and_scripts_without_openstack_are_untouched(warm):
    assert warm.run("echo plain").output == "plain\n"
    assert warm.zygote is not None and warm.zygote.directory is None  # not even started
    assert USES_OPENSTACK.search("openstack server list")
    assert USES_OPENSTACK.search("x | xargs -r openstack image delete")
    assert not USES_OPENSTACK.search("curl http://x/openstack.html; "
                                     "apt install python3-openstackclient")


def test_concurrent_calls_each_get_their_own_process(warm):
    script = ("for i in 1 2 3 4 5; do openstack sleep 0.$i > out.$i & done; wait; "
              "cat out.1 out.2 out.3 out.4 out.5")
    assert warm.run(script).output == "".join(f"slept 0.{i}\n" for i in range(1, 6))


def test_an_environment_the_imports_depend_on_goes_to_the_real_cli(warm):
    result = warm.run("LANG=C.UTF-8 LC_ALL=C.UTF-8 openstack warm; openstack warm")
    assert result.output == "cold\nwarm\n"
    assert "declined: environment (LC_ALL)" in server_log(warm) or \
        "declined: environment (LANG)" in server_log(warm)


def test_another_openstack_on_path_goes_to_the_real_cli(warm, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "openstack").write_text("#!/bin/sh\necho other openstack \"$@\"\n")
    (other / "openstack").chmod(0o755)
    assert warm.run(f"PATH={other}:$PATH openstack x").output == "other openstack x\n"


def test_a_dead_or_absent_server_falls_back_to_the_real_cli(warm):
    assert warm.run("openstack warm").output == "warm\n"
    assert warm.zygote is not None and warm.zygote.directory
    directory = Path(warm.zygote.directory)
    os.kill(int((directory / "pid").read_text()), signal.SIGKILL)
    script = prelude(str(directory), os.path.realpath(sys.executable)) + \
        "\nopenstack warm; openstack exit 5 || echo $?"
    assert cold().run(script).output == "cold\n5\n"  # the socket is left, no one listens
    shutil.rmtree(directory)
    assert cold().run(script).output == "cold\n5\n"  # no socket at all


@requires_program("ps", package="procps")  # finds the client under the function's subshell
def test_a_signal_to_the_call_reaches_the_command(warm):
    # $! is the function's subshell here; the signal goes to the client in it, as a
    # terminal's Ctrl-C or a timeout would reach it
    script = ("openstack sleep 30 & p=$!; c=; while [ -z \"$c\" ]; do sleep 0.2; "
              "c=$(ps -o pid= --ppid $p); done; sleep 1; kill -TERM $c; "
              "wait $p || echo \"exit $?\"")
    output = warm.run(script, timeout=60).output
    assert output.endswith("exit 143\n") and "slept" not in output  # the command died too


def test_the_server_leaves_when_idle_and_a_later_script_starts_it_again(fake_cli):
    zygote = Zygote(LocalConnection(), idle=1.0)
    assert zygote.prelude_for("openstack warm")
    directory = Path(zygote.directory or "")
    deadline = time.monotonic() + 30
    while directory.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not directory.exists()  # it left nothing behind
    zygote.checked = 0.0  # half the idle time has passed: the next script checks
    assert zygote.prelude_for("openstack warm")
    assert zygote.directory and Path(zygote.directory, "sock").exists()
    zygote.stop()


def test_no_cli_yet_means_no_function_and_a_later_script_asks_again(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    zygote = Zygote(LocalConnection())
    if shutil.which("openstack"):
        pytest.skip("this machine has an openstack CLI")
    assert zygote.prelude_for("openstack server list") == ""
    assert not zygote.broken and zygote.directory is None


def test_the_server_refuses_when_its_warm_up_printed_something(fake_cli):
    shell = fake_cli.parent.parent / "site" / "openstackclient" / "shell.py"
    shell.write_text("print('hello from import')\n" + shell.read_text())
    zygote = Zygote(LocalConnection())
    assert zygote.prelude_for("openstack warm") == ""
    assert zygote.broken and "printed" in zygote.note


def test_secrets_reach_no_file_nor_the_servers_command_line_and_close_stops_it(fake_cli):
    transport = ScriptTransport(LocalConnection(), zygote=True)
    result = transport.run("export OS_PASSWORD=s3cret-pw; openstack env OS_PASSWORD")
    assert result.output == "s3cret-pw\n"
    assert transport.zygote is not None and transport.zygote.directory
    directory = Path(transport.zygote.directory)
    assert oct(directory.stat().st_mode & 0o777) == "0o700"
    pid = int((directory / "pid").read_text())
    assert b"s3cret-pw" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    assert b"s3cret-pw" not in Path(f"/proc/{pid}/environ").read_bytes()
    for path in directory.iterdir():
        if path.is_file():
            assert b"s3cret-pw" not in path.read_bytes(), path
    transport.close()
    assert not directory.exists()
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)  # it left (or waits, a zombie, for whoever adopted it)
    status = Path(f"/proc/{pid}/status")
    assert not status.exists() or "zombie" in status.read_text()
