"""JUnit XML for CI systems: a testsuite per host, a testcase per check.

Valid against Jenkins' junit-10 XSD (the xUnit plugin's schema): <testsuites> carries only
name, tests, failures, errors, time. A failed check is a <failure> (the learner's to fix);
a check the kit could not judge is an <error>; blocked, not-verified and n/a checks are
<skipped> with a message that says why (the type tells which).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from stacklab.grading.model import ClassReport, RunResult
from stacklab.outputs._common import (
    clean,
    counts,
    detail,
    headline,
    host_label,
    outcome,
    points,
)

NAME = "junit"
SUFFIX = ".xml"
# what XML 1.0 cannot hold (a terminal's escape codes in what a check found)
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
ELEMENT = {"failed": "failure", "error": "error", "blocked": "skipped",
           "not-verified": "skipped", "n/a": "skipped"}


def _suite(host: RunResult) -> ET.Element:
    found = counts(host)
    skipped = found["blocked"] + found["not-verified"] + found["n/a"]
    suite = ET.Element("testsuite", name=host.name, tests=str(len(host.checks)),
                       failures=str(found["failed"]), errors=str(found["error"]),
                       skipped=str(skipped), time=f"{host.duration:.3f}", hostname=host.url)
    props = ET.SubElement(suite, "properties")
    for name, value in (("status", host_label(host)),
                        ("points", f"{points(host.points)}/{points(host.max_points)}"),
                        ("summary", headline(host)), ("reason", clean(host.reason))):
        if value:
            ET.SubElement(props, "property", name=name, value=value)
    for check in host.checks:
        case = ET.SubElement(suite, "testcase", name=f"{check.key}: {check.title}",
                             classname=f"{host.name}.lab{check.lab:02d}",
                             time=f"{check.duration:.3f}")
        verdict = outcome(check)
        if verdict in ELEMENT:
            text = detail(check, host)
            message = text.split("\n", 1)[0] if text else verdict
            result = ET.SubElement(case, ELEMENT[verdict], message=message, type=verdict)
            result.text = text or None
    return suite


def render(report: ClassReport) -> str:
    suites = [_suite(h) for h in report.hosts]
    total = {k: sum(int(s.get(k, "0")) for s in suites) for k in ("tests", "failures", "errors")}
    root = ET.Element("testsuites", name="stacklab grade", **{k: str(v) for k, v in total.items()},
                      time=f"{sum(h.duration for h in report.hosts):.3f}")
    root.extend(suites)
    for element in root.iter():
        element.attrib = {k: NOT_XML.sub("", v) for k, v in element.attrib.items()}
        if element.text:
            element.text = NOT_XML.sub("", element.text)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
