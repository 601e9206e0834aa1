"""A real lab host solved up to lab 14, replayed from its recording: every check green (or
not verified for a hardware limit the host named), every grader command answered, no secret
in the committed file, and broken variants made from the real answers turn red."""

from __future__ import annotations

import json
import re
from dataclasses import replace

from grading_helpers import by_key, grade_connection
from recording import (
    FERNET_KEY,
    FERNET_TOKEN,
    PRIVATE_KEY,
    RECORD_COMMAND,
    SOLVED,
    UNKNOWN,
    Recording,
    Redactor,
    might_be_secret,
    secret_values,
)

from stacklab.catalog import select
from stacklab.grading.markers import HARDWARE_LIMITS
from stacklab.grading.redact import secret_places
from stacklab.grading.resources import rcfile
from stacklab.settings import load_settings


def grade(replayed, labs: str | None = None):
    """Grade the replayed host: by default every lab it was recorded for (3-14)."""
    return grade_connection(replayed, labs or replayed.recording.about["labs"],
                            replayed.recording.provider)


def test_every_grader_command_has_a_recorded_answer(replayed):
    """Fails when the graders send a command the recording never saw: it is older than the
    graders, and a replay would judge a made-up answer."""
    grade(replayed)
    assert not replayed.misses, (
        f"the recording {SOLVED.name} has no answer for these grader commands (it is older "
        f"than the graders):\n{replayed.missing_report()}\nre-record: {RECORD_COMMAND}")


def test_every_check_is_green_on_the_recorded_solved_host(replayed):
    result = grade(replayed)
    assert result.status == "ok", result.reason
    not_green = {c.key: (c.status, c.found) for c in result.checks
                 if c.status not in ("passed", "not-verified")}
    assert not_green == {}
    for check in result.not_verified:  # the build machine's kernel: named, never passed
        reason = check.found.removeprefix("not verified on this host: ")
        assert reason.startswith(HARDWARE_LIMITS), (check.key, check.found)
    recorded = replayed.recording.result["checks"]
    assert {c.key: str(c.status) for c in result.checks} == recorded  # as on the host
    assert result.points == result.max_points > 0
    labs = {lab.number for lab in select(replayed.recording.about["labs"])}
    assert {c.lab for c in result.checks} == labs


def test_a_run_reads_each_file_once_and_opens_openstack_once(replayed):
    grade(replayed)
    assert len(replayed.asked) == len(set(replayed.asked)), "a command was repeated"
    snapshots = [k for k in replayed.asked if k[1] and "def collect(" in k[1]]
    assert len(snapshots) == 1


def test_the_committed_recording_holds_no_secret(recording):
    text = SOLVED.read_text()
    settings = load_settings(recording.provider)
    for value in secret_values(settings).values():
        if len(value) >= 8:
            assert value not in text
    known = set(secret_values(settings).values())
    for answer in recording.answers:
        for field in (answer.stdout, answer.stderr):  # what the host said
            for start, end in secret_places(field):  # where a secret stands, a placeholder
                value = field[start:end]
                assert value not in known, (answer.command, start)
                assert value.startswith("<<") or not might_be_secret(field, start, value), \
                    (answer.command, value)
            assert "PRIVATE KEY-----" not in field and "gAAAAA" not in field
        for field in (answer.command, answer.stdin or ""):  # what the graders sent
            for start, end in secret_places(field):  # the kit's own code, no password
                assert field[start:end] not in known, (answer.command, field[start:end])
    # the file is what the redactor leaves alone: nothing left to hide
    redactor = Redactor(settings)
    for answer in recording.answers:
        assert redactor.hide(answer.stdout) == answer.stdout, answer.command
        assert redactor.hide(answer.stdin or "", unknown=False) == (answer.stdin or "")
    placeholders = set(re.findall(r"<<[^<>]+>>", text))
    assert placeholders, "a solved host's config files hold passwords: none was found"
    assert placeholders <= {UNKNOWN, PRIVATE_KEY, FERNET_TOKEN, FERNET_KEY} | {
        f"<<{path}>>" for path in secret_values(settings)}


RECORDED = {lab.number for lab in select(Recording.load().about["labs"])}


def _rc_login(command: str) -> bool:
    return command.startswith(rcfile.COMMAND.split(" %s", 1)[0])


if 10 in RECORDED:  # the rc file's checks (all of labs 3-14 are recorded)
    def test_an_rc_file_keystone_refuses_is_red(replayed, settings):
        replayed.answer_with(_rc_login, rc=1, stdout="", stderr=(
            "The request you have made requires authentication. (HTTP 401) (Request-ID: "
            "req-0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d)\n"))
        check = by_key(grade(replayed, "10"))["10.rc_file_is_in_place"]
        assert check.status == "failed", check.found
        assert check.found.startswith(f"~/{settings.identity.rc_file} (OS_USERNAME="
                                      f"{settings.identity.user}, OS_PROJECT_NAME="
                                      f"{settings.identity.project}) does not log in: ")
        assert "HTTP 401" in check.found and "openstack token issue" in check.hint

    def test_an_rc_file_that_logs_in_to_another_project_is_red(replayed, settings):
        snapshot = next(a for a in replayed.recording.answers
                        if a.stdin and "def collect(" in a.stdin)
        projects = {p["name"]: p["id"] for p in json.loads(snapshot.stdout)["projects"]}
        other = next(name for name in projects if name != settings.identity.project)

        def elsewhere(answer):
            token = json.loads(answer.stdout)
            return replace(answer, stdout=json.dumps({**token, "project_id": projects[other]}))
        replayed.edit(_rc_login, elsewhere)
        check = by_key(grade(replayed, "10"))["10.rc_file_is_in_place"]
        assert (check.status, check.found) == (
            "failed", f"~/{settings.identity.rc_file} logs in as {settings.identity.user} to "
                      f"project {other}")

    def test_an_rc_file_the_openstack_client_cannot_try_is_an_error(replayed):
        replayed.answer_with(_rc_login, rc=127, stdout="", stderr=(
            "timeout: failed to run command 'openstack': No such file or directory\n"))
        check = by_key(grade(replayed, "10"))["10.rc_file_is_in_place"]
        assert check.status == "error" and "python3-openstackclient" in check.found
