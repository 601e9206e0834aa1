"""A self-contained HTML report (inline CSS, no scripts, no external files).

:func:`render` gives the class report; :func:`render_lab` a small table of one host's
results (one lab or all) for a notebook's `%check N`.
"""

from __future__ import annotations

from jinja2 import Environment, select_autoescape

from stacklab.grading.model import ClassReport, RunResult
from stacklab.outputs._common import (
    MARK,
    clean,
    host_label,
    lab_cell,
    lab_numbers,
    lab_short,
    lab_title,
    points,
)

NAME = "html"
SUFFIX = ".html"

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem;color:#1d2430}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.92rem}
th,td{border:1px solid #d5dae1;padding:.3rem .55rem;vertical-align:top;text-align:left}
th{background:#f1f4f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.lab td{background:#f7f9fb;font-weight:600}
.passed{color:#16794a}.failed,.error,.timeout{color:#b42318}.not-run{color:#9a6700}
.n\\/a{color:#777}.hint{color:#175cd3;display:block;margin-top:.2rem}
.not-verified{color:#6941c6;font-style:italic}.note{color:#475467;display:block}
.found{white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:.85rem}
.bad{color:#b42318;font-weight:600}.stacklab-check{font-family:inherit}
"""

_ENV = Environment(autoescape=select_autoescape(default=True), trim_blocks=True,
                   lstrip_blocks=True)
_ENV.filters.update(points=points, clean=clean, lab_title=lab_title, lab_short=lab_short)
_ENV.globals.update(MARK=MARK, host_label=host_label, lab_cell=lab_cell)

CHECKS = _ENV.from_string("""
<table class="stacklab-check">
<thead><tr><th></th><th>Check</th><th>Points</th><th>What was found / hint</th></tr></thead>
<tbody>
{% for lab in labs %}
{% set got = run.lab_points(lab) %}
<tr class="lab"><td></td><td>{{ lab | lab_title }}</td>
<td class="num">{{ got[0] | points }}/{{ got[1] | points }}</td><td></td></tr>
{% for c in run.for_lab(lab) %}
<tr><td class="{{ c.status }}">{{ MARK.get(c.status, "?") }}</td><td>{{ c.title }}</td>
<td class="num">{{ c.points | points }}/{{ c.max | points }}</td>
<td>{% if not c.ok %}<span class="found {{ c.status }}">{{ (c.found or c.status) | clean }}</span>
{% if c.hint %}<span class="hint">→ {{ c.hint | clean }}</span>{% endif %}
{% elif c.status in ("n/a", "not-verified") %}<span class="{{ c.status }}">{{ c.found | clean
}}</span>
{% elif c.message %}<span class="passed">{{ c.message | clean }}</span>{% endif %}
{% if c.note %}<span class="note">note: {{ c.note | clean }}</span>{% endif %}</td></tr>
{% endfor %}
{% endfor %}
</tbody>
<tfoot><tr><th></th><th>Total</th><th class="num">{{ run.points | points }}/{{
run.max_points | points }}</th><th>{% if run.status != "ok" %}<span class="bad">{{
host_label(run) }}: {{ run.reason | clean }}</span>{% endif %}</th></tr></tfoot>
</table>
{% if run.not_verified %}
<p class="not-verified">Not verified on this host (worth 0 of 0 points, neither passed nor
failed):</p>
<ul class="not-verified">
{% for c in run.not_verified %}<li>{{ c.key }} {{ c.title }}: {{ c.reason_not_verified | clean
}}</li>
{% endfor %}
</ul>
{% endif %}
""")

PAGE = _ENV.from_string("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>stacklab grade</title><style>{{ css }}</style></head>
<body>
<h1>stacklab grade — {{ report.hosts | length }} hosts, labs {{ labs | join(", ") }}</h1>
<table>
<thead><tr><th>Student</th><th>Status</th>{% for n in labs %}<th>{{ n | lab_short }}</th>
{% endfor %}<th>Total</th></tr></thead>
<tbody>
{% for h in report.hosts %}
<tr><td><a href="#{{ loop.index }}">{{ h.name }}</a></td>
<td class="{{ 'passed' if h.status == 'ok' else 'failed' }}">{{ host_label(h) }}</td>
{% for n in labs %}<td class="num">{{ lab_cell(h, n) }}</td>{% endfor %}
<td class="num">{{ h.points | points }}/{{ h.max_points | points }}</td></tr>
{% endfor %}
</tbody></table>
{% for h in report.hosts %}
<h2 id="{{ loop.index }}">{{ h.name }} <small>{{ h.url }}</small></h2>
{{ checks(h) }}
{% endfor %}
</body></html>
""")


def render_lab(run: RunResult, lab: int | None = None) -> str:
    """A small HTML table of one host's results (only lab `lab` when given), with its CSS."""
    labs = [lab] if lab is not None else sorted({c.lab for c in run.checks})
    if lab is not None:
        from dataclasses import replace

        run = replace(run, checks=run.for_lab(lab))
    return f"<style>{CSS}</style>" + CHECKS.render(run=run, labs=labs)


def render(report: ClassReport) -> str:
    def checks(run: RunResult) -> str:
        from markupsafe import Markup

        return Markup(CHECKS.render(run=run, labs=sorted({c.lab for c in run.checks})))

    return PAGE.render(report=report, labs=lab_numbers(report), css=CSS, checks=checks)
