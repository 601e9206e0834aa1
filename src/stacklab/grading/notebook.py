"""What a notebook's `%check N` calls: check one lab, remember it, show it as a table.

    from stacklab.grading.notebook import check_lab
    check_lab(3)          # in a cell: renders the lab's checks as an HTML table
"""

from __future__ import annotations

from dataclasses import dataclass

from stacklab.grading.model import RunResult
from stacklab.hosts.target import Target


@dataclass(frozen=True)
class LabCheck:
    """One lab's result; Jupyter shows it through _repr_html_."""

    lab: int
    result: RunResult

    @property
    def passed(self) -> bool:
        return self.result.all_passed

    def _repr_html_(self) -> str:
        from stacklab.outputs.html import render_lab

        return render_lab(self.result, self.lab)

    def __str__(self) -> str:
        from stacklab.outputs.table import render_run

        return render_run(self.result)


def check_lab(lab: int, target: Target | None = None, *, timeout: float | None = 300,
              check_timeout: float = 60.0, record: bool = True) -> LabCheck:
    """Run lab `lab`'s checks as a learner sees them (no hidden checks) and record progress."""
    from stacklab.grading.runner import run_checks
    from stacklab.hosts.target import default_target

    result = run_checks(target or default_target(), [lab], timeout=timeout,
                        check_timeout=check_timeout, include_hidden=False)
    if record and result.checks:
        from stacklab.progress import record as remember

        got, best = result.lab_points(lab)
        remember(lab, got, best, sum(c.ok for c in result.checks), len(result.checks))
    return LabCheck(lab, result)
