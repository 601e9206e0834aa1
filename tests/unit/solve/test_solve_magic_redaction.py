"""`%solve` in a notebook masks the settings' passwords as `stacklab solve` does: in a dry
run's commands and in a failed step's command and output (a notebook's output is saved
with it and handed around)."""

from __future__ import annotations

import pytest
from solve_fakes import FakeHost

from stacklab.grading.redact import MASK
from stacklab.hosts.target import Target
from stacklab.notebooks.solving import solve_labs
from stacklab.settings import load_settings
from stacklab.solve import load

# Passwords as hostile as the settings allow (letters, digits and _ . + = ^ ~ -), short
# ones (masked only where they stand as a value) and long ones (masked anywhere).
PASSWORDS = [
    {"mysql": "Q.9+=^~-x_Z", "rabbitmq": "r~1", "admin": "a^="},
    {"mysql": "m", "rabbitmq": "R-_.+=^~9abcdefghijklmnop", "admin": "A1.~^=+-_zzzz"},
]


class FakeSession:
    """The part of the notebook's session `%solve` uses."""

    dry_run = False

    def __init__(self, settings, host: FakeHost | None = None) -> None:
        self._settings, self.host = settings, host

    def target(self) -> Target:
        return Target()

    def settings(self):
        return self._settings

    def ssh_user(self) -> str:
        return "learner"

    def describe(self) -> str:
        return "the fake host"

    def solve_transport(self) -> FakeHost:
        return self.host


def settings_with(passwords: dict[str, str]):
    return load_settings("vagrant", environ={
        "STACKLAB__MYSQL__ROOT_PASSWORD": passwords["mysql"],
        "STACKLAB__RABBITMQ__PASSWORD": passwords["rabbitmq"],
        "STACKLAB__OPENSTACK__ADMIN_PASSWORD": passwords["admin"]})


def printed(session, labs: list[int], *, dry_run: bool) -> tuple[bool, str]:
    lines: list[str] = []
    ok = solve_labs(session, labs, dry_run=dry_run, out=lines.append)
    return ok, "".join(lines)


@pytest.mark.parametrize("passwords", PASSWORDS)
def test_a_dry_run_shows_the_commands_without_the_passwords(passwords):
    settings = settings_with(passwords)
    ok, text = printed(FakeSession(settings), list(range(3, 15)), dry_run=True)
    assert ok
    assert "IDENTIFIED BY" in text and "bootstrap-password" in text and "OS_PASSWORD" in text
    assert MASK in text
    for password in passwords.values():
        if len(password) >= 8:
            assert password not in text
        for line in text.splitlines():  # nor where a short one stands as a value
            assert f"'{password}'" not in line and f":{password}@" not in line


@pytest.mark.parametrize("passwords", PASSWORDS)
def test_a_failed_step_shows_its_command_and_output_without_the_passwords(passwords,
                                                                         monkeypatch,
                                                                         tmp_path):
    monkeypatch.setattr("stacklab.solve.log.new_log_path", lambda: tmp_path / "solve.log")
    settings = settings_with(passwords)
    solutions = [s for s in load(settings, ssh_user="learner") if s.lab.number in (3, 4)]
    secret = passwords["mysql"]
    command = next(c for s in solutions for step in s.steps for c in step.apply
                   if f"'{secret}'" in c)
    output = "\n".join([f"ERROR 1045: Access denied (using password: '{secret}')",
                        f"mysql -uroot -p'{secret}' failed",
                        f"transport_url = rabbit://openstack:{passwords['rabbitmq']}@cc:5672/",
                        f"export OS_PASSWORD='{passwords['admin']}'",
                        f"password = {passwords['admin']}"])
    host = FakeHost(solutions, fail={command: output}, fail_always=True)
    ok, text = printed(FakeSession(settings, host), [3, 4], dry_run=False)
    assert not ok
    assert "last lines of its output" in text and "Access denied" in text
    for password in passwords.values():
        for line in text.splitlines():
            assert f"'{password}'" not in line and f":{password}@" not in line
            assert f"= {password}" not in line
        if len(password) >= 8:
            assert password not in text
