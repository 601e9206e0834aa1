"""Grading: checks declared on pytest-testinfra tests, run against one host or a class.

Public API (for the CLI, the notebooks and the end-to-end suite)::

    from stacklab.grading import run_checks, grade_class, RunResult, render_lab_html
    result = run_checks(target, [3, 4], timeout=120)
    result.points, result.max_points, result.checks[0].hint
    RunResult.from_json(result.to_json()) == result

Grader modules use :func:`check`, :func:`expect`, :func:`fail`, :func:`not_applicable`,
:func:`not_verified` and :func:`note`, and raise :class:`CheckError` for what the kit could
not find out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stacklab.grading.markers import (
    CheckError,
    CheckFailed,
    check,
    expect,
    fail,
    not_applicable,
    not_verified,
    note,
)
from stacklab.grading.model import CheckResult, CheckSpec, ClassReport, RunResult

if TYPE_CHECKING:  # the runners import pytest plugins: load them only when used
    from stacklab.grading.classrun import grade_class
    from stacklab.grading.runner import run_checks


def __getattr__(name: str) -> Any:
    if name == "run_checks":
        from stacklab.grading.runner import run_checks

        return run_checks
    if name == "grade_class":
        from stacklab.grading.classrun import grade_class

        return grade_class
    if name == "render_lab_html":
        from stacklab.outputs.html import render_lab

        return render_lab
    if name in ("load_questions", "save_answers"):
        from stacklab.grading import knowledge

        return getattr(knowledge, name)
    raise AttributeError(name)


__all__ = ["CheckError", "CheckFailed", "CheckResult", "CheckSpec", "ClassReport", "RunResult",
           "check", "expect", "fail", "grade_class", "load_questions", "not_applicable",
           "not_verified", "note", "render_lab_html", "run_checks", "save_answers"]
