"""The generic gradebook: one row per student, a column per lab and the total.

For a spreadsheet; `moodle` and `canvas` write what those LMSs import as is. A host or a
lab the kit could not grade is blank, never 0; the status and reason columns say why. The
columns have plain names for scripts ('lab03', 'total', 'max': the host's maximum), and
every row is a student.
"""

from __future__ import annotations

import csv
import io

from stacklab.grading.model import ClassReport
from stacklab.outputs._common import (
    clean,
    counts,
    grade_cell,
    headline,
    host_label,
    lab_known,
    lab_numbers,
    lab_short,
    points,
)

NAME = "csv"
SUFFIX = ".csv"


def header(report: ClassReport) -> list[str]:
    return (["student", "email", "sis_id", "section", "host", "status"]
            + [lab_short(n) for n in lab_numbers(report)]
            + ["total", "max", "failed", "could_not_check", "blocked", "not_verified",
               "problems"])


def render(report: ClassReport) -> str:
    labs = lab_numbers(report)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header(report))
    for host in report.hosts:
        known = all(lab_known(host, n) for n in labs if host.for_lab(n))
        found = counts(host)
        writer.writerow([host.name, host.roster.get("email", ""), host.roster.get("sis_id", ""),
                         host.roster.get("section", ""), host.url, host_label(host)]
                        + [grade_cell(host, n) for n in labs]
                        + [points(host.points) if known and host.checks else "",
                           points(host.max_points), found["failed"], found["error"],
                           found["blocked"],
                           # checks worth 0 of 0 that this host could not verify, by key
                           " ".join(c.key for c in host.not_verified),
                           clean(headline(host))])
    return out.getvalue()
