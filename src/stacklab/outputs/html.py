"""A self-contained HTML report (inline CSS, no scripts, no external files), and the small
table a notebook's `%check N` shows (:func:`render_lab`).

The class report leads with the class: a row per student (per-lab maxima in the header,
hosts that could not be graded said so), then the checks the class fails most, then each
host: its root causes first, its red checks, its passed checks folded in a <details>. It
lays out on a phone (viewport meta, tables scroll sideways, check rows become cards).

`render_lab` uses inline styles only (no <style> block, no class that needs CSS, no
script), aligns left on its own and paints its own background: JupyterLab drops a <style>
block from an untrusted notebook, centres tables of rendered HTML, right-aligns their cells
and paints their rows in the theme's colours (dark in a dark theme); inline styles survive
its sanitizer. tests/notebooks/test_check_table_renders.py opens an untrusted notebook in
JupyterLab 4 and Notebook 7 and its nbconvert HTML, in the dark theme, in headless Chromium.
Not verified: VS Code (its notebook renderer needs a display and an extension host, which
the tests do not have); the own background is meant for its dark themes too.
"""

from __future__ import annotations

from dataclasses import replace

from markupsafe import Markup, escape

from stacklab.grading.model import CheckResult, ClassReport, RunResult
from stacklab.outputs._common import (
    LABEL,
    MARK,
    blocker,
    clean,
    graded,
    headline,
    host_label,
    lab_cell,
    lab_max,
    lab_numbers,
    lab_short,
    lab_title,
    outcome,
    pass_rates,
    points,
    root_causes,
    tally,
)

NAME = "html"
SUFFIX = ".html"
RED_OUTCOMES = ("failed", "error", "blocked")
COLOR = {"passed": "#16794a", "failed": "#b42318", "error": "#b54708", "blocked": "#b54708",
         "not-verified": "#6941c6", "n/a": "#667085"}

CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5rem;
color:#1d2430;line-height:1.4}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .4rem}
h2 small{font-weight:400;color:#667085;font-size:.8rem}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.5rem 0;font-size:.92rem}
th,td{border:1px solid #d5dae1;padding:.3rem .55rem;vertical-align:top;text-align:left}
th{background:#f1f4f8}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
th small{font-weight:400;color:#667085}td.problem{min-width:16rem;max-width:40rem}
tr.lab td{background:#f7f9fb;font-weight:600}
.passed{color:#16794a}.failed{color:#b42318}.error,.blocked{color:#b54708}
.na{color:#667085}.not-verified{color:#6941c6;font-style:italic}
.hint{color:#175cd3;display:block;margin-top:.2rem}.note{color:#475467;display:block}
.found{white-space:pre-wrap;overflow-wrap:anywhere;font-family:ui-monospace,monospace;
font-size:.85rem}
.lead{font-weight:600;margin:.3rem 0}.lead.bad{color:#b42318}.lead.good{color:#16794a}
.lead.ungraded{color:#b54708}tr.ungraded td{background:#fffaeb}
.tally{color:#475467;margin:.2rem 0}
details{margin:.5rem 0}summary{cursor:pointer;color:#344054}
.bar{display:inline-block;height:.6rem;background:#16794a;vertical-align:middle}
.barbg{display:inline-block;width:5rem;height:.6rem;background:#f4c7c3;margin-right:.4rem}
@media (max-width:640px){
body{margin:.6rem;font-size:.95rem}
table.checks,table.checks tbody,table.checks tr,table.checks td{display:block;width:100%}
table.checks thead{display:none}
table.checks tr{border:1px solid #d5dae1;margin:.4rem 0;padding:.2rem}
table.checks td{border:none;padding:.15rem .3rem}
table.checks td:first-child{display:inline-block;width:auto}
table.class .labcol,table.rates .ratecol{display:none}td.problem{min-width:9rem}
table.checks td.title{display:inline;font-weight:600}
}
"""


def _css_class(verdict: str) -> str:
    return "na" if verdict == "n/a" else verdict


def _finding(run: RunResult, c: CheckResult, inline: bool) -> Markup:
    """The last cell of a check's row: what was found and the hint, or why it was not judged."""
    verdict = outcome(c)

    def span(cls: str, text: str, style: str = "") -> Markup:
        attr = Markup(f' style="{style}"') if inline and style else Markup(f' class="{cls}"')
        return Markup("<span{}>{}</span>").format(attr, text)

    color = f"color:{COLOR.get(verdict, '#1d2430')}"
    mono = ";white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:.9em"
    parts = []
    if verdict == "blocked":
        parts.append(span("found blocked", blocker(run, c), color))
    elif verdict in ("failed", "error"):
        text = clean(c.found) or LABEL[verdict]
        parts.append(span(f"found {verdict}", text, color + mono))
        if c.hint and verdict == "failed":
            parts.append(span("hint", "→ " + clean(c.hint), "color:#175cd3;display:block"))
    elif verdict in ("n/a", "not-verified"):
        parts.append(span(_css_class(verdict), clean(c.found), color + ";font-style:italic"))
    elif c.message:
        parts.append(span("passed", clean(c.message), color))
    if c.note:
        parts.append(span("note", "note: " + clean(c.note), "color:#475467;display:block"))
    return Markup("").join(parts)


def _rows(run: RunResult, checks: list[CheckResult], labs: list[int], inline: bool) -> Markup:
    """Rows of a checks table, lab by lab, each lab headed by its points and maximum."""
    cell = ("border:1px solid #d5dae1;padding:4px 8px;text-align:left;vertical-align:top"
            if inline else "")
    num = cell.replace("text-align:left", "text-align:right") if inline else ""

    def td(content: object, cls: str = "", style: str = "") -> Markup:
        if inline:
            return Markup('<td style="{}">{}</td>').format(style or cell, content)
        return Markup('<td{}>{}</td>').format(Markup(f' class="{cls}"') if cls else "", content)

    out = []
    for lab in labs:
        mine = [c for c in checks if c.lab == lab]
        if not mine:
            continue
        got, best = run.lab_points(lab)
        head = Markup('<tr style="background:#f7f9fb;font-weight:600">' if inline
                      else '<tr class="lab">')
        out.append(head + td("") + td(lab_title(lab), "title")
                   + td(f"{points(got)}/{points(best)}", "num", num) + td("")
                   + Markup("</tr>"))
        for c in mine:
            verdict = outcome(c)
            mark_style = f"{cell};color:{COLOR.get(verdict, '#1d2430')};font-weight:700"
            # a row of its own colour: JupyterLab's CSS paints table rows with the theme's
            # (dark in a dark theme, under this table's dark text)
            row = Markup('<tr style="background:#ffffff">' if inline else "<tr>")
            out.append(row + td(MARK.get(verdict, "?"),
                                           _css_class(verdict), mark_style)
                       + td(c.title, "title") + td(f"{points(c.points)}/{points(c.max)}",
                                                    "num", num)
                       + td(_finding(run, c, inline), "detail") + Markup("</tr>"))
    return Markup("\n").join(out)


def _table(run: RunResult, checks: list[CheckResult], labs: list[int], inline: bool) -> Markup:
    if inline:
        style = ("border-collapse:collapse;margin:4px auto 4px 0;text-align:left;"
                 "font-size:13px;color:#1d2430;font-family:system-ui,sans-serif")
        th = "border:1px solid #d5dae1;padding:4px 8px;text-align:left;background:#f1f4f8"
        head = Markup("").join(Markup('<th style="{}">{}</th>').format(th, h)
                               for h in ("", "Check", "Points", "What was found / hint"))
        opening = Markup('<table class="stacklab-check" style="{}">').format(style)
    else:
        head = Markup("<th></th><th>Check</th><th class=\"num\">Points</th>"
                      "<th>What was found / hint</th>")
        opening = Markup('<table class="checks">')
    return (opening + Markup("<thead><tr>") + head + Markup("</tr></thead><tbody>\n")
            + _rows(run, checks, labs, inline) + Markup("\n</tbody></table>"))


def _lead(run: RunResult, inline: bool, within: list[CheckResult] | None = None) -> Markup:
    mine = [c for c in within if outcome(c) in RED_OUTCOMES] if within is not None else None
    red = bool(mine) if mine is not None else bool(root_causes(run))
    kind = "ungraded" if not graded(run) else "bad" if red or run.status != "ok" else "good"
    if inline:
        color = {"ungraded": "#b54708", "bad": "#b42318", "good": "#16794a"}[kind]
        return Markup('<p style="font-weight:600;color:{};margin:4px 0;text-align:left">{}</p>'
                      ).format(color, headline(run, within=within))
    return Markup('<p class="lead {}">{}</p>').format(kind, headline(run))


def _not_verified(run: RunResult, inline: bool) -> Markup:
    """The closing note: every check this host could not verify, by its title."""
    if not run.not_verified:
        return Markup("")
    style = (Markup(' style="color:#6941c6;font-style:italic;text-align:left;margin:4px 0"')
             if inline else Markup(' class="not-verified"'))
    items = Markup("").join(Markup("<li>{} {}: {}</li>").format(
        f"{c.lab:02d}", c.title, clean(c.reason_not_verified)) for c in run.not_verified)
    return (Markup("<p{}>Not verified on this host (worth 0 of 0 points, neither passed nor "
                   "failed):</p><ul{}>").format(style, style) + items + Markup("</ul>"))


def render_lab(run: RunResult, lab: int | None = None) -> str:
    """One host's results (only lab `lab` when given) for a notebook: inline styles only."""
    checks = run.for_lab(lab) if lab is not None else list(run.checks)
    labs = [lab] if lab is not None else sorted({c.lab for c in run.checks})
    shown = replace(run, checks=checks)
    total = Markup('<p style="margin:4px 0;text-align:left;font-weight:600">Total: {}/{} '
                   'points ({})</p>').format(points(shown.points), points(shown.max_points),
                                            tally(shown))
    status = (Markup('<p style="color:#b42318;font-weight:600;text-align:left">{}: {}</p>')
              .format(host_label(run), clean(run.reason)) if run.status != "ok" else "")
    # the lead names this lab's causes, also one in another lab that blocked checks here
    lead = _lead(run, True, within=checks)
    # its own background and colour: a dark theme would leave dark on dark (tried in
    # JupyterLab's and Notebook 7's dark theme; not verified: VS Code's)
    return str(Markup('<div class="stacklab-check" style="text-align:left;background:#ffffff;'
                      'color:#1d2430;padding:4px;display:inline-block">') + lead
               + _table(run, checks, labs, True) + total + status
               + _not_verified(shown, True) + Markup("</div>"))


def _host_section(run: RunResult, index: int) -> Markup:
    labs = sorted({c.lab for c in run.checks})
    title = Markup('<h2 id="h{}">{} <small>{}</small></h2>').format(index, run.name, run.url)
    lead = _lead(run, False)
    if not graded(run):
        return title + lead + Markup('<p class="tally">{} checks could not be run.</p>'
                                     ).format(len(run.checks))
    tally_line = Markup('<p class="tally">{}/{} points · {}</p>').format(
        points(run.points), points(run.max_points), tally(run))
    red = [c for c in run.checks if outcome(c) in RED_OUTCOMES]
    rest = [c for c in run.checks if c not in red]
    parts = [title, lead, tally_line]
    if red:
        parts.append(Markup('<div class="scroll">') + _table(run, red, labs, False)
                     + Markup("</div>"))
    if rest:
        passed = sum(outcome(c) == "passed" for c in rest)
        other = len(rest) - passed
        label = f"{passed} passed check{'s' if passed != 1 else ''}" + (
            f" and {other} not verified or not applicable" if other else "")
        parts.append(Markup("<details><summary>{}</summary>").format(label)
                     + Markup('<div class="scroll">') + _table(run, rest, labs, False)
                     + Markup("</div></details>"))
    parts.append(_not_verified(run, False))
    return Markup("\n").join(parts)


def _class_table(report: ClassReport, labs: list[int]) -> Markup:
    total = sum(lab_max(report, n) for n in labs)
    head = Markup("").join(Markup('<th class="num labcol">{}<br><small>/{}</small></th>')
                           .format(lab_short(n), points(lab_max(report, n))) for n in labs)
    rows = []
    for i, h in enumerate(report.hosts, 1):
        ok = graded(h)
        status = host_label(h) if ok else f"could not be graded ({host_label(h)})"
        cls = "passed" if h.status == "ok" else "failed" if ok else "error"
        first = headline(h, limit=1) if (root_causes(h) or h.status != "ok") else ""
        cells = Markup("").join(Markup('<td class="num labcol">{}</td>').format(
            lab_cell(h, n) if ok else "–") for n in labs)
        score = f"{points(h.points)}/{points(h.max_points)}" if ok else "–"
        rows.append(Markup('<tr{}><td><a href="#h{}">{}</a></td><td class="{}">{}</td>')
                    .format(Markup(' class="ungraded"') if not ok else "", i, h.name, cls,
                            status)
                    + cells + Markup('<td class="num">{}</td><td class="problem">{}</td></tr>')
                    .format(score, first))
    return (Markup('<div class="scroll"><table class="class"><thead><tr><th>Student</th>'
                   '<th>Status</th>') + head
            + Markup('<th class="num">Total<br><small>/{}</small></th><th>First problem</th>'
                     '</tr></thead><tbody>\n').format(points(total))
            + Markup("\n").join(rows) + Markup("\n</tbody></table></div>"))


RATE_ROW = Markup(
    '<tr><td>{label}</td><td class="num">{passed}</td><td class="num">{failed}</td>'
    '<td class="num">{unjudged}</td><td class="ratecol"><span class="barbg">'
    '<span class="bar" style="width:{rate}%"></span></span>{rate}%</td></tr>')
RATE_HEAD = Markup(
    '<div class="scroll"><table class="rates"><thead><tr><th>Check</th>'
    '<th class="num">Passed</th><th class="num">Failed</th><th class="num">Could not check'
    '</th><th class="ratecol">Pass rate</th></tr></thead><tbody>\n')


def _rates_table(report: ClassReport) -> Markup:
    rates = [r for r in pass_rates(report) if r.failed or r.unjudged]
    if not rates:
        return Markup("<p>Every graded host passed every check.</p>")
    rows = Markup("\n").join(RATE_ROW.format(label=r.label, passed=r.passed, failed=r.failed,
                                             unjudged=r.unjudged, rate=round(100 * r.rate))
                             for r in rates)
    return RATE_HEAD + rows + Markup("\n</tbody></table></div>")


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>stacklab grade</title><style>{css}</style></head>
<body>
<h1>stacklab grade</h1>
<p class="tally">{summary}</p>
<h2>Students</h2>
{students}
<h2>Checks the class fails most</h2>
{rates}
{hosts}
</body></html>
"""


def render(report: ClassReport) -> str:
    labs = lab_numbers(report)
    ungraded = [h for h in report.hosts if not graded(h)]
    summary = (f"{len(report.hosts)} hosts, labs {', '.join(str(n) for n in labs)}: "
               f"{len(report.hosts) - len(ungraded)} graded, {len(ungraded)} could not be "
               "graded")
    hosts = Markup("\n").join(_host_section(h, i)
                              for i, h in enumerate(report.hosts, 1))
    # the CSS goes in as is: HTML escaping would turn its quotes into &#39; inside <style>
    return PAGE.format(css=CSS, summary=escape(summary), students=_class_table(report, labs),
                       rates=_rates_table(report), hosts=hosts)
