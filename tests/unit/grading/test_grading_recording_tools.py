"""The recorder and the replay (tests/recordings/recording.py): secrets never written, put
back exactly, a replay as good as the host it came from, a missing answer named."""

from __future__ import annotations

import json

import pytest
from grading_helpers import by_key, grade_connection
from recorded_host import PEM, RecordedConnection, RecordedHost
from recording import (
    FAKE,
    PRIVATE_KEY,
    RECORD_COMMAND,
    UNKNOWN,
    Recording,
    RecordingConnection,
    RecordingError,
    Redactor,
    ReplayConnection,
    secret_values,
    settings_document,
)

from stacklab.settings import load_settings

DISTINCT = {  # every secret its own value, short ones among them (as 'nova' is)
    "STACKLAB__MYSQL__ROOT_PASSWORD": "Root-Pass-4410", "STACKLAB__MYSQL__SERVICE_PASSWORD": "db9",
    "STACKLAB__RABBITMQ__PASSWORD": "Rabbit-Pass-1234", "STACKLAB__IDENTITY__PASSWORD": "uk2",
    "STACKLAB__OPENSTACK__ADMIN_PASSWORD": "Admin-Pass-777",
    "STACKLAB__OPENSTACK__SERVICE_PASSWORD": "svc", "STACKLAB__OPENSTACK__METADATA_SECRET": "md",
}


@pytest.fixture
def distinct(monkeypatch):
    """The settings with those secrets, for this test and the graders it runs."""
    for key, value in DISTINCT.items():
        monkeypatch.setenv(key, value)
    return load_settings()


def record(state: RecordedHost, labs: str = "all", provider: str = "vagrant") -> Recording:
    """A recording of the hand-written host, made the way record.py makes one."""
    redactor = Redactor(state.settings)
    recorder = RecordingConnection(RecordedConnection(state), redactor)
    result = grade_connection(recorder, labs, provider)
    return Recording(about={"provider": provider}, settings=settings_document(state.settings),
                     secrets=redactor.groups(), answers=recorder.answers,
                     result={c.key: c.status for c in result.checks})


def test_secrets_become_named_placeholders_and_come_back_exactly(distinct):
    s = distinct
    text = (f"[database]\nconnection = mysql+pymysql://nova:{s.mysql.service_password}@h/nova\n"
            f"transport_url = rabbit://openstack:{s.rabbitmq.password}@h:5672/\n"
            f"password = {s.openstack.service_password}\nusername = svc-user\n"
            f"export OS_PASSWORD={s.identity.password}\n"
            f'{{"username": "admin", "password": "{s.openstack.admin_password}"}}\n'
            f"metadata_proxy_shared_secret = {s.openstack.metadata_secret}\n"
            f"GRANT ALL ON *.* TO root IDENTIFIED BY '{s.mysql.root_password}'\n")
    redactor = Redactor(s)
    hidden = redactor.hide(text, unknown=False)
    for path, value in secret_values(s).items():
        assert f"<<{path}>>" in hidden, path
        if len(value) > 3:
            assert value not in hidden, path
    assert "username = svc-user" in hidden  # a short secret inside a name stays a name
    assert redactor.show(hidden) == text


def test_unknown_secrets_tokens_and_keys_are_hidden_in_answers(settings):
    token, key = "gAAAAABn" + "x1" * 40, "A" * 43 + "="
    text = (f"password = NotInTheSettings\nX-Subject-Token: {token}\n{key}\n{PEM}"
            "rabbit://u:zz9@host/\n")
    hidden = Redactor(settings).hide(text)
    for secret in ("NotInTheSettings", token, key, "b3BlbnNzaC1rZXk", "zz9"):
        assert secret not in hidden
    assert hidden.count(UNKNOWN) == 2 and PRIVATE_KEY in hidden
    assert Redactor(settings).show(hidden).count(FAKE[PRIVATE_KEY]) == 1


def test_a_replay_grades_as_the_host_it_was_recorded_from(solved, grade):
    direct = {c.key: (c.status, c.found) for c in grade(solved).checks}
    recording = record(solved)
    assert recording.answers and all(a.command for a in recording.answers)
    replay = ReplayConnection(recording, solved.settings)
    replayed = {c.key: (c.status, c.found) for c in grade_connection(replay).checks}
    assert replayed == direct
    assert replay.misses == []


def test_a_broken_host_recorded_and_replayed_is_as_red(solved, grade):
    solved.units["rabbitmq-server"] = ("failed", "enabled")
    replay = ReplayConnection(record(solved, "4"), solved.settings)
    check = by_key(grade_connection(replay, "4"))["04.rabbitmq_is_running"]
    assert (check.status, check.found) == ("failed", "rabbitmq-server is failed (enabled)")


def test_with_other_passwords_the_recording_holds_none_of_them(distinct):
    state = RecordedHost(distinct)
    recording = record(state)
    written = json.dumps([a.to_json() for a in recording.answers])
    for value in secret_values(distinct).values():
        if len(value) >= 4:
            assert value not in written
    replay = ReplayConnection(recording, distinct)
    result = grade_connection(replay)
    failing = {c.key: c.found for c in result.checks if not c.passed}
    assert failing == {} and replay.misses == []  # the graders' input matched, secrets and all


def test_a_command_the_recording_never_saw_is_named(solved):
    recording = record(solved, "3")
    dropped = next(a for a in recording.answers if a.command == "ss -Hltn")
    recording.answers.remove(dropped)
    replay = ReplayConnection(recording, solved.settings)
    result = grade_connection(replay, "3")
    assert ("ss -Hltn", None) in replay.misses
    assert "'ss -Hltn' with no input" in replay.missing_report()
    assert not by_key(result)["03.mariadb_listens_on_all_addresses"].passed


def test_a_recording_refuses_other_settings(solved):
    recording = record(solved, "3")
    with pytest.raises(RecordingError, match=r"mysql\.service_password .*equal to "
                                             r"mysql\.root_password"):
        ReplayConnection(recording, load_settings(environ=DISTINCT))
    other = load_settings(environ={"STACKLAB__HOST__NAME": "another-host"})
    with pytest.raises(RecordingError, match=r"host\.name.*re-record"):
        ReplayConnection(recording, other)
    assert "record.py" in RECORD_COMMAND


def test_the_class_on_a_cloud_settings_need_no_new_recording(solved):
    """No grader reads `cloud:` (stacklab class): a value there, or a key added to it later,
    leaves the recording usable; one beside it does not."""
    recording = record(solved, "3")
    del recording.settings["cloud"]["ssh_wait_s"]  # recorded before the key existed
    other = load_settings(environ={"STACKLAB__CLOUD__PARALLEL": "9"})
    ReplayConnection(recording, other)
    with pytest.raises(RecordingError, match=r"host\.user"):
        ReplayConnection(recording, load_settings(environ={"STACKLAB__HOST__USER": "x"}))
