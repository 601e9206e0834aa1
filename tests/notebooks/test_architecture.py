"""Lab 2's live picture: facts read from a host, states decided, an SVG drawn."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from stacklab.notebooks.architecture import COLOURS, HostFacts, collect, draw, parse, states
from stacklab.notebooks.session import Session

SVG = "{http://www.w3.org/2000/svg}"

# A host half-way through the labs: the database, the queue, Keystone and Glance run,
# nova-compute is installed but failed, and nothing of Neutron or Cinder is installed.
SYSTEMCTL = """#!/bin/sh
case "$7" in
  mariadb.service|rabbitmq-server.service|keystone.service|glance-api.service|\
nova-api.service|nova-scheduler.service|nova-conductor.service|libvirtd.service)
    printf 'loaded\\nactive\\n' ;;
  nova-compute.service) printf 'loaded\\nfailed\\n' ;;
  *) printf 'not-found\\ninactive\\n' ;;
esac
"""
OPENSTACK = """#!/bin/sh
case "$1 $2" in
  "compute service") echo '[{"Binary": "nova-scheduler", "State": "up"},
    {"Binary": "nova-conductor", "State": "up"}, {"Binary": "nova-compute", "State": "down"}]' ;;
  "network agent") echo '[]' ;;
  "volume service") echo '[]' ;;
esac
"""


@pytest.fixture
def host(tmp_path, monkeypatch):
    """This machine with stand-ins for systemctl and the openstack CLI."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("systemctl", SYSTEMCTL), ("openstack", OPENSTACK)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("HOME", str(tmp_path))
    session = Session(spec="local")
    (tmp_path / session.settings().openstack.admin_rc_file).write_text("export OS_X=1\n")
    return session


def test_states_come_from_units_and_the_service_lists(host):
    facts = collect(host)
    assert facts.lists_read and facts.units["nova-compute"] == ("loaded", "failed")
    got = {k: state for k, (state, _) in states(facts).items()}
    assert got == {"identity": "up", "api": "up", "image": "up", "placement": "absent",
                   "queue": "up", "database": "up", "scheduler": "up", "conductor": "up",
                   "compute": "partial", "network": "absent", "volume": "absent"}
    assert "nova-compute: failed" in states(facts)["compute"][1]


def test_the_picture_colours_each_box_by_its_state(host):
    svg = ET.fromstring(draw(collect(host)))
    assert svg.tag == f"{SVG}svg"
    boxes = {g.get("class").split()[1]: g for g in svg.iter(f"{SVG}g")
             if g.get("class", "").startswith("component ")}
    assert len(boxes) == 11
    for name, state in (("database", "up"), ("compute", "partial"), ("volume", "absent")):
        rect = boxes[name].find(f"{SVG}rect")
        assert (rect.get("fill"), rect.get("stroke")) == COLOURS[state][:2]
    assert len(list(svg.iter(f"{SVG}line"))) == 13  # the links between the boxes


def test_without_systemd_or_credentials_states_are_unknown_not_wrong():
    facts = parse("unit mariadb unknown unknown\nunit nova-api unknown unknown\nnolists\n")
    assert states(facts)["database"] == ("unknown", "systemd not readable")
    assert "no admin credentials" in facts.note


def test_a_list_that_cannot_be_read_is_noted():
    facts = parse("unit mariadb loaded active\nlist compute \nlist network {broken\n")
    assert not facts.lists_read and "could not be read" in facts.note
    assert states(facts)["database"] == ("up", "")


def test_agents_alive_in_either_spelling_count_as_up():
    rows = [{"Binary": "neutron-l3-agent", "Alive": True},
            {"Binary": "neutron-dhcp-agent", "Alive": ":-)"},
            {"Binary": "neutron-openvswitch-agent", "Alive": False}]
    facts = parse(f"list network {json.dumps(rows)}\n")
    assert states(facts)["network"][0] == "partial"


def test_a_dry_run_draws_every_box_unknown(run_magic):
    _, _, shown = run_magic(Session(spec="dry-run"), "line", "architecture")
    assert shown[0]["image/svg+xml"].startswith("<svg")
    assert "dry run" in shown[0]["text/plain"]
    assert isinstance(HostFacts(), HostFacts)
