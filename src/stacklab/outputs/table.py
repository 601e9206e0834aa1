"""The terminal table: ✔/✘ per check with points and, for each failure, found and hint."""

from __future__ import annotations

import io

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from stacklab.grading.model import ClassReport, RunResult
from stacklab.outputs._common import (
    MARK,
    clean,
    counted,
    host_label,
    lab_cell,
    lab_numbers,
    lab_short,
    lab_title,
    points,
)

NAME = "table"
SUFFIX = ".txt"
STYLE = {"passed": "green", "failed": "red", "error": "red", "timeout": "red",
         "not-run": "yellow", "n/a": "dim", "not-verified": "magenta"}


def run_table(run: RunResult) -> Group:
    """One host's checks, lab by lab, and its total."""
    table = Table(title=f"{run.name} — {run.url}", title_justify="left", expand=False)
    table.add_column("", width=1)
    table.add_column("Check")
    table.add_column("Points", justify="right")
    table.add_column("What was found / hint", overflow="fold")
    blocks = []  # multi-line findings (the smiley table) go under the table, unwrapped
    for lab in sorted({c.lab for c in run.checks}):
        got, best = run.lab_points(lab)
        table.add_row("", Text(lab_title(lab), style="bold"), Text(f"{points(got)}/{points(best)}",
                                                                   style="bold"), "")
        for c in run.for_lab(lab):
            style = STYLE.get(c.status, "")
            found = Text()
            if not c.ok:
                head, _, block = clean(c.found).partition("\n\n")
                found.append(head or c.status, style=style)
                if block:
                    blocks.append(Text(f"{c.title}:\n", style="bold") + Text(block, no_wrap=True))
                if c.hint:
                    found.append("\n→ " + clean(c.hint), style="cyan")
            elif c.status in ("n/a", "not-verified"):
                found.append(clean(c.found), style=style)
            elif c.message:
                found.append(clean(c.message), style="green")
            if c.note:  # e.g. which backend served the check
                found.append(("\n" if found else "") + "note: " + clean(c.note), style="blue")
            table.add_row(Text(MARK.get(c.status, "?"), style=style), c.title,
                          f"{points(c.points)}/{points(c.max)}", found)
    lines = [table, *blocks]
    if run.status != "ok":
        lines.append(Text(f"{host_label(run)}: {clean(run.reason)}", style="red bold"))
    total = (f"Total: {points(run.points)}/{points(run.max_points)} points, "
             f"{run.passed}/{len(counted(run))} checks passed")
    lines.append(Text(total, style="bold green" if run.all_passed else "bold"))
    if run.not_verified:
        lines.append(not_verified_line(run))
    return Group(*lines)


def not_verified_line(run: RunResult) -> Text:
    """The closing line: every check this host could not verify, and why (never 'passed')."""
    checks = run.not_verified
    text = Text(f"Not verified on this host ({len(checks)}, worth 0 of 0 points, neither passed "
                "nor failed): ", style="magenta bold")
    text.append("; ".join(f"{c.key} ({clean(c.reason_not_verified)})" for c in checks),
                style="magenta")
    return text


def class_table(report: ClassReport) -> Table:
    """The gradebook: a row per student, a column per lab."""
    labs = lab_numbers(report)
    table = Table(title=f"stacklab grade — {len(report.hosts)} hosts", title_justify="left")
    table.add_column("Student")
    table.add_column("Status")
    for n in labs:
        table.add_column(lab_short(n).removeprefix("lab"), justify="right")
    table.add_column("Total", justify="right")
    table.add_column("Reason", overflow="fold")
    for host in report.hosts:
        style = "" if host.status == "ok" else "red"
        table.add_row(host.name, Text(host_label(host), style=style),
                      *[lab_cell(host, n) for n in labs],
                      f"{points(host.points)}/{points(host.max_points)}",
                      Text(clean(host.reason), style=style))
    return table


def _to_text(renderable, width: int) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=width, force_terminal=False, color_system=None).print(renderable)
    return buffer.getvalue()


def render_run(run: RunResult, width: int = 120) -> str:
    return _to_text(run_table(run), width)


def render(report: ClassReport) -> str:
    parts = [class_table(report)] + [run_table(h) for h in report.hosts]
    return _to_text(Group(*parts), 140)
