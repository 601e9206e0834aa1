"""A gradebook: one row per student, a column per lab and the total (for an LMS import)."""

from __future__ import annotations

import csv
import io

from stacklab.grading.model import ClassReport
from stacklab.outputs._common import clean, host_label, lab_cell, lab_numbers, lab_short, points

NAME = "csv"
SUFFIX = ".csv"


def header(report: ClassReport) -> list[str]:
    labs = lab_numbers(report)
    return (["student", "host", "status"] + [lab_short(n) for n in labs]
            + ["total", "max", "not_verified", "reason"])


def render(report: ClassReport) -> str:
    labs = lab_numbers(report)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header(report))
    maxima = {n: max((h.lab_points(n)[1] for h in report.hosts), default=0) for n in labs}
    writer.writerow(["(maximum)", "", ""] + [points(maxima[n]) for n in labs]
                    + [points(sum(maxima.values())), points(sum(maxima.values())), "", ""])
    for host in report.hosts:
        writer.writerow([host.name, host.url, host_label(host)]
                        + [lab_cell(host, n, "") for n in labs]
                        + [points(host.points), points(host.max_points),
                           # checks worth 0 of 0 that this host could not verify, by key
                           " ".join(c.key for c in host.not_verified), clean(host.reason)])
    return out.getvalue()
