"""`stacklab grade` end to end against sshd hosts: every format written, the dead host too."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner
from junitparser import JUnitXml
from sshd_lab import USER

from stacklab.cli import cli

pytestmark = [pytest.mark.integration, pytest.mark.root]


def test_grade_writes_every_report(ssh_lab, solved_replay, tmp_path):
    for host in ssh_lab.hosts:
        host.set_replay(solved_replay)
    a, b, _ = ssh_lab.hosts
    inventory = tmp_path / "class.ini"
    inventory.write_text(
        f"[all:vars]\nansible_user={USER}\n"
        f"ansible_ssh_private_key_file={ssh_lab.key}\n\n[class]\n"
        f"alice ansible_host={a.address} ansible_port={a.port}\n"
        f"bob ansible_host={b.address} ansible_port={b.port}\n"
        f"carol ansible_host={b.address} ansible_port=2999\n")
    out_dir = tmp_path / "grades"
    result = CliRunner().invoke(cli, ["grade", "-i", str(inventory), "--labs", "3-4",
                                      "--jobs", "3", "--timeout", "60", "--out", str(out_dir)])
    assert result.exit_code == 0, result.output
    assert "carol (unreachable)" in result.output
    files = sorted(p.name for p in out_dir.iterdir())
    assert files == ["grades.csv", "grades.html", "grades.json", "grades.txt", "grades.xml"]
    suites = {s.name: s for s in JUnitXml.fromfile(str(out_dir / "grades.xml"))}
    assert suites["alice"].failures == suites["bob"].failures == 0
    assert suites["carol"].errors == suites["alice"].tests  # not judged: errors
    rows = {r["student"]: r for r in csv.DictReader((out_dir / "grades.csv").open())}
    assert rows["alice"]["total"] == rows["(maximum)"]["total"]
    assert rows["carol"]["total"] == "0" and "connection refused" in rows["carol"]["reason"]
