"""Grade a whole class: one forked worker process per host, `jobs` at a time.

The parent imports everything the graders need and collects the checks once, then forks:
30 hosts do not pay 30 imports, and a host that hangs is one process to kill. Each worker
runs :func:`~stacklab.grading.runner.run_checks` and streams every check result back over
a pipe, so a host killed at its time limit still reports the checks it finished. A host
that cannot be reached, refuses the key or never answers gets its reason and zero points;
every other host is graded all the same.
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait

from stacklab.catalog import Lab
from stacklab.grading.model import CheckResult, CheckSpec, ClassReport, RunResult
from stacklab.hosts.target import Target

Event = tuple[str, Target, object]  # ("start"|"check"|"done", target, payload)


@dataclass
class _Worker:
    index: int
    target: Target
    process: multiprocessing.Process
    conn: Connection
    started: float
    checks: list[CheckResult] = field(default_factory=list)
    result: RunResult | None = None


def _work(conn: Connection, target: Target, labs: list[int], check_timeout: float,
          include_hidden: bool, connect_timeout: float, host_timeout: float) -> None:
    from stacklab.grading.runner import run_checks

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    gc.disable()  # a short life: collecting would touch (and copy) the parent's pages
    try:
        result = run_checks(target, labs, check_timeout=check_timeout,
                            include_hidden=include_hidden, connect_timeout=connect_timeout,
                            timeout=host_timeout,
                            on_result=lambda r: conn.send(("check", r.to_dict())))
        conn.send(("done", result.to_dict()))
    except BaseException as exc:  # reported as the host's error, never a traceback
        conn.send(("crash", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def warm_up(labs: Sequence[int | Lab], provider: str, include_hidden: bool) -> list[CheckSpec]:
    """Import the graders in this process (the workers inherit them) and list the checks."""
    import paramiko  # noqa: F401
    import testinfra  # noqa: F401

    from stacklab.grading import plugin  # noqa: F401
    from stacklab.grading.resources import cloud, guest, lvm, mysql, rabbitmq  # noqa: F401
    from stacklab.grading.runner import collect_specs

    return collect_specs(labs, provider=provider, include_hidden=include_hidden)


def grade_class(targets: Sequence[Target], labs: Sequence[int | Lab] | str | None = None, *,
                jobs: int = 8, timeout: float = 300.0, check_timeout: float = 60.0,
                connect_timeout: float = 10.0, include_hidden: bool = True,
                on_event: Callable[[Event], None] | None = None) -> ClassReport:
    """Grade every target, `jobs` at once, each within `timeout` seconds; inventory order."""
    from stacklab.grading.runner import _labs

    chosen = [lab.number for lab in _labs(labs)]
    started = time.monotonic()
    specs = {p: warm_up(chosen, p, include_hidden) for p in {t.provider for t in targets}}
    context = multiprocessing.get_context("fork")
    gc.collect()
    gc.freeze()  # what the parent holds stays shared with the workers, never re-scanned
    pending = list(enumerate(targets))
    running: list[_Worker] = []
    finished: dict[int, RunResult] = {}
    emit = on_event or (lambda event: None)

    def launch(index: int, target: Target) -> None:
        parent, child = context.Pipe(duplex=False)
        # the worker stops itself a little before the parent would kill it
        process = context.Process(target=_work, name=f"stacklab-grade-{target.name}",
                                  args=(child, target, chosen, check_timeout, include_hidden,
                                        connect_timeout, max(1.0, timeout - 2.0)),
                                  daemon=True)
        process.start()
        child.close()
        running.append(_Worker(index, target, process, parent, time.monotonic()))
        emit(("start", target, None))

    while pending or running:
        while pending and len(running) < jobs:
            launch(*pending.pop(0))
        ready = wait([w.conn for w in running] + [w.process.sentinel for w in running],
                     timeout=0.2)
        now = time.monotonic()
        for worker in list(running):
            done = _drain(worker, ready, emit)
            overdue = now - worker.started > timeout
            if not done and overdue:
                _kill(worker.process)
                worker.result = _partial(worker, specs[worker.target.provider],
                                         "timeout", f"no result within {timeout:g} s "
                                         f"({len(worker.checks)} checks done)")
                done = True
            if not done and not worker.process.is_alive() and worker.conn not in ready:
                _drain(worker, [worker.conn], emit)
                done = worker.result is not None
                if not done:
                    worker.result = _partial(worker, specs[worker.target.provider], "error",
                                             "the grading process died (exit code "
                                             f"{worker.process.exitcode})")
                    done = True
            if done:
                assert worker.result is not None
                worker.process.join(timeout=1)
                worker.conn.close()
                running.remove(worker)
                finished[worker.index] = replace(worker.result, roster=worker.target.roster)
                emit(("done", worker.target, worker.result))
    gc.unfreeze()
    return ClassReport(labs=chosen, hosts=[finished[i] for i in range(len(targets))],
                       duration=time.monotonic() - started)


def _drain(worker: _Worker, ready: list, emit: Callable[[Event], None]) -> bool:
    """Read what the worker sent; True once it delivered its result."""
    if worker.conn not in ready:
        return worker.result is not None
    try:
        while worker.conn.poll():
            kind, payload = worker.conn.recv()
            if kind == "check":
                check = CheckResult.from_dict(payload)
                worker.checks.append(check)
                emit(("check", worker.target, check))
            elif kind == "done":
                worker.result = RunResult.from_dict(payload)
                return True
            elif kind == "crash":
                worker.result = _partial(worker, [], "error", str(payload))
                return True
    except (EOFError, OSError):
        pass
    return worker.result is not None


def _partial(worker: _Worker, specs: list[CheckSpec], status: str, reason: str) -> RunResult:
    done = {c.key for c in worker.checks}
    rest = [CheckResult.not_run(s, f"not run: {reason}") for s in specs if s.key not in done]
    return RunResult(name=worker.target.name, url=worker.target.url,
                     labs=sorted({s.lab for s in specs} | {c.lab for c in worker.checks}),
                     checks=worker.checks + rest, status=status, reason=reason,  # type: ignore[arg-type]
                     duration=time.monotonic() - worker.started)


def _kill(process: multiprocessing.Process) -> None:
    if process.is_alive():
        process.kill()  # SIGKILL: a worker stuck in a read does not get to clean up
