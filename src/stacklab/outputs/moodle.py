"""A gradebook Moodle's "Import grades from CSV" takes as is (`--gradebook moodle`).

Moodle matches every row to a user by one column (Map from → Map to: email address →
useremail, ID number → useridnumber, or username → username) and aborts on a row that
matches no one, so: one identifier column, one row per student, no maxima or notes rows.
The identifier is the inventory's `email` when every student has one, else its `sis_id`,
else the inventory name as the Moodle username (and :func:`roster_warning` says so when only
some students have an email or a SIS id). Each lab is a column to map to a grade
item; a grade the kit could not find out is blank, which Moodle reads as "no grade".
"""

from __future__ import annotations

import csv
import io

from stacklab.grading.model import ClassReport, RunResult
from stacklab.outputs._common import grade_cell, lab_known, lab_numbers, points, some_lack

NAME = "moodle"
SUFFIX = "-moodle.csv"
DEFAULT = False  # written when asked for (`--gradebook moodle`)
IDENTIFIERS = (("email", "Email address"), ("sis_id", "ID number"))


def identifier(report: ClassReport) -> tuple[str, str]:
    """(roster field, column header): the one every student has; else the username."""
    for key, title in IDENTIFIERS:
        if report.hosts and all(h.roster.get(key) for h in report.hosts):
            return key, title
    return "name", "Username"


def roster_warning(report: ClassReport) -> str:
    """One line when the inventory gives only some students an email or a SIS id: the
    gradebook then identifies everyone by username, which the instructor may not expect."""
    if identifier(report)[0] != "name":
        return ""
    partial = [why for why in (some_lack(report, key) for key, _ in IDENTIFIERS) if why]
    if not partial:
        return ""  # nobody has one: the username is the identifier meant
    return (f"{'; '.join(partial)}: Moodle's import matches every student on the username "
            "(the inventory name); give every student email= or sis_id= in the inventory "
            "to match on that")


def item(lab: int) -> str:
    return f"stacklab lab {lab:02d}"


def total_cell(host: RunResult, labs: list[int]) -> str:
    ran = [n for n in labs if host.for_lab(n)]
    return points(host.points) if ran and all(lab_known(host, n) for n in ran) else ""


def render(report: ClassReport) -> str:
    labs = lab_numbers(report)
    key, title = identifier(report)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([title] + [item(n) for n in labs] + ["stacklab total"])
    for host in report.hosts:
        ident = host.name if key == "name" else host.roster[key]
        writer.writerow([ident] + [grade_cell(host, n) for n in labs]
                        + [total_cell(host, labs)])
    return out.getvalue()
