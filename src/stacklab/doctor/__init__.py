"""`stacklab doctor`: what the learner's machine lacks, and how to fix it."""

from stacklab.doctor.checks import diagnose
from stacklab.doctor.findings import Diagnosis, Finding, Status
from stacklab.doctor.probe import SystemProbe

__all__ = ["Diagnosis", "Finding", "Status", "SystemProbe", "diagnose"]
