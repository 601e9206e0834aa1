"""What a run of the graders asks of the plugin, and what it keeps: one RunControl per run.

:func:`stacklab.grading.runner.run_checks` registers one as a pytest plugin; plain
``pytest grader/`` gets one made from its command-line options (:func:`control_of`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from stacklab.grading.model import CheckResult, CheckSpec

CONTROL = pytest.StashKey["RunControl"]()


@dataclass(eq=False)  # pluggy keeps plugins in sets: identity, not value
class RunControl:
    """The limits of a run, which checks it reports, and what it found."""

    check_timeout: float = 60.0
    deadline: float | None = None  # time.monotonic() after which checks are not run
    host_timeout: float | None = None
    include_hidden: bool = True
    on_result: Callable[[CheckResult], None] | None = None
    summary: bool = True  # plain pytest: end with the kit's table
    # the labs whose checks are reported (None: every check collected); the checks they
    # need in other labs are run too, to decide what is blocked, but not reported
    report_labs: frozenset[int] | None = None
    results: list[CheckResult] = field(default_factory=list)  # reported, in order
    specs: list[CheckSpec] = field(default_factory=list)  # reported checks, in order
    evaluated: dict[str, CheckResult] = field(default_factory=dict)  # every check run, by key
    known: dict[str, CheckSpec] = field(default_factory=dict)  # every check to run, by key
    time_limit_reached: bool = False  # the host's time limit ended a check or stopped one

    def reports(self, spec: CheckSpec) -> bool:
        """Whether `spec`'s result goes into the run's result (not only decides others)."""
        if spec.hidden and not self.include_hidden:
            return False
        return self.report_labs is None or spec.lab in self.report_labs


def control_of(config: pytest.Config) -> RunControl:
    """The run's RunControl: the one the runner registered, else one from the options."""
    control = config.stash.get(CONTROL, None)
    if control is None:
        found = [p for p in config.pluginmanager.get_plugins() if isinstance(p, RunControl)]
        control = found[0] if found else RunControl(
            check_timeout=config.getoption("--check-timeout"),
            include_hidden=not config.getoption("--learner"))
        config.stash[CONTROL] = control
    return control
