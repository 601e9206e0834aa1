"""Run the graders against one host, in this process, through pytest.

:func:`run_checks` opens the host's one SSH connection (or takes one already open: a
notebook's), hands it to testinfra, runs the selected labs' checks with pytest (quietly),
with the checks of earlier labs they need (to tell blocked from failed; not reported), and
returns a :class:`RunResult`. It is what `stacklab check`, the notebooks' `%check` and
each worker of `stacklab grade` call. The host's status says whether every check was
judged: ok, incomplete (some ended in error) or timeout (its time limit cut the run short).
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from stacklab import paths
from stacklab.catalog import Lab, pick, select
from stacklab.errors import StacklabError
from stacklab.grading import transport
from stacklab.grading.control import RunControl
from stacklab.grading.model import CheckResult, CheckSpec, Outcome, RunResult
from stacklab.grading.prefetch import CommandMemory, PrefetchingConnection
from stacklab.hosts.target import Target

if TYPE_CHECKING:
    from stacklab.hosts.transport import Connection

DEFAULT_CHECK_TIMEOUT = 60.0
# pytest plugins a grading run has no use for; unraisableexception alone costs a forced
# garbage collection per run (a third of the run's CPU), capture and logging a bit per check
QUIET_PLUGINS = [f"-pno:{name}" for name in (
    "cacheprovider", "unraisableexception", "threadexception", "logging", "warnings",
    "doctest", "junitxml", "pastebin", "stepwise", "faulthandler", "setuponly", "setupplan")]
CONNECT_TIMEOUT = 10.0


def grader_dir() -> Path:
    return paths.kit_root() / "grader"


def grader_files(labs: Iterable[Lab]) -> list[Path]:
    folder = grader_dir()
    files = [folder / f"{lab.grader_module}.py" for lab in labs]
    missing = [f.name for f in files if not f.exists()]
    if missing:
        raise StacklabError(f"grader module(s) missing: {', '.join(missing)}",
                            f"the checkout's {folder} is incomplete")
    return files


def _pytest(args: list[str], control: RunControl) -> tuple[int, str]:
    """pytest.main with the kit's plugin and RunControl, its console output kept aside."""
    import pytest

    folder = grader_dir()
    base = ["-c", str(folder / "pytest.ini"), "--rootdir", str(folder), "-q", "-q",
            "--tb=no", "-s", *QUIET_PLUGINS, "-W", "ignore::DeprecationWarning"]
    buffer = io.StringIO()
    # no entry-point scan of every installed package (hundreds of files read per run):
    # the graders need testinfra's plugin and the kit's own (grader/conftest.py) only
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer), \
            _environ(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1"):
        code = pytest.main([*base, "-p", "testinfra.plugin", *args], plugins=[control])
    if os.environ.get("STACKLAB_DEBUG"):
        print(buffer.getvalue())
    return int(code), buffer.getvalue()


@contextlib.contextmanager
def _environ(**values: str):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def collect_specs(labs: Iterable[int | Lab] | str | None = None, *, kind: str = "vagrant",
                  include_hidden: bool = True) -> list[CheckSpec]:
    """Every check the selected labs declare (no host is contacted)."""
    chosen = pick(labs)
    control = RunControl(include_hidden=include_hidden, summary=False)
    args = ["--collect-only", f"--stacklab-kind={kind}"]
    code, output = _pytest(args + [str(f) for f in grader_files(chosen)], control)
    if code not in (0, 5):
        raise StacklabError("the grader modules could not be collected",
                            _last_line(output) or "run with STACKLAB_DEBUG=1")
    return list(control.specs)


def run_checks(target: Target, labs: Iterable[int | Lab] | str | None = None, *,
               timeout: float | None = None, check_timeout: float = DEFAULT_CHECK_TIMEOUT,
               include_hidden: bool = True,
               on_result: Callable[[CheckResult], None] | None = None,
               connect_timeout: float = CONNECT_TIMEOUT,
               client: Connection | None = None,
               memory: CommandMemory | None = None) -> RunResult:
    """Run the checks of `labs` (default: all) against `target` and return the result.

    `timeout` bounds the whole run, `check_timeout` each check: what they cut short ends in
    error (status timeout for the host). A host that cannot be reached gives a RunResult
    whose status says why (unreachable, refused, timeout) with every check in error. Checks
    the selected labs need in other labs run too (to tell blocked from failed) but are not
    reported.

    `client`: a connection to `target` that is already open (a notebook's): the run
    uses it instead of opening its own, and leaves it open. ``connections`` in the result
    counts only the connections the run opened itself.

    `memory`: where the commands of the last run of these labs are remembered; they are
    asked of the host at once at the start (:mod:`stacklab.grading.prefetch`), and this
    run's are remembered for the next.
    """
    chosen = pick(labs)
    numbers = [lab.number for lab in chosen]
    started = time.monotonic()
    control = RunControl(check_timeout=check_timeout, include_hidden=include_hidden,
                         on_result=on_result, summary=False, host_timeout=timeout,
                         deadline=started + timeout if timeout else None)
    borrowed = client is not None
    if client is None:
        try:
            client = transport.connect(target, connect_timeout)
        except transport.HostUnreachable as exc:
            specs = collect_specs(chosen, kind=target.kind,
                                  include_hidden=include_hidden)
            return RunResult(name=target.name, url=target.url, labs=numbers,
                             checks=[CheckResult.unjudged(s, exc.reason) for s in specs],
                             status=exc.status, reason=exc.reason,
                             duration=time.monotonic() - started)
    opened_before = client.connections_opened if borrowed else 0
    key = CommandMemory.key(target.kind, numbers, include_hidden)
    commands, snapshot_first = memory.recall(key) if memory else ([], False)
    prefetching = PrefetchingConnection(client, commands) if memory else None
    spec, host = transport.host_for(target, prefetching or client)
    try:
        result = run_on_host(host, spec, chosen, name=target.name, url=target.url,
                             kind=target.kind, control=control,
                             snapshot_first=snapshot_first)
    finally:
        if not borrowed:
            client.close()
    if memory and prefetching and result.status in ("ok", "incomplete"):
        from stacklab.grading.resources import cloud

        memory.remember(key, prefetching.asked, snapshot=cloud.started(host))
    connections = client.connections_opened - opened_before
    return replace(result, duration=time.monotonic() - started, connections=connections)


def run_on_host(host, spec: str, labs: list[Lab], *, name: str, url: str, kind: str,
                control: RunControl, snapshot_first: bool = False) -> RunResult:
    """Run the grader modules of `labs` with `host` (a testinfra host) as the lab host.

    `snapshot_first`: start reading OpenStack before pytest starts (the last run of these
    labs read it), not once pytest has collected the checks (half a second later)."""
    from stacklab.grading.resources import cloud, forget

    transport.register(spec, host)
    forget(host)
    cloud.forget(host)
    if snapshot_first:
        from stacklab.settings import cached_settings

        with contextlib.suppress(StacklabError):  # bad settings: the fixture says why
            cloud.start_snapshot(host, cached_settings(kind), control.deadline)
    numbers = [lab.number for lab in labs]
    control.report_labs = frozenset(numbers)
    # a check needs only checks of its own or earlier labs: their modules are enough
    modules = [lab for lab in select(None) if lab.number <= max(numbers)]
    args = [f"--hosts={spec}", f"--stacklab-kind={kind}"]
    code, output = _pytest(args + [str(f) for f in grader_files(modules)], control)
    done = {r.key for r in control.results}
    missing = [CheckResult.unjudged(s, "not checked: " + (_last_line(output) or
                                                          "pytest stopped"))
               for s in control.specs if s.key not in done]
    checks = list(control.results) + missing
    status, reason = "ok", ""
    if not control.specs and code not in (0, 5):
        status, reason = "error", _last_line(output) or f"pytest exited {code}"
    elif control.time_limit_reached:
        status = "timeout"
        reason = (f"the host's time limit ({control.host_timeout:g} s) was reached with "
                  f"{_count_errors(checks)} checks not judged")
    elif _count_errors(checks):
        first = next(c for c in checks if c.status == Outcome.ERROR)
        status = "incomplete"
        reason = f"{_count_errors(checks)} checks could not be judged ({first.key}: " \
                 f"{first.found[:200]})"
    return RunResult(name=name, url=url, labs=numbers, checks=checks, status=status,
                     reason=reason)


def _count_errors(checks: list[CheckResult]) -> int:
    return sum(c.status == Outcome.ERROR for c in checks)


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else ""
