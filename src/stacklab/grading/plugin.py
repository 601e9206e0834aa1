"""The pytest plugin behind grader/: check markers, fixtures, time limits, results.

Loaded by grader/conftest.py, so plain ``pytest grader/ --hosts=ssh://user@host`` grades a
host too. Fixtures: ``settings`` (the lab's settings for ``--stacklab-provider``) and
``cloud`` (the OpenStack snapshot, read once per host on a channel of the run's SSH
connection, started before the first check so it runs while the others do). Every check
gets a time limit; each result becomes a :class:`CheckResult` with hint and found.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from stacklab.grading.markers import (
    NOT_APPLICABLE,
    CheckTimeout,
    found_of,
    notes_of,
    running,
    spec_of,
)
from stacklab.grading.model import NOT_VERIFIED, CheckResult, CheckSpec
from stacklab.grading.redact import redact, settings_secrets

RESULTS = pytest.StashKey[list]()
SPEC = pytest.StashKey[CheckSpec]()
PARTIAL = pytest.StashKey[dict]()
CONTROL = pytest.StashKey["RunControl"]()
SETTINGS = pytest.StashKey[object]()


@dataclass(eq=False)  # pluggy keeps plugins in sets: identity, not value
class RunControl:
    """What a run through :func:`stacklab.grading.run_checks` asks of the plugin."""

    check_timeout: float = 60.0
    deadline: float | None = None  # time.monotonic() after which checks are not run
    host_timeout: float | None = None
    include_hidden: bool = True
    on_result: Callable[[CheckResult], None] | None = None
    summary: bool = True  # plain pytest: end with the kit's table
    results: list[CheckResult] = field(default_factory=list)
    specs: list[CheckSpec] = field(default_factory=list)  # every check collected, in order


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("stacklab")
    group.addoption("--stacklab-provider", default=os.environ.get("STACKLAB_PROVIDER",
                                                                   "vagrant"),
                    help="which providers.<name> settings apply to the host (vagrant, "
                         "container)")
    group.addoption("--check-timeout", type=float, default=60.0,
                    help="seconds allowed per check (default 60)")
    group.addoption("--learner", action="store_true",
                    help="leave out hidden checks, as `stacklab check` does")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "check(points, title, hint, hidden=False, success='', failure=''): "
                   "a graded check of the stacklab kit")
    config.stash[RESULTS] = []


def _control(config: pytest.Config) -> RunControl:
    """The run's RunControl: the one the runner registered, else one from the options."""
    control = config.stash.get(CONTROL, None)
    if control is None:
        found = [p for p in config.pluginmanager.get_plugins() if isinstance(p, RunControl)]
        control = found[0] if found else RunControl(
            check_timeout=config.getoption("--check-timeout"),
            include_hidden=not config.getoption("--learner"))
        config.stash[CONTROL] = control
    return control


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    control = _control(config)
    settings = _settings(config)
    keep, drop = [], []
    for item in items:
        spec = spec_of(item, settings)
        if spec is not None:
            item.stash[SPEC] = spec
            if spec.hidden and not control.include_hidden:
                drop.append(item)
                continue
        keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    control.specs = [item.stash[SPEC] for item in keep if SPEC in item.stash]


# ---- fixtures -------------------------------------------------------------------------

@pytest.fixture(scope="session")
def settings(pytestconfig: pytest.Config):
    """The lab's settings as the host's provider sees them (lab.yaml + overrides)."""
    found = _settings(pytestconfig)
    if found is None:  # say why, as the loader words it
        from stacklab.settings import load_settings

        return load_settings(pytestconfig.getoption("--stacklab-provider"))
    return found


@pytest.fixture(scope="session", autouse=True)
def _stacklab_warm_up(request: pytest.FixtureRequest, settings) -> None:
    """Start reading OpenStack on every host before the first check, if any check needs it."""
    if not any("cloud" in getattr(item, "fixturenames", ()) for item in request.session.items):
        return
    from stacklab.grading.resources import cloud

    for host in session_hosts(request.config):
        cloud.start_snapshot(host, settings)


@pytest.fixture
def cloud(host, settings):
    """The host's OpenStack state (one snapshot per run), as a :class:`Cloud`."""
    from stacklab.grading.resources import cloud as cloud_resource

    return cloud_resource.snapshot(host, settings)


def session_hosts(config: pytest.Config) -> list:
    """The testinfra hosts of this session: the very objects its `host` fixture hands out."""
    import testinfra

    opt = config.option
    hosts = opt.hosts.split(",") if getattr(opt, "hosts", None) else [None]
    return testinfra.get_hosts(
        hosts, connection=opt.connection, ssh_config=opt.ssh_config,
        ssh_identity_file=opt.ssh_identity_file, sudo=opt.sudo, sudo_user=opt.sudo_user,
        ansible_inventory=opt.ansible_inventory, force_ansible=opt.force_ansible)


# ---- time limits ----------------------------------------------------------------------

@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    control = _control(item.config)
    if control.deadline is not None and time.monotonic() > control.deadline:
        pytest.skip(f"not run: the host's time limit ({control.host_timeout:g} s) "
                    "was reached")
    with _time_limit(control):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    with _time_limit(_control(item.config)), running(item):
        return (yield)


class _time_limit:
    """SIGALRM after the check's time limit (main thread only; elsewhere no limit)."""

    def __init__(self, control: RunControl) -> None:
        limit = control.check_timeout
        if control.deadline is not None:
            limit = min(limit, max(0.05, control.deadline - time.monotonic()))
        self.limit = limit
        self.active = (limit > 0 and threading.current_thread() is threading.main_thread()
                       and hasattr(signal, "setitimer"))

    def __enter__(self) -> None:
        if not self.active:
            return

        def expired(signum, frame):
            raise CheckTimeout(f"no answer within {self.limit:g} s (the check's time limit)")

        self.previous = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, self.limit)

    def __exit__(self, *exc) -> None:
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)


# ---- results --------------------------------------------------------------------------

@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    spec = item.stash.get(SPEC, None)
    if spec is None or call.when == "teardown":
        return report
    partial = item.stash.setdefault(PARTIAL, {"duration": 0.0})
    partial["duration"] += call.duration
    if call.when == "setup" and report.passed:
        return report
    result = _result(item, spec, call, report, partial["duration"])
    control = _control(item.config)
    item.config.stash[RESULTS].append(result)
    control.results.append(result)
    if control.on_result is not None:
        control.on_result(result)
    return report


def _result(item: pytest.Item, spec: CheckSpec, call: pytest.CallInfo, report,
            duration: float) -> CheckResult:
    base = CheckResult(lab=spec.lab, id=spec.id, title=spec.title, points=0, max=spec.points,
                       status="failed", hint=spec.hint, message=spec.failure,
                       duration=round(duration, 3), hidden=spec.hidden, note=notes_of(item))
    if report.passed:
        result = replace(base, points=spec.points, status="passed", hint="",
                         message=spec.success)
    elif report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else "skipped"
        reason = reason.removeprefix("Skipped: ")
        if reason.startswith(NOT_APPLICABLE):
            result = replace(base, status="n/a", max=0, hint="", message="",
                             found=reason.removeprefix(NOT_APPLICABLE))
        elif reason.startswith(NOT_VERIFIED):  # the found text keeps its "not verified" head
            result = replace(base, status="not-verified", max=0, hint="", message="",
                             found=reason)
        else:
            result = replace(base, status="not-run", found=reason)
    else:
        exc = call.excinfo.value if call.excinfo else None
        found, hint = found_of(exc) if exc is not None else ("failed", None)
        status = ("timeout" if isinstance(exc, CheckTimeout)
                  else "failed" if isinstance(exc, AssertionError) else "error")
        result = replace(base, status=status, found=found, hint=hint or spec.hint)
    return _scrub(result, item.config)


def _scrub(result: CheckResult, config: pytest.Config) -> CheckResult:
    secrets = _secrets(config)
    return replace(result, found=redact(result.found, secrets),
                   hint=redact(result.hint, secrets), message=redact(result.message, secrets),
                   note=redact(result.note, secrets))


def _settings(config: pytest.Config):
    """The settings (None when they cannot be read: the `settings` fixture will say why)."""
    if SETTINGS not in config.stash:
        from stacklab.errors import StacklabError

        try:
            config.stash[SETTINGS] = cached_settings(config.getoption("--stacklab-provider"))
        except StacklabError:
            config.stash[SETTINGS] = None
    return config.stash[SETTINGS]


_SETTINGS_CACHE: dict[tuple, object] = {}


def cached_settings(provider: str):
    """load_settings(provider), read again only when a file or STACKLAB variable changed
    (a class run's workers and a notebook's repeated checks share one parse)."""
    from stacklab.settings import DEFAULT_FILE, LOCAL_FILE, load_settings

    def stamp(path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:
            return 0.0

    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("STACKLAB")))
    extra = os.environ.get("STACKLAB_SETTINGS")
    key = (provider, env, stamp(DEFAULT_FILE), stamp(LOCAL_FILE),
           stamp(Path(extra)) if extra else 0.0)
    if key not in _SETTINGS_CACHE:
        _SETTINGS_CACHE.clear()
        _SETTINGS_CACHE[key] = load_settings(provider)
    return _SETTINGS_CACHE[key]


def _secrets(config: pytest.Config) -> list[str]:
    settings = _settings(config)
    return settings_secrets(settings) if settings is not None else []


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    """Plain pytest runs end with the kit's own table: ✔/✘, points, hints."""
    control = _control(config)
    if not control.results or not control.summary:
        return
    from stacklab.grading.model import RunResult
    from stacklab.outputs import table

    labs = sorted({r.lab for r in control.results})
    hosts = getattr(config.option, "hosts", None) or "local"
    run = RunResult(name="lab", url=hosts, labs=labs, checks=list(control.results))
    terminalreporter.write_line("")
    terminalreporter.write(table.render_run(run, width=terminalreporter._tw.fullwidth))
