"""The pytest plugin behind grader/: options, the check marker, and which checks run.

Loaded by grader/conftest.py, so plain ``pytest grader/ --hosts=ssh://user@host`` grades a
host too. Each concern has its module, loaded with this one: the fixtures
(:mod:`~stacklab.grading.fixtures`), the time limits (:mod:`~stacklab.grading.limits`) and
the results (:mod:`~stacklab.grading.results`); the run's :class:`RunControl` is in
:mod:`~stacklab.grading.control`.

Collection keeps the checks the run reports and, from other labs, the checks they need
(directly or through others), so that a failure caused by another check is reported as
blocked by it even when only some labs are checked.
"""

from __future__ import annotations

import os

import pytest

from stacklab.grading import needs
from stacklab.grading.control import RunControl, control_of
from stacklab.grading.fixtures import settings_of
from stacklab.grading.markers import lab_of_module, spec_of
from stacklab.grading.results import SPEC

pytest_plugins = ["stacklab.grading.fixtures", "stacklab.grading.limits",
                  "stacklab.grading.results"]
__all__ = ["RunControl"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("stacklab")
    # the host's kind of lab host; --stacklab-provider and STACKLAB_PROVIDER are the
    # older spellings, still read
    group.addoption("--stacklab-kind", "--stacklab-provider", dest="stacklab_kind",
                    default=os.environ.get("STACKLAB_KIND",
                                           os.environ.get("STACKLAB_PROVIDER", "vagrant")),
                    help="the kind of lab host (vagrant, container): which providers.<kind> "
                         "settings apply to it")
    group.addoption("--check-timeout", type=float, default=60.0,
                    help="seconds allowed per check (default 60)")
    group.addoption("--learner", action="store_true",
                    help="leave out hidden checks, as `stacklab check` does")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "check(points, title, hint, hidden=False, success='', failure='', "
                   "needs=()): a graded check of the stacklab kit")


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    control = control_of(config)
    settings = settings_of(config)
    known = {}
    for item in items:
        spec = spec_of(item, settings)
        if spec is not None:
            item.stash[SPEC] = spec
            known[spec.key] = spec
    reported = {key for key, spec in known.items() if control.reports(spec)}
    wanted = reported | needs.closure(reported, known)
    keep, drop = [], []
    for item in items:
        spec = item.stash.get(SPEC, None)
        if spec is not None:
            (keep if spec.key in wanted else drop).append(item)
        elif control.report_labs is None or _lab(item) in control.report_labs:
            keep.append(item)  # a plain test beside the checks
        else:
            drop.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    control.known = {item.stash[SPEC].key: item.stash[SPEC] for item in keep
                     if SPEC in item.stash}
    control.specs = [spec for spec in control.known.values() if spec.key in reported]


def _lab(item: pytest.Item) -> int | None:
    module = getattr(item, "module", None)
    return lab_of_module(module.__name__) if module else None
