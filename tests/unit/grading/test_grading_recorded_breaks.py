"""Learners' mistakes made on the real solved host's recording: one answer edited (a port on
loopback, a stopped unit, a line of a config file, one resource in the OpenStack snapshot),
everything else as the host said it. Each turns its check red with what was found and the
hint; the rest of the lab stays green. (The hand-written host's cases,
test_grading_broken_hosts.py, cover what this host cannot show: LVM, iSCSI, labs 1-2.)"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from grading_helpers import by_key, grade_connection
from recording import Recording

from stacklab.catalog import select


def _stdout(replayed, command: str, change) -> None:
    replayed.edit(command, lambda a: replace(a, stdout=change(a.stdout)))


def _snapshot(replayed, change) -> None:
    """Edit the OpenStack snapshot (the JSON the snapshot program printed)."""
    for key, answers in replayed.table.items():
        if key[1] and "def collect(" in key[1]:
            def edit(answer):
                data = json.loads(answer.stdout)
                change(data)
                return replace(answer, stdout=json.dumps(data) + "\n")
            replayed.table[key] = [edit(a) for a in answers]
            return
    raise AssertionError("the recording has no snapshot")


def _named(items, name):
    return next(i for i in items if name in (i.get("name"), i.get("binary")))


def mariadb_on_loopback(r, s):
    _stdout(r, "ss -Hltn", lambda t: t.replace("0.0.0.0:3306", "127.0.0.1:3306"))


def host_name_on_loopback(r, s):
    _stdout(r, "cat /etc/hosts", lambda t: t.replace(
        f"{s.network.public.address}\t{s.host.name}", f"127.0.1.1\t{s.host.name}"))


def rabbit_stopped(r, s):
    r.answer_with("systemctl is-active rabbitmq-server; systemctl is-enabled rabbitmq-server",
                  rc=1, stdout="failed\nenabled\n")


def amqp_login_refused(r, s):
    r.edit(lambda c: c.endswith("python3 -"), lambda a: replace(a, stdout=json.dumps(
        {"ok": False, "detail": f"RabbitMQ refused user '{s.rabbitmq.user}' (wrong password "
                                "or no such user)"}) + "\n") if "AMQP" in (a.stdin or "")
        else a)
    # then the graders ask who RabbitMQ knows (as rabbitmqctl prints it)
    r.add("sudo /bin/sh -c 'rabbitmqctl -q list_users --formatter json'",
          stdout='[\n{"user":"guest","tags":["administrator"]}\n]\n')


def nova_my_ip_elsewhere(r, s):
    _stdout(r, "sudo /bin/sh -c 'cat -- /etc/nova/nova.conf'", lambda t: t.replace(
        f"my_ip = {s.network.public.address}", "my_ip = 172.16.4.99"))


def instance_stopped(r, s):
    _snapshot(r, lambda d: _named(d["servers"], s.instance.name).update(status="SHUTOFF"))


def volume_detached(r, s):
    _snapshot(r, lambda d: _named(d["volumes"], s.volume.name).update(status="available",
                                                                        attachments=[]))


def compute_down(r, s):
    _snapshot(r, lambda d: _named(d["compute_services"], "nova-compute").update(state="down"))


def image_queued(r, s):
    _snapshot(r, lambda d: _named(d["images"], s.image.name).update(status="queued"))


def image_uploaded_twice(r, s):
    def again(data):
        first = _named(data["images"], s.image.name)
        data["images"].append(dict(first, id="0f0f0f0f-0000-4000-8000-000000000000"))
    _snapshot(r, again)


def network_created_twice(r, s):
    def again(data):
        first = _named(data["networks"], s.network.fixed.name)
        data["networks"].append(dict(first, id="0e0e0e0e-0000-4000-8000-000000000000",
                                     subnet_ids=[], shared=True))
    _snapshot(r, again)


# (edit the recording, labs, the check it turns red, text in what it found, text in the hint)
CASES = [
    (mariadb_on_loopback, "3", "03.mariadb_listens_on_all_addresses",
     "listening on 127.0.0.1:3306", "bind-address"),
    (host_name_on_loopback, "4", "04.host_name_resolves_to_the_lab_address",
     "maps cloud-controller to 127.0.1.1", "/etc/hosts"),
    (rabbit_stopped, "4", "04.rabbitmq_is_running", "rabbitmq-server is failed (enabled)",
     "journalctl -u rabbitmq-server"),
    (amqp_login_refused, "4", "04.services_user_logs_in",
     "RabbitMQ has no user openstack (users: guest)", "rabbitmqctl add_user"),
    (nova_my_ip_elsewhere, "6", "06.nova_my_ip_is_the_lab_address", "my_ip = 172.16.4.99",
     "my_ip"),
    (compute_down, "9", "09.every_service_smiles", "nova-compute on cloud-controller: down",
     "restart"),
    (network_created_twice, "9", "09.vmnet_has_its_subnet", "2 networks are named vmnet",
     "openstack network delete"),
    (image_queued, "11", "11.image_is_active", "aims-guest is queued", "openstack image create"),
    (image_uploaded_twice, "11", "11.image_is_active",
     "2 images are named aims-guest", "openstack image delete"),
    (instance_stopped, "12", "12.instance_is_active_as_the_tutorial_says", "status SHUTOFF",
     "server"),
    (volume_detached, "14", "14.volume_is_attached_to_the_instance",
     "aims-vol1 is available, not attached", "server add volume"),
]


# the cases of the labs the recording covers (all of them: labs 3-14)
RECORDED = {lab.number for lab in select(Recording.load().about["labs"])}
HERE = [c for c in CASES if int(c[1]) in RECORDED]


@pytest.mark.parametrize(("breaking", "labs", "key", "found", "hint"), HERE,
                         ids=[c[0].__name__ for c in HERE])
def test_a_mistake_on_the_recorded_host_turns_its_check_red(replayed, breaking, labs, key,
                                                           found, hint):
    breaking(replayed, replayed.settings)
    result = grade_connection(replayed, labs, replayed.recording.provider)
    check = by_key(result)[key]
    assert check.status == "failed", (check.status, check.found)
    assert found in check.found and hint in check.hint, (check.found, check.hint)
    others = {c.key: c.status for c in result.checks
              if c.key != key and c.status not in ("passed", "not-verified", "blocked")}
    assert others == {}, "one mistake, one red check (and those it blocks)"
    assert replayed.misses == []


def test_an_instance_booted_from_either_of_two_images_of_the_name_is_the_tutorials(replayed):
    """The image uploaded twice is lab 11's to report: lab 12's instance, booted from one of
    them, is still launched from the tutorial's image whichever of the two lists first."""
    s = replayed.settings

    def upload_again(data):
        first = _named(data["images"], s.image.name)
        data["images"].insert(0, dict(first, id="0f0f0f0f-0000-4000-8000-000000000000"))

    _snapshot(replayed, upload_again)
    result = grade_connection(replayed, "12", replayed.recording.provider)
    check = by_key(result)["12.instance_is_active_as_the_tutorial_says"]
    assert check.status == "passed", check.found
