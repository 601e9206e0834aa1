"""What `stacklab solve` shows while it runs: a bar per lab and per step, a line per step.

It shows a step's id, title, outcome and time, never a command or its output (those go
to the private log); titles come from the step files and go through the redaction
filter like every other text the kit prints.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from stacklab.grading.redact import redact
from stacklab.solve.model import LabSolution, Outcome, Step
from stacklab.solve.runner import RunReport

MARK = {Outcome.NO_CHANGE: "[dim]·[/dim]", Outcome.CHANGED: "[green]✔[/green]"}


class RichReporter:
    def __init__(self, console: Console, solutions: list[LabSolution]) -> None:
        self.console = console
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                 BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                 console=console, transient=True)
        self.labs = self.progress.add_task("labs", total=len(solutions))
        self.steps = self.progress.add_task("steps", total=1)
        self.progress.start()

    def lab_started(self, solution: LabSolution) -> None:
        self.console.print(f"[bold]lab {solution.lab.number}[/bold] {redact(solution.lab.title)}",
                           highlight=False, markup=True)
        self.progress.update(self.labs, description=f"lab {solution.lab.number}")
        self.progress.reset(self.steps, total=max(len(solution.steps), 1),
                            description="steps")

    def step_started(self, step: Step, phase: str) -> None:
        self.progress.update(self.steps, description=f"{redact(step.id)} ({phase})")

    def step_finished(self, step: Step, outcome: Outcome, seconds: float) -> None:
        self.console.print(f"  {MARK[outcome]} {redact(step.id):<28} "
                           f"{escape(redact(step.title))}  "
                           f"[dim]{outcome.value}, {seconds:.1f}s[/dim]", highlight=False,
                           soft_wrap=True)
        self.progress.advance(self.steps)

    def lab_finished(self, solution: LabSolution, seconds: float) -> None:
        self.progress.advance(self.labs)

    def stop(self) -> None:
        self.progress.stop()


def summary_table(report: RunReport, solutions: list[LabSolution]) -> Table:
    table = Table(show_header=True, header_style="bold")
    for column in ("lab", "steps", "changed", "seconds"):
        table.add_column(column, justify="right" if column != "lab" else "left")
    for solution in solutions:
        number = solution.lab.number
        if number not in report.lab_seconds:
            continue
        changed = sum(1 for r in report.changed if r.step.lab == number)
        table.add_row(f"{number} {solution.lab.title}", str(len(solution.steps)),
                      str(changed) if changed else "no change",
                      f"{report.lab_seconds[number]:.1f}")
    return table
