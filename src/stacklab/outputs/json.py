"""The whole report as JSON (stacklab.grading.model.ClassReport.from_json reads it back)."""

from __future__ import annotations

from dataclasses import replace

from stacklab.grading.model import ClassReport
from stacklab.outputs._common import clean

NAME = "json"
SUFFIX = ".json"


def render(report: ClassReport) -> str:
    hosts = [replace(h, reason=clean(h.reason),
                     checks=[replace(c, found=clean(c.found), hint=clean(c.hint),
                                     message=clean(c.message), note=clean(c.note))
                                     for c in h.checks])
             for h in report.hosts]
    return replace(report, hosts=hosts).to_json() + "\n"
