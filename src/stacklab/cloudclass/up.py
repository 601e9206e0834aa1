"""`class up`, start to end: plan and quota check, the security group, every host, then
the wait until each host's sshd answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stacklab.cloudclass.cloud import Retry
from stacklab.cloudclass.hosts import create_hosts
from stacklab.cloudclass.plan import check_quota, make_plan
from stacklab.cloudclass.reach import Probe, wait_for_ssh
from stacklab.cloudclass.record import READY, ClassRecord, HostRecord
from stacklab.cloudclass.secgroup import ensure_security_group
from stacklab.cloudclass.students import Student
from stacklab.errors import StacklabError
from stacklab.settings.schema import Settings


def class_up(conn: Any, record: ClassRecord, students: list[Student], settings: Settings,
             ssh_from: str, retry: Retry, say: Callable[[str, str], None],
             probe: Probe | None = None) -> list[str]:
    """Makes the class's hosts; returns the students whose host failed or never answered
    SSH (the others are in the inventory). Bad input and a class that does not fit stop
    before anything is made."""
    for student in students:
        if student.name not in record.hosts:
            record.hosts[student.name] = HostRecord(student.name, email=student.email,
                                                    sis_id=student.sis_id,
                                                    section=student.section)
    extra = sorted(set(record.hosts) - {s.name for s in students})
    if extra:
        raise StacklabError(f"class {record.name} already has hosts for {', '.join(extra)}, "
                            "who are not in this list of students",
                            "give the same students, or `stacklab class down` first")
    plan = make_plan(conn, settings.cloud, record.cloud)
    missing = sum(1 for h in record.hosts.values() if h.state != "ready")
    if missing:
        check_quota(conn, plan, missing)
    say("class", f"{missing} hosts to make on {record.cloud}: image {plan.image.name}, "
                 f"flavor {plan.flavor.name} ({plan.flavor.ram} MB, {plan.flavor.vcpus} "
                 f"vCPUs, {plan.flavor.disk} GB), volume {plan.volume_gb} GB, network "
                 f"{plan.network.name}"
                 + (f", floating IPs from {plan.external.name}" if plan.external else ""))
    group = ensure_security_group(conn, retry, record.resource_name("ssh"), record.tag,
                                  ssh_from)
    record.security_group = group.id
    record.save()
    failed = create_hosts(conn, record, plan, group, settings, retry, say)
    if settings.cloud.ssh_wait_s:
        made = [s for s, h in record.hosts.items() if h.state == READY]
        failed += wait_for_ssh(conn, record, made, settings.cloud.ssh_wait_s, retry, say,
                               probe)
    return [s for s in record.hosts if s in failed]
