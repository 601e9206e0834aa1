"""The commands a grading run asks, asked at once at its start (stacklab.grading.prefetch):
the real collector program on this machine gives each command's own answer, anything it
cannot answer runs live, and a run with prefetching judges the recorded real host, solved
or broken, exactly as a run without it."""

from __future__ import annotations

import json
import time

import pytest
from grading_helpers import grade_connection
from recording import ReplayConnection

from stacklab.grading import prefetch
from stacklab.grading.prefetch import CommandMemory, PrefetchingConnection
from stacklab.hosts.transport import LocalConnection
from stacklab.settings import load_settings

# each prints something of its own: stdout and stderr bytes, exit codes, no output at all
COMMANDS = [
    "printf 'out\\n'; printf 'err\\n' >&2; exit 3",
    "printf '\\000\\377binary'",
    "true",
    "echo \"$XDG_CACHE_HOME:$PYTHONDONTWRITEBYTECODE\"",  # the environment as the command's
    "sh -c 'exit 42'",
]


class Counting(LocalConnection):
    """This machine, counting the commands that reached it."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def execute(self, command, **kwargs):
        self.seen.append(command)
        return super().execute(command, **kwargs)


def answers(connection, commands):
    return [tuple(vars(connection.run(c)).values()) for c in commands]


def test_a_prefetched_answer_is_the_commands_own(tmp_path):
    live = answers(LocalConnection(), COMMANDS)
    inner = Counting()
    connection = PrefetchingConnection(inner, COMMANDS)
    assert answers(connection, COMMANDS) == live
    assert connection.hits == len(COMMANDS)
    assert [c for c in inner.seen if c != prefetch.COLLECTOR] == []  # one program, nothing else


def test_a_command_asked_twice_runs_live_the_second_time(tmp_path):
    counter = tmp_path / "n"
    command = f"echo x >> {counter}; wc -l < {counter}"
    connection = PrefetchingConnection(Counting(), [command])
    assert connection.run(command).stdout.strip() == "1"
    assert connection.run(command).stdout.strip() == "2"
    assert connection.hits == 1


def test_what_the_collector_cannot_answer_runs_live():
    slow, killed = "sleep 1; echo late", "kill -9 $$"
    inner = Counting()
    connection = PrefetchingConnection(inner, [slow, killed], limit=0.3)
    assert connection.run(slow).stdout == "late\n"  # timed out there: asked again here
    assert connection.run(killed).rc == LocalConnection().run(killed).rc
    assert connection.hits == 0
    assert inner.seen.count(slow) == 1


def test_a_collector_that_fails_leaves_every_command_live():
    class NoPython(Counting):
        def execute(self, command, **kwargs):
            if command == prefetch.COLLECTOR:
                raise OSError("python3: not found")
            return super().execute(command, **kwargs)

    connection = PrefetchingConnection(NoPython(), ["echo a"])
    started = time.monotonic()
    assert connection.run("echo a").stdout == "a\n"
    assert time.monotonic() - started < prefetch.WAIT_SLACK  # no wait for what cannot come
    assert connection.hits == 0


def test_commands_with_input_are_never_prefetched_nor_remembered():
    inner = Counting()
    connection = PrefetchingConnection(inner, ["cat"])
    assert connection.run("cat", "secret\n").stdout == "secret\n"
    assert connection.run("echo seen").rc == 0
    assert list(connection.asked) == ["echo seen"]


def test_memory_keeps_the_last_run_slowest_first_and_forgets_when_graders_change(tmp_path,
                                                                              monkeypatch):
    memory = CommandMemory(tmp_path / "state" / "grader-commands.json")
    key = CommandMemory.key("container", [3, 4, 14], True)
    assert memory.commands(key) == []
    memory.remember(key, {"fast": 0.01, "slow": 2.5, "middle": 0.3})
    assert memory.commands(key) == ["slow", "middle", "fast"]
    assert memory.commands(CommandMemory.key("container", [3], True)) == []
    memory.remember(key, {"only": 0.1})  # the last run's commands, not a growing union
    assert memory.commands(key) == ["only"]
    assert oct(memory.path.parent.stat().st_mode & 0o777) == "0o700"
    monkeypatch.setattr(prefetch, "_DIGEST", "other graders")
    assert memory.commands(key) == []


def test_an_unreadable_memory_is_no_memory(tmp_path):
    path = tmp_path / "grader-commands.json"
    path.write_text("{not json")
    assert CommandMemory(path).commands("vagrant:14:all") == []
    path.write_text(json.dumps({"graders": prefetch.graders_digest(), "runs": []}))
    assert CommandMemory(path).commands("vagrant:14:all") == []


def test_stacklab_prefetch_0_turns_it_off(monkeypatch):
    monkeypatch.setenv("STACKLAB_PREFETCH", "0")
    assert prefetch.default_memory() is None
    monkeypatch.setenv("STACKLAB_PREFETCH", "1")
    assert isinstance(prefetch.default_memory(), CommandMemory)


def verdicts(result):
    return {c.key: (c.status, c.points, c.found) for c in result.checks}


def grade_twice(recording, edit=None):
    """A live run, then a learning run and a prefetched one, each on a fresh replay."""
    settings = load_settings(recording.provider)

    def replay():
        connection = ReplayConnection(recording, settings)
        if edit:
            edit(connection)
        return connection

    labs = recording.about["labs"]
    live = grade_connection(replay(), labs, recording.provider)
    learning = PrefetchingConnection(replay(), [])
    grade_connection(learning, labs, recording.provider)
    inner = replay()
    prefetched = PrefetchingConnection(inner, list(learning.asked))
    result = grade_connection(prefetched, labs, recording.provider)
    assert inner.collector_runs == 1 and inner.misses == []
    return live, result, prefetched


def test_the_recorded_solved_host_is_judged_the_same_with_prefetching(recording):
    live, result, prefetched = grade_twice(recording)
    assert verdicts(result) == verdicts(live)
    assert prefetched.hits == len(prefetched.asked) >= 20  # every shell command prefetched


@pytest.mark.parametrize("command,answer", [
    ("ss -Hltn", {"stdout": "LISTEN 0 80 127.0.0.1:3306 0.0.0.0:*\n"}),
    ("cat /etc/hosts", {"stdout": "127.0.0.1 localhost\n"}),
    ("systemctl is-active rabbitmq-server; systemctl is-enabled rabbitmq-server",
     {"stdout": "inactive\nenabled\n", "rc": 3}),
])
def test_a_broken_recorded_host_is_judged_the_same_with_prefetching(recording, command,
                                                                    answer):
    def edit(connection):
        assert connection.answer_with(command, **answer) >= 1

    live, result, _ = grade_twice(recording, edit)
    assert verdicts(result) == verdicts(live)
    assert any(status != "passed" for status, _, _ in verdicts(live).values())


def test_the_collector_runs_commands_side_by_side(tmp_path):
    """Each command waits (at most 5 s) until all six have started: side by side, each sees
    six; one after another, the first would see one."""
    wait = (f"n=0; while [ $(ls {tmp_path} | wc -l) -lt 6 ] && [ $n -lt 100 ]; do "
            f"sleep 0.05; n=$((n+1)); done; ls {tmp_path} | wc -l")
    commands = [f"touch {tmp_path}/{i}; {wait}" for i in range(6)]
    connection = PrefetchingConnection(LocalConnection(), commands)
    assert [connection.run(c).stdout.strip() for c in commands] == ["6"] * 6
    assert connection.hits == 6


def test_a_run_that_read_openstack_reads_it_first_next_time(recording, tmp_path,
                                                           monkeypatch):
    """run_checks with a memory: the first run learns the commands and that it read
    OpenStack; the next starts the snapshot before pytest and prefetches the commands,
    and judges as the first."""
    from stacklab.grading import runner
    from stacklab.grading.runner import run_checks
    from stacklab.hosts.target import Target

    first_asks: list[bool] = []
    run_on_host = runner.run_on_host

    def spy(*args, snapshot_first=False, **kwargs):
        first_asks.append(snapshot_first)
        return run_on_host(*args, snapshot_first=snapshot_first, **kwargs)

    monkeypatch.setattr(runner, "run_on_host", spy)

    settings = load_settings(recording.provider)
    memory = CommandMemory(tmp_path / "grader-commands.json")
    target = Target(hostname="replayed", kind=recording.provider)
    labs = recording.about["labs"]
    first = ReplayConnection(recording, settings)
    learned = run_checks(target, labs, client=first, memory=memory)
    key = CommandMemory.key(recording.provider, learned.labs, True)
    assert memory.snapshot(key) and len(memory.commands(key)) >= 20
    second = ReplayConnection(recording, settings)
    again = run_checks(target, labs, client=second, memory=memory)
    assert verdicts(again) == verdicts(learned)
    assert second.collector_runs == 1 and second.misses == []
    assert first_asks == [False, True]  # learned, then OpenStack read before pytest
    only_mysql = ReplayConnection(recording, settings)
    run_checks(target, "3", client=only_mysql, memory=memory)
    assert not memory.snapshot(CommandMemory.key(recording.provider, [3], True))
