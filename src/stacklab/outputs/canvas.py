"""A gradebook Canvas's "Import" in Grades takes as is (`--gradebook canvas`).

Canvas's layout: the header starts `Student,ID,SIS User ID,SIS Login ID,Section`, then one
column per assignment; the second row is `Points Possible` with each assignment's maximum;
then one row per student. Canvas finds the student by ID, SIS User ID or SIS Login ID (the
inventory's `sis_id` fills SIS User ID; ID, Canvas's own number, is left blank) or by name
(:func:`roster_warning` names the students matched by name when others have a SIS id).
Each lab is an assignment (Canvas creates one for a new column); no total column, which
Canvas would take for one more assignment. A grade the kit could not find out is blank,
which Canvas reads as "no grade".
"""

from __future__ import annotations

import csv
import io

from stacklab.grading.model import ClassReport
from stacklab.outputs._common import grade_cell, lab_max, lab_numbers, points, some_lack

NAME = "canvas"
SUFFIX = "-canvas.csv"
DEFAULT = False  # written when asked for (`--gradebook canvas`)
FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def assignment(lab: int) -> str:
    return f"stacklab lab {lab:02d}"


def roster_warning(report: ClassReport) -> str:
    """One line when only some students have a SIS id: Canvas matches the others by name."""
    partial = some_lack(report, "sis_id")
    if not partial:
        return ""
    return (f"{partial}: Canvas's import matches them on their name (Student); give every "
            "student sis_id= in the inventory to match on the SIS User ID")


def render(report: ClassReport) -> str:
    labs = lab_numbers(report)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIXED + [assignment(n) for n in labs])
    writer.writerow(["Points Possible", "", "", "", ""]
                    + [points(lab_max(report, n)) for n in labs])
    for host in report.hosts:
        writer.writerow([host.name, "", host.roster.get("sis_id", ""), "",
                         host.roster.get("section", "")] + [grade_cell(host, n) for n in labs])
    return out.getvalue()
