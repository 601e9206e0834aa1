"""The terminal: a host's checks with points and, for each red one, found and hint; for a
class, one line per student that fits the terminal (:func:`summary`).

Every view leads with the root causes ("1 problem: 04 host name resolves to the lab address
— 29 checks blocked by it"); checks the kit could not judge (error, blocked) are marked and
counted apart from failed ones. The report file (grades.txt) holds the full class table and
every host's checks.
"""

from __future__ import annotations

import io

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from stacklab.grading.model import ClassReport, RunResult
from stacklab.outputs._common import (
    MARK,
    blocker,
    check_label,
    clean,
    counted,
    graded,
    headline,
    host_label,
    lab_cell,
    lab_max,
    lab_numbers,
    lab_title,
    outcome,
    pass_rates,
    points,
    root_causes,
    tally,
)

NAME = "table"
SUFFIX = ".txt"
STYLE = {"passed": "green", "failed": "red", "error": "yellow", "blocked": "yellow",
         "n/a": "dim", "not-verified": "magenta"}


def run_table(run: RunResult) -> Group:
    """One host's checks, lab by lab, led by its root causes and closed by its total."""
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
            verdict = outcome(c)
            style = STYLE.get(verdict, "")
            found = Text()
            if verdict == "blocked":
                found.append(blocker(run, c), style=style)
            elif verdict in ("failed", "error"):
                head, _, block = clean(c.found).partition("\n\n")
                found.append(head or verdict, style=style)
                if block:
                    blocks.append(Text(f"{c.title}:\n", style="bold") + Text(block, no_wrap=True))
                if c.hint and verdict == "failed":
                    found.append("\n→ " + clean(c.hint), style="cyan")
            elif verdict in ("n/a", "not-verified"):
                found.append(clean(c.found), style=style)
            elif c.message:
                found.append(clean(c.message), style="green")
            if c.note:  # e.g. which backend served the check
                found.append(("\n" if found else "") + "note: " + clean(c.note), style="blue")
            table.add_row(Text(MARK.get(verdict, "?"), style=style), c.title,
                          f"{points(c.points)}/{points(c.max)}", found)
    lines: list[RenderableType] = [lead_line(run), table, *blocks]
    if run.status != "ok":
        lines.append(Text(f"{host_label(run)}: {clean(run.reason)}", style="red bold"))
    lines.append(Text(f"Checks: {tally(run)}"))
    total = (f"Total: {points(run.points)}/{points(run.max_points)} points, "
             f"{run.passed}/{len(counted(run))} checks passed")
    lines.append(Text(total, style="bold green" if run.all_passed else "bold"))
    if run.not_verified:
        lines.append(not_verified_line(run))
    return Group(*lines)


def lead_line(run: RunResult) -> Text:
    red = bool(root_causes(run)) or not graded(run) or run.status != "ok"
    return Text(headline(run), style="bold red" if red else "bold green")


def not_verified_line(run: RunResult) -> Text:
    """The closing line: every check this host could not verify, and why (never 'passed')."""
    checks = run.not_verified
    text = Text(f"Not verified on this host ({len(checks)}, worth 0 of 0 points, neither passed "
                "nor failed): ", style="magenta bold")
    text.append("; ".join(f"{c.key} ({clean(c.reason_not_verified)})" for c in checks),
                style="magenta")
    return text


def class_table(report: ClassReport) -> Table:
    """The gradebook: a row per student, a column per lab (its maximum under the number)."""
    labs = lab_numbers(report)
    table = Table(title=f"stacklab grade — {len(report.hosts)} hosts", title_justify="left")
    table.add_column("Student", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    for n in labs:
        table.add_column(f"{n:02d}\n/{points(lab_max(report, n))}", justify="right",
                         no_wrap=True)
    table.add_column("Total", justify="right", no_wrap=True)
    table.add_column("First problem", overflow="fold")
    for host in report.hosts:
        style = "" if host.status == "ok" else "red"
        table.add_row(host.name, Text(host_label(host), style=style),
                      *[lab_cell(host, n) for n in labs],
                      score(host), Text(first_problem(host), style=style))
    return table


def score(run: RunResult) -> str:
    """'74/90', or '–' for a host that could not be graded (its grade is unknown, not 0)."""
    return f"{points(run.points)}/{points(run.max_points)}" if graded(run) else "–"


def first_problem(run: RunResult) -> str:
    """The one line a student's row has room for: why it could not be graded, or the first
    root cause, or nothing."""
    if not graded(run) or run.status != "ok":
        return clean(run.reason)  # the status column says what kind of trouble
    causes = root_causes(run)
    if not causes:
        return ""
    first = causes[0]
    text = check_label(first) + (" (could not check)" if outcome(first) == "error" else "")
    blocked = len(run.blocked_by(first.key))
    text += f", {blocked} blocked by it" if blocked else ""
    return text + (f" (+{len(causes) - 1} more)" if len(causes) > 1 else "")


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def summary_lines(report: ClassReport, width: int = 80) -> list[str]:
    """One line per student (name, status, points, the first problem), each within `width`
    columns, then the class's totals and the checks most of the class fails."""
    names = max((len(h.name) for h in report.hosts), default=7)
    name_w = min(max(names, 7), max(7, width // 4))
    scores = [score(h) for h in report.hosts]
    score_w = max([len(s) for s in scores] + [6])
    status_w = max(len(host_label(h)) for h in report.hosts) if report.hosts else 6
    lines = [_fit(f"{'student':<{name_w}}  {'status':<{status_w}}  {'points':>{score_w}}  "
                  "first problem", width)]
    for host, got in zip(report.hosts, scores, strict=True):
        row = (f"{_fit(host.name, name_w):<{name_w}}  {host_label(host):<{status_w}}  "
               f"{got:>{score_w}}  {first_problem(host) or '—'}")
        lines.append(_fit(row, width))
    ungraded = [h for h in report.hosts if not graded(h) or h.status != "ok"]
    lines.append(_fit(f"{len(report.hosts)} hosts: {len(report.hosts) - len(ungraded)} graded, "
                      f"{len(ungraded)} not fully graded", width))
    worst = [r for r in pass_rates(report) if r.failed][:3]
    for r in worst:
        lines.append(_fit(f"failed on {r.failed} of {r.hosts} graded hosts: {r.label}", width))
    return lines


def summary(report: ClassReport, width: int = 80) -> str:
    return "\n".join(summary_lines(report, width)) + "\n"


def for_terminal(report: ClassReport, width: int) -> RenderableType:
    """The class table where it fits in `width` columns, else one line per student."""
    table = class_table(report)
    # every column but the last is no_wrap: its minimum is its full width; the problem
    # column folds, and is worth showing only with some room left for it
    needed = Console(width=10_000).measure(table).minimum
    if needed + 24 <= width:
        return table
    return Text(summary(report, width).rstrip("\n"))


def _to_text(renderable: RenderableType, width: int) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=width, force_terminal=False, color_system=None).print(renderable)
    return buffer.getvalue()


def render_run(run: RunResult, width: int = 120) -> str:
    return _to_text(run_table(run), width)


def render(report: ClassReport) -> str:
    parts = [class_table(report)] + [run_table(h) for h in report.hosts]
    return _to_text(Group(*parts), 160)
