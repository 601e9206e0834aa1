"""The OpenStack snapshot program, run as on the lab host (`python3 -`, config on stdin),
against a Keystone that is not there: valid JSON, reasons per login, no password shown."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from stacklab.grading.remote import HERE, program

pytestmark = pytest.mark.integration


def test_snapshot_reports_failed_logins_without_secrets():
    pytest.importorskip("openstack", reason="openstacksdk is a test dependency (.[test])")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    config = {"auth_url": f"http://127.0.0.1:{port}/v3", "region": "RegionOne",
              "api_timeout": 5,
              "admin": {"username": "admin", "password": "Adm1n-S3cret", "project": "admin"},
              "user": {"username": "aimsuser", "password": "Us3r-S3cret", "project": "aimsproj"}}
    out = subprocess.run([sys.executable, "-"], input=program("snapshot", config),
                         capture_output=True, text=True, timeout=120, cwd=HERE.parent)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert data["logins"]["admin"]["ok"] is False
    assert "ConnectFailure" in data["logins"]["admin"]["error"] or \
        "Unable to establish connection" in data["logins"]["admin"]["error"]
    assert data["errors"]["servers"] == "the admin login failed"
    assert data["errors"]["keypairs"] == "the user login failed"
    for secret in ("Adm1n-S3cret", "Us3r-S3cret"):
        assert secret not in out.stdout + out.stderr
