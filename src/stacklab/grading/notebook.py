"""What a notebook's `%check N` runs: check one lab, record it, show it as a table.

    from stacklab.grading.notebook import check_lab
    check_lab(3)          # in a cell: renders the lab's checks as an HTML table

The `%check` magic (stacklab.notebooks.checking) picks the host and hands over the
notebook's own SSH connection; the run, the recorded progress (what `stacklab labs` shows)
and the table are this module's, the same as `stacklab check`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from stacklab.grading.model import RunResult
from stacklab.hosts.target import Target

if TYPE_CHECKING:
    from stacklab.hosts.transport import Connection


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
              check_timeout: float = 60.0, record: bool = True,
              client: Connection | None = None) -> LabCheck:
    """Run lab `lab`'s checks as a learner sees them (no hidden checks) and record progress.

    `client`: the notebook's SSH connection to `target`, used instead of a new one.
    """
    from stacklab.grading.prefetch import default_memory
    from stacklab.grading.runner import run_checks
    from stacklab.hosts.target import default_target
    from stacklab.progress import record_run

    result = run_checks(target or default_target(), [lab], timeout=timeout,
                        check_timeout=check_timeout, include_hidden=False, client=client,
                        memory=default_memory())
    if record:
        record_run(result)
    return LabCheck(lab, result)
