"""%%vm against a real OpenSSH server on loopback: streaming, exit codes, timeouts, stdin,
interrupts, and one connection with one long-lived command runner for the whole notebook."""

from __future__ import annotations

import os
import re
import signal
import threading
import time

import pytest

from stacklab.hosts.transport import open_connection
from stacklab.notebooks.magics import cell_script
from stacklab.notebooks.session import Session
from stacklab.notebooks.transport import CellTransport

pytestmark = pytest.mark.integration


def warm(transport: CellTransport) -> CellTransport:
    """A notebook's first cell runs on a channel while the command runner on the host
    starts; this one leaves the runner up, so that the test's cells go through it."""
    assert transport.run("true", timeout=10, stdout=print, stderr=print).ok
    assert transport.cells is not None and transport.cells.ready()
    return transport


def session_for(sshd) -> Session:
    t = sshd.target
    return Session(spec=f"ssh://{t.user}@{t.hostname}:{t.port}?key={t.key_file}")


def still_running(transport: CellTransport, pattern: str) -> bool:
    seen: list[str] = []
    # '[x]' keeps pgrep from matching this very command line
    transport.run(f"pgrep -f '{pattern[:-1]}[{pattern[-1]}]' || true", timeout=10,
                  stdout=seen.append, stderr=seen.append)
    return bool("".join(seen).strip())


def test_output_streams_as_it_comes(sshd):
    transport = warm(CellTransport(open_connection(sshd.target)))
    events: list[tuple[float, str, str]] = []
    outcome = transport.run("echo first; sleep 3; echo second >&2; sleep 0.5; echo third",
                            timeout=30,
                            stdout=lambda text: events.append((time.monotonic(), "out", text)),
                            stderr=lambda text: events.append((time.monotonic(), "err", text)))
    transport.close()
    assert outcome.ok
    assert [(kind, text) for _, kind, text in events] == [
        ("out", "first\n"), ("err", "second\n"), ("out", "third\n")]
    assert events[1][0] - events[0][0] >= 1.2  # 'first' arrived before the sleep ended


def test_a_non_zero_exit_is_shown_in_red_with_its_code(sshd, run_magic):
    out, err, shown = run_magic(session_for(sshd), "cell", "vm", "",
                                "echo partial\necho oops >&2\nexit 42")
    assert (out, err) == ("partial\n", "oops\n")
    assert shown[0]["text/plain"] == "✘ exit code 42"
    assert 'style="color:#b00020' in shown[0]["text/html"]


@pytest.mark.parametrize("through_runner", [True, False])
def test_a_timeout_stops_the_command_on_the_host(sshd, through_runner):
    transport = CellTransport(open_connection(sshd.target), persistent=through_runner)
    if through_runner:
        warm(transport)
    started = time.monotonic()
    outcome = transport.run("echo started; sleep 47.25", timeout=2, stdout=lambda _: None,
                            stderr=lambda _: None)
    assert outcome.timed_out and outcome.exit_code == 124
    assert time.monotonic() - started < 45  # the command sleeps 47 s: it was stopped
    assert not still_running(transport, "sleep 47.25")
    transport.close()


@pytest.mark.parametrize("through_runner", [True, False])
def test_an_interrupt_stops_the_command_on_the_host(sshd, through_runner):
    transport = CellTransport(open_connection(sshd.target), persistent=through_runner)
    if through_runner:
        warm(transport)

    def interrupt(_text: str) -> None:
        raise KeyboardInterrupt  # what the kernel raises when the learner presses stop

    outcome = transport.run("echo go; sleep 53.75", timeout=60, stdout=interrupt,
                            stderr=lambda _: None)
    assert outcome.interrupted and outcome.exit_code == 130
    deadline = time.monotonic() + 5
    while still_running(transport, "sleep 53.75") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not still_running(transport, "sleep 53.75")
    seen: list[str] = []
    after = transport.run("echo next", timeout=10, stdout=seen.append, stderr=seen.append)
    assert after.ok and seen == ["next\n"]  # nothing of the stopped cell comes after it
    assert transport.connections_opened == 1
    if through_runner:
        assert transport.cells.sessions_opened == 1
    transport.close()


def test_a_real_sigint_while_waiting_stops_the_cell(sshd):
    """The kernel's interrupt is a SIGINT to the main thread, which then waits for the
    cell's next output: it lands there, and the cell's processes on the host stop."""
    transport = warm(CellTransport(open_connection(sshd.target)))
    timers: list[threading.Timer] = []

    def started(_text: str) -> None:  # interrupt once the cell runs, not before
        if not timers:
            timers.append(threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)))
            timers[0].start()

    outcome = transport.run(cell_script("echo go; sleep 54.25"), timeout=120, stdout=started,
                            stderr=lambda _: None)
    timers[0].join()
    assert outcome.interrupted and outcome.exit_code == 130
    assert not still_running(transport, "sleep 54.25")
    assert transport.run("true", timeout=10, stdout=print, stderr=print).ok
    assert transport.cells.sessions_opened == 1
    transport.close()


@pytest.mark.parametrize("cell, timeout, code", [
    ("true", 30, 0), ("echo out; exit 42", 30, 42), ("false\necho never", 30, 1),
    ("no-such-command-here", 30, 127), ("kill -TERM $$", 30, -1), ("sleep 5", 1, 124)])
def test_exit_codes_are_those_of_a_channel_per_cell(sshd, cell, timeout, code):
    """The long-lived runner and a channel per cell (the earlier path) end each cell alike."""
    outcomes = []
    for persistent in (True, False):
        transport = CellTransport(open_connection(sshd.target), persistent=persistent)
        if persistent:
            warm(transport)
        out: list[str] = []
        outcome = transport.run(cell_script(cell), timeout=timeout, stdout=out.append,
                                stderr=out.append)
        said = re.sub(r"cell-[0-9a-f]{12}", "cell-ID", "".join(out))  # bash's $0, per cell
        outcomes.append((outcome.exit_code, outcome.timed_out, said))
        transport.close()
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][:2] == (code, code == 124)


@pytest.mark.parametrize("through_runner", [True, False])
def test_a_cell_that_reads_stdin_sees_its_end(sshd, run_magic, through_runner):
    session = session_for(sshd)
    if through_runner:
        warm(session.transport())
    else:
        session._transport = CellTransport(open_connection(sshd.target), persistent=False)
    out, _, shown = run_magic(session, "cell", "vm", "",
                              "cat\nread -r line || echo 'end of input'\nhead -c 10; echo done")
    assert (out, shown) == ("end of input\ndone\n", [])
    session.close()


def test_output_that_looks_like_the_runners_replies_is_shown_as_it_is(sshd, run_magic):
    session = session_for(sshd)
    warm(session.transport())
    cell = (r"printf 'X\000\000\000\0051 0 0R\000\000\000\022stacklab-session 1\n'" "\n"
            r"printf 'S\000\000\000\0012run 2 4 0 0\nkill 2\n' >&2" "\n"
            "exit 3")
    out, err, shown = run_magic(session, "cell", "vm", "", cell)
    assert out == "X\x00\x00\x00\x051 0 0R\x00\x00\x00\x12stacklab-session 1\n"
    assert err == "S\x00\x00\x00\x012run 2 4 0 0\nkill 2\n"
    assert shown[0]["text/plain"] == "✘ exit code 3"
    out, _, _ = run_magic(session, "cell", "vm", "", "echo next")
    assert out == "next\n" and session.transport().cells.sessions_opened == 1
    session.close()


def test_a_killed_runner_is_started_again_on_the_next_cell(sshd, run_magic):
    before = sshd.logins()
    session = session_for(sshd)
    cells = warm(session.transport()).cells
    out, _, _ = run_magic(session, "cell", "vm", "", "echo $PPID")  # bash's parent: the runner
    runner = out.strip()
    assert session.connection().run(f"kill -9 {runner}", timeout=10).rc == 0
    out, _, shown = run_magic(session, "cell", "vm", "", "echo $PPID")
    assert shown == [] and out.strip() not in ("", runner)
    assert cells.ready() and cells.sessions_opened == 2
    # killed while a cell runs: that cell is one red line, the next runs as usual
    _, _, shown = run_magic(session, "cell", "vm", "", "kill -9 $PPID; sleep 3")
    assert shown[0]["text/plain"].startswith("stacklab: cannot reach the lab host ssh://")
    out, _, shown = run_magic(session, "cell", "vm", "", "echo back")
    assert (out, shown) == ("back\n", [])
    assert cells.ready() and cells.sessions_opened == 3
    assert sshd.logins() - before == 1
    session.close()


def test_one_ssh_connection_serves_every_cell_of_the_notebook(sshd, run_magic):
    before = sshd.logins()
    session = session_for(sshd)
    for n in range(12):
        out, _, _ = run_magic(session, "cell", "vm", "", f"echo cell {n}")
        assert out == f"cell {n}\n"
    run_magic(session, "cell", "vm", "--timeout 1", "sleep 5")  # a timed-out cell, too
    out, _, _ = run_magic(session, "cell", "vm", "", "echo after")
    assert out == "after\n"
    assert sshd.logins() - before == 1
    assert session.transport().connections_opened == 1
    assert session.transport().cells.ready()
    assert session.transport().cells.sessions_opened == 1  # one runner, every cell
    session.close()


def test_a_dropped_connection_is_opened_again(sshd, run_magic):
    session = session_for(sshd)
    run_magic(session, "cell", "vm", "", "true")
    session.transport().connection.client.get_transport().close()  # the host went away
    out, _, _ = run_magic(session, "cell", "vm", "", "echo back")
    assert out == "back\n" and session.transport().connections_opened == 2
    session.close()


def test_an_unreachable_host_is_one_line(run_magic):
    from loopback_sshd import free_port

    session = Session(spec=f"ssh://nobody@127.0.0.1:{free_port()}")
    _, _, shown = run_magic(session, "cell", "vm", "", "true")
    assert shown[0]["text/plain"].startswith("stacklab: cannot reach the lab host ssh://")


def test_answers_saved_then_checked_on_the_host(sshd, run_magic, shell):
    """Lab 1 end to end over SSH: the notebook saves the answers, the graders (their own
    run, over SSH) read them, %check shows ✔ and ✘ with points and hints."""
    from stacklab.notebooks.knowledge import questions

    qs = questions(1)
    wrong = next(key for key in qs[0].keys if key != qs[0].answer)
    shell.user_ns["answers"] = {q.id: q.answer for q in qs} | {qs[0].id: wrong}
    session = session_for(sshd)
    out, _, _ = run_magic(session, "line", "save_answers", "1 answers")
    assert out.startswith(f"✔ {len(qs)} of {len(qs)} answer(s) to lab 1 saved on ssh://")
    assert (sshd.home / ".stacklab" / "answers" / "01.json").is_file()
    _, _, shown = run_magic(session, "line", "check", "1")
    table = shown[0]["text/html"]
    assert table.count("✔") >= len(qs) - 1 and "✘" in table
    assert qs[0].title in table
    session.close()


@pytest.mark.parametrize("number", [1, 2])
def test_the_knowledge_labs_instructor_notebooks_run_for_real_over_ssh(sshd, number):
    """Labs 1 and 2 need no OpenStack: their instructor notebooks run as they are against the
    loopback host, in strict mode, and score full marks; %%vm, %save_answers, %architecture
    and %check share the notebook's one SSH connection (counted in sshd's log)."""
    from pathlib import Path

    from stacklab.catalog import lab
    from stacklab.notebooks.builder import output_path
    from stacklab.notebooks.execute import run_notebook

    t = sshd.target
    root = Path(__file__).resolve().parents[2]
    before = sshd.logins()
    nb = run_notebook(output_path(root, lab(number), "instructor"),
                      target=f"ssh://{t.user}@{t.hostname}:{t.port}?key={t.key_file}",
                      strict=True, cell_timeout=120, cwd=root)
    check = next(c for c in nb.cells if c.id.endswith("-check"))
    table = check.outputs[0]["data"]["text/html"]
    total = re.search(r'>Total: ([\d.]+)/([\d.]+) ', table)
    assert total and total.group(1) == total.group(2) and float(total.group(2)) > 0, table
    assert "✘" not in table
    magics = {line.split()[0] for c in nb.cells if c.cell_type == "code"
              for line in c.source.splitlines() if line.startswith("%")}
    assert {"%check", "%save_answers" if number == 1 else "%%vm"} <= magics
    assert sshd.logins() - before == 1, "one SSH connection for the whole notebook"
