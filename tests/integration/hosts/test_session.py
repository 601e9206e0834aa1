"""HostSession over a real OpenSSH server on loopback: each command as over a channel of
its own (exit codes, stdin, streaming, time limits), through one long-lived runner that
output cannot confuse, that an interrupt leaves usable and that is started again when lost."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "notebooks"))

from loopback_sshd import available, loopback_sshd

from stacklab.hosts.errors import HostUnreachable
from stacklab.hosts.session import HostSession, RunnerUnavailable
from stacklab.hosts.transport import SSHConnection

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def sshd():
    why = available()
    if why:
        pytest.skip(why)
    with loopback_sshd() as server:
        yield server


@pytest.fixture
def session(sshd):
    opened = HostSession(SSHConnection(sshd.target))
    yield opened
    opened.close()


def running(connection: SSHConnection, pattern: str) -> bool:
    """Whether a process whose command line holds `pattern` runs (asked on a channel of
    its own; '[x]' keeps pgrep from finding itself)."""
    found = connection.run(f"pgrep -f '{pattern[:-1]}[{pattern[-1]}]' || true", timeout=10)
    return bool(found.stdout.strip())


@pytest.mark.parametrize("command, code", [
    ("true", 0), ("false", 1), ("exit 42", 42), ("echo out; echo err >&2; exit 3", 3),
    ("kill -TERM $$", -1), ("no-such-command-here", 127), ("exit 255", 255)])
def test_exit_codes_are_those_of_a_channel_of_its_own(session, command, code):
    direct = session.connection.run(command, timeout=30)
    through = session.run(command, timeout=30)
    assert (through.rc, through.stdout, through.stderr) == \
        (direct.rc, direct.stdout, direct.stderr) == (code, direct.stdout, direct.stderr)
    assert session.sessions_opened == 1 and session.unavailable is None


def test_stdin_is_closed_unless_given(session):
    assert session.run("cat; read line || echo eof", timeout=30).stdout == "eof\n"
    given = session.run("cat; echo; cat", "line one\nline two", timeout=30)
    assert given.stdout == "line one\nline two\n"
    assert session.run("wc -c", b"\x00" * 100000, timeout=30).stdout.strip() == "100000"


def test_output_streams_as_it_comes(session):
    events: list[tuple[float, bytes, bytes]] = []
    done = session.execute("echo first; sleep 2; echo second >&2; sleep 0.5; echo third",
                           timeout=30,
                           stdout=lambda b: events.append((time.monotonic(), b"out", b)),
                           stderr=lambda b: events.append((time.monotonic(), b"err", b)))
    assert done.code == 0
    assert [(kind, data) for _, kind, data in events] == [
        (b"out", b"first\n"), (b"err", b"second\n"), (b"out", b"third\n")]
    assert events[1][0] - events[0][0] >= 1.0  # 'first' came before the sleep ended


def test_output_that_looks_like_the_runners_replies_is_only_output(session):
    # an exit reply, a ready word and a header with a huge length, raw and unfinished
    fake = (r"printf 'X\000\000\000\0051 0 0R\000\000\000\022stacklab-session 1'; "
            r"printf 'O\377\377\377\377' >&2; printf 'run 9 1 0 0\nkill 9\n'")
    done = session.run(fake + "; exit 7", timeout=30)
    assert done.rc == 7
    assert done.stdout == ("X\x00\x00\x00\x051 0 0R\x00\x00\x00\x12stacklab-session 1"
                           "run 9 1 0 0\nkill 9\n")
    assert done.stderr == "O\ufffd\ufffd\ufffd\ufffd"
    many = session.run("head -c 3000000 /dev/urandom | od -An -tx1 | head -c 5000000",
                       timeout=60)
    assert many.rc == 0 and len(many.stdout) == 5000000
    assert session.run("echo next", timeout=30).stdout == "next\n"
    assert session.sessions_opened == 1


def test_a_time_limit_stops_the_command(session):
    done = session.run("echo started; sleep 61.25", timeout=1)
    assert done.timed_out and done.rc == 124 and done.stdout == "started\n"
    assert not running(session.connection, "sleep 61.25")
    assert session.run("echo next", timeout=30).stdout == "next\n"
    assert session.sessions_opened == 1


def test_an_interrupt_stops_the_command_and_the_runner_stays(session):
    def interrupt(_data: bytes) -> None:
        raise KeyboardInterrupt  # what the kernel raises when the learner presses stop

    with pytest.raises(KeyboardInterrupt):
        session.execute("echo go; sleep 62.5 & sleep 62.75; wait", timeout=120,
                        stdout=interrupt, stderr=lambda _: None)
    # the whole process group, the background sleep too, was stopped before it returned
    assert not running(session.connection, "sleep 62.5")
    assert not running(session.connection, "sleep 62.75")
    assert session.run("echo next", timeout=30).stdout == "next\n"
    assert session.sessions_opened == 1


def test_a_runner_killed_between_commands_is_started_again(session):
    runner = session.run("echo $PPID", timeout=30).stdout.strip()
    assert session.connection.run(f"kill -9 {runner}", timeout=10).rc == 0
    assert session.run("echo back", timeout=30).stdout == "back\n"
    assert session.sessions_opened == 2 and session.connections_opened == 1


def test_a_runner_killed_during_a_command_is_one_error_then_started_again(session):
    with pytest.raises(HostUnreachable, match="command runner on the host ended"):
        session.run("kill -9 $PPID; sleep 5", timeout=30)
    assert session.run("echo back", timeout=30).stdout == "back\n"
    assert session.sessions_opened == 2


def test_a_dropped_connection_is_opened_again(session):
    assert session.run("true", timeout=30).rc == 0
    session.connection.client.get_transport().close()  # the host went away
    assert session.run("echo back", timeout=30).stdout == "back\n"
    assert session.connections_opened == 2 and session.sessions_opened == 2


def test_ready_starts_the_runner_in_the_background(sshd):
    session = HostSession(SSHConnection(sshd.target))
    assert not session.ready()  # starting: the caller uses a channel meanwhile
    assert session.connection.run("echo meanwhile", timeout=30).stdout == "meanwhile\n"
    assert session.ready() and session.ready()
    assert session.run("echo $PPID", timeout=30).stdout.strip().isdigit()
    assert session.sessions_opened == 1 and session.connections_opened == 1
    session.close()


def test_a_program_runs_with_no_shell_in_between(session):
    out = session.run("true", timeout=30)
    assert out.rc == 0
    seen: list[str] = []
    done = session.stream_argv(["printf", "%s|", "a b", "$HOME", "€"], timeout=30,
                               stdout=seen.append, stderr=seen.append)
    assert done.code == 0 and "".join(seen) == "a b|$HOME|€|"
    late = session.execute_argv(["sleep", "61.5"], timeout=1, stdout=print, stderr=print)
    assert late.timed_out and late.code == 124
    assert not running(session.connection, "sleep 61.5")
    again = session.run("true", timeout=30)  # still the same runner after all that
    assert again.rc == 0 and session.sessions_opened == 1
    said: list[bytes] = []
    gone = session.execute_argv(["no-such-program-here"], timeout=30, stdout=said.append,
                                stderr=said.append)
    assert gone.code == 127 and b"no-such-program-here" in b"".join(said)


def test_a_host_without_python3_gets_a_channel_per_command(sshd):
    stand_in = sshd.bin / "python3"
    stand_in.write_text("#!/bin/sh\necho 'python3: not found' >&2\nexit 127\n")
    os.chmod(stand_in, 0o755)
    try:
        session = HostSession(SSHConnection(sshd.target))
        assert session.run("echo hello; exit 5", timeout=30) == \
            session.connection.run("echo hello; exit 5", timeout=30)
        assert session.unavailable == "python3: not found"
        assert session.run("echo again", timeout=30).stdout == "again\n"
        assert not session.ready()
        with pytest.raises(RunnerUnavailable):
            session.execute_argv(["true"], stdout=print, stderr=print)
        assert session.sessions_opened == 1  # tried once, then channels
        late = HostSession(SSHConnection(sshd.target))  # found out between commands
        assert not late.ready()
        deadline = time.monotonic() + 30
        while late.unavailable is None and time.monotonic() < deadline:
            late.ready()  # True while the stand-in has not ended yet, which is fair
            time.sleep(0.1)
        assert not late.ready() and late.unavailable == "python3: not found"
        assert not late.ready() and late.sessions_opened == 1
        late.close()
        session.close()
    finally:
        stand_in.unlink()
