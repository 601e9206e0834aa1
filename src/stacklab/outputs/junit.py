"""JUnit XML for CI systems: a testsuite per host, a testcase per check (junitparser)."""

from __future__ import annotations

from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite

from stacklab.grading.model import ClassReport
from stacklab.outputs._common import clean, detail, host_label

NAME = "junit"
SUFFIX = ".xml"


def render(report: ClassReport) -> str:
    xml = JUnitXml(name="stacklab grade")
    for host in report.hosts:
        suite = TestSuite(host.name)
        suite.hostname = host.url
        suite.add_property("status", host_label(host))
        suite.add_property("points", f"{host.points:g}/{host.max_points:g}")
        if host.reason:
            suite.add_property("reason", clean(host.reason))
        for check in host.checks:
            case = TestCase(f"{check.key}: {check.title}",
                            classname=f"{host.name}.lab{check.lab:02d}", time=check.duration)
            text = detail(check)
            if check.status == "failed":
                case.result = [Failure(clean(check.found) or "failed", "check failed")]
            elif check.status in ("error", "timeout"):
                case.result = [Error(clean(check.found) or check.status, check.status)]
            elif check.status in ("not-run", "n/a", "not-verified"):
                # the type tells a not-verified check from one that does not apply
                case.result = [Skipped(clean(check.found) or check.status, check.status)]
            if text and case.result:
                case.result[0].text = text
            suite.add_testcase(case)
        suite.update_statistics()
        xml.add_testsuite(suite)
    xml.update_statistics()
    return xml.tostring().decode("utf-8") + "\n"
