"""Hostile passwords (every punctuation character, 1 to 64 characters) never reach a report,
a solve log or an error line, and ordinary text is not mangled.

The main check compares two renderings of the same report: one whose texts hold the
password, one whose texts hold ***** in its place. They must be byte for byte equal: the
password is gone, and nothing around it changed.
"""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from stacklab import outputs
from stacklab.cli.app import Group
from stacklab.errors import StacklabError
from stacklab.grading import redact as redact_module
from stacklab.grading.model import CheckResult, ClassReport, RunResult
from stacklab.grading.redact import MASK, redact
from stacklab.solve.log import RunLog

PUNCTUATION = string.punctuation  # all 32 of them


def hostile_passwords() -> list[str]:
    """Every punctuation character alone, then lengths 1 to 64 mixing them with letters,
    digits and inner spaces (no password starts or ends with white space)."""
    pool = PUNCTUATION + "aZ9 " + PUNCTUATION[::-1] + "q7 X"
    found = list(PUNCTUATION)
    for n in range(1, 65):
        word = "".join(pool[(n * 7 + i) % len(pool)] for i in range(n)).strip()
        found.append(word or "x")
    found += ["p@ss;w0rd", "a b", "}", "it's", 'say "hi"', "x\\y", "%s", "$HOME", "nova",
              "p;t-pass77", "N0va!", "\u00e9t\u00e9#1"]
    return [p for p in dict.fromkeys(found) if MASK not in p and "*" * 2 not in p]


HOSTILE = hostile_passwords()

# Where a password may show up in what a host or a command says.
TEMPLATES = [
    "password = {}",
    "admin_password: {}",
    "export OS_PASSWORD='{}'",
    "openstack --os-password {} user list",
    "keystone-manage bootstrap --bootstrap-password {} --bootstrap-region-id RegionOne",
    "mysql -uroot -p{} -e 'SELECT 1'",
    "mysql -uroot -p'{}' -h 127.0.0.1",
    "transport_url = rabbit://openstack:{}@cloud-controller:5672/",
    "CREATE USER 'nova'@'%' IDENTIFIED BY '{}';",
    "{}",
    "the value was '{}' here",
    'the value was "{}" here',
]
JSON_TEMPLATE = {"admin_password": None}

ORDINARY = [
    "ProtocolError('Connection aborted.', RemoteDisconnected('Remote end closed connection "
    "without response'))",
    "nova-compute on cloud-controller: database nova; send_service_user_token = true",
    "mysqld listens on 127.0.0.1:3306, not 0.0.0.0:3306 (bind-address in "
    "/etc/mysql/mariadb.conf.d/50-server.cnf)",
    "ssh -p2222 vagrant@127.0.0.1 -i ~/.ssh/key",
    "mkdir -p /var/lib/nova/instances",
    "volume aims-vol1 in zone nova is 'available', not 'in-use'",
    "[keystone_authtoken] auth_type = password; project_name = service",
    "grep -c processor /proc/cpuinfo: 2",
    "100% of 14 labs: 3/5 checks, 2.5/4 points",
    "{'status': 'ACTIVE', 'addresses': {'vmnet': ['10.0.0.5']}}",
    "openstack user set --password-prompt aimsuser",
    "[service_user] auth_type = password, username = nova, password, project_name = service",
    "transport_url = rabbit://openstack:<rabbitmq.password>@172.16.4.10:5672/",
    "keystone-manage bootstrap --bootstrap-password <openstack.admin_password>",
    "[identity] password_hash_algorithm = bcrypt; [token] expiration = 3600",
    "availability zone: nova; OS_USERNAME=nova",
]


@pytest.fixture(autouse=True)
def known(monkeypatch):
    """The secrets the kit knows (as if the settings loader had registered them); empty for
    every test here, whatever settings earlier tests of the run loaded and registered."""
    secrets: set[str] = set()
    monkeypatch.setattr(redact_module, "_known", secrets)
    return secrets


def texts(secret: str, password: str | None = None) -> list[str]:
    """The templates holding `secret`, leaving out those whose own text holds `password`
    (there it stands as a value and is masked: the two renderings would differ)."""
    password = secret if password is None else password
    return [t.format(secret) for t in TEMPLATES if password not in t.format("")] + \
        [json.dumps({"admin_password": secret})]


@pytest.mark.parametrize("password", HOSTILE)
def test_every_template_masks_the_password_and_nothing_else(password):
    for template in [*TEMPLATES, None]:
        if template is None:
            text, expected = (json.dumps({"admin_password": password}),
                              json.dumps({"admin_password": MASK}))
        else:
            if password in template.format(""):
                continue  # e.g. 'nova' in "'nova'@'%'": a quoted value, so masked too
            text, expected = template.format(password), template.format(MASK)
        assert redact(text, [password]) == expected, text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=PUNCTUATION + string.ascii_letters + string.digits + " ",
               min_size=1, max_size=64).map(str.strip).filter(bool),
       st.sampled_from(TEMPLATES))
def test_generated_passwords_are_masked(password, template):
    assume(MASK not in password and "**" not in password)
    assume(password not in template.format(""))
    assert redact(template.format(password), [password]) == template.format(MASK)


@pytest.mark.parametrize("secrets", [[], ["nova"], ["nova", "Pa55word", "s3cr3t!"]])
def test_ordinary_text_is_not_mangled(secrets):
    for line in ORDINARY:
        assert redact(line, secrets) == line


def test_a_short_secret_is_masked_as_a_value_not_as_a_word():
    assert redact("database nova; nova-api; /etc/nova/nova.conf", ["nova"]) == \
        "database nova; nova-api; /etc/nova/nova.conf"
    assert redact("password=nova user:nova@h 'nova' -pnova\nnova", ["nova"]) == \
        "password=***** user:*****@h '*****' -p*****\n*****"



STEP_LINES = ["03-root-password: Root password",
              "=== step 03-mysql.root-password: Set the MariaDB root password",
              "=== step 05-keystone.admin-password: changed (1.0s)",
              "lab 3, step 03-root-password: LEFT ALONE: the volume group holds data"]


def test_a_solve_steps_id_and_title_are_not_masked():
    """A step's id names a password ("03-root-password") without holding one: what follows
    it in a log or an error line is its title or outcome, not a value."""
    from stacklab.settings import load_settings
    from stacklab.solve import load

    for line in STEP_LINES:
        assert redact(line) == line
    seen = 0
    for kind in ("vagrant", "container"):
        for solution in load(load_settings(kind, environ={}), ssh_user="learner"):
            for step in solution.steps:
                for line in (f"=== step {step.id}: {step.title}", f"{step.id}: {step.title}",
                             f"=== step {step.id}: changed (1.0s)"):
                    assert redact(line) == line
                seen += "password" in step.id
    assert seen


def test_a_value_after_a_secrets_name_is_still_masked():
    assert redact("password: secret") == "password: *****"
    assert redact("root-password: Root password") == "root-password: ***** password"
    assert redact("mysql.root_password = hunter2") == "mysql.root_password = *****"
    # by value, after a step's id too
    assert redact("03-root-password: hunter2hunter2", ["hunter2hunter2"]) == \
        "03-root-password: *****"
    assert redact("03-root-password: nova", ["nova"]) == "03-root-password: *****"


def report_holding(secret: str, password: str) -> ClassReport:
    """A class report whose every free text holds `secret` in one of the templates."""
    all_texts = texts(secret, password)

    def pick(i: int) -> str:
        return all_texts[i % len(all_texts)]

    checks = []
    for i, status in enumerate(["failed", "error", "not-verified", "n/a", "passed",
                                "blocked", "failed", "error", "failed", "passed",
                                "failed", "error", "failed"]):
        checks.append(CheckResult(lab=3, id=f"c{i}", title=f"check {i}", points=0, max=1,
                                  status=status, found=pick(i), hint=pick(i + 1),
                                  message=pick(i + 2), note=pick(i + 3)))
    return ClassReport(labs=[3], hosts=[
        RunResult(name="alice", url="ssh://vagrant@10.0.0.1:22", labs=[3], checks=checks),
        RunResult(name="bob", url="ssh://vagrant@10.0.0.2:22", labs=[3], checks=[],
                  status="unreachable", reason=pick(5) + "\n" + pick(8)),
    ])


@pytest.mark.parametrize("password", HOSTILE)
def test_no_report_format_shows_a_hostile_password(password, known):
    known.add(password)
    for name, module in outputs.formats().items():
        shown = module.render(report_holding(password, password))
        masked = module.render(report_holding(MASK, password))
        assert shown == masked, f"{name}: the password changed the report"


def test_the_report_holds_the_password_before_it_is_rendered():
    # the comparison above is not vacuous: the report's own texts hold the password
    report = report_holding("p;t-pass77", "p;t-pass77")
    assert "p;t-pass77" in report.hosts[0].checks[0].found
    text = ClassReport.to_json(report)
    assert text != ClassReport.to_json(report_holding(MASK, "p;t-pass77"))


def test_reports_are_private(tmp_path, known):
    folder = tmp_path / "new" / "grades"
    for path in outputs.write(report_holding("x", "x"), folder):
        assert path.stat().st_mode & 0o777 == 0o600
    assert folder.stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700


def _log_text(path: Path) -> str:
    return re.sub(r"^\d\d:\d\d:\d\d ", "", path.read_text(), flags=re.M)


@pytest.mark.parametrize("password", HOSTILE)
def test_the_solve_log_never_holds_a_password(password, known, tmp_path):
    known.add(password)

    def write(secret: str, name: str) -> str:
        with RunLog(tmp_path / "solve" / name) as log:
            for text in texts(secret, password):
                log.command("03-mysql.root-password apply", text, 1, 0.5, text)
                log.write(text)
        return _log_text(tmp_path / "solve" / name)

    assert write(password, "a.log") == write(MASK, "b.log")


def test_the_solve_log_is_private_even_if_it_was_not(tmp_path, known):
    path = tmp_path / "state" / "solve" / "run.log"
    path.parent.mkdir(parents=True)
    path.write_text("old\n")
    path.chmod(0o644)
    path.parent.chmod(0o755)
    with RunLog(path) as log:
        log.write("x")
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("password", HOSTILE[::4])
def test_an_error_line_never_shows_a_password(password, known, monkeypatch):
    known.add(password)
    monkeypatch.delenv("STACKLAB_DEBUG", raising=False)

    def shown(secret: str) -> str:
        def fail():
            raise StacklabError("step 03-mysql failed:\n" + "\n".join(texts(secret, password)),
                                f"output: {texts(secret, password)[0]}")
        group = Group(name="stacklab")
        group.add_command(click.Command("x", callback=fail))
        return CliRunner().invoke(group, ["x"]).output

    assert shown(password) == shown(MASK)


@pytest.mark.parametrize("password", HOSTILE[::3])
def test_the_solve_display_never_shows_a_password(password, known):
    from rich.console import Console

    from stacklab.catalog import lab
    from stacklab.solve.display import RichReporter
    from stacklab.solve.model import LabSolution, Outcome, Step

    known.add(password)

    def shown(secret: str) -> str:
        console = Console(record=True, width=200, force_terminal=False)
        steps = tuple(Step(id=f"03-step-{i}", lab=3, title=text, modern=(), tutorial_2012=None,
                           why="", check="true", apply=())
                      for i, text in enumerate(texts(secret, password)))
        solution = LabSolution(lab(3), steps)
        reporter = RichReporter(console, [solution])
        reporter.lab_started(solution)
        for step in steps:
            reporter.step_started(step, "check")
            reporter.step_finished(step, Outcome.CHANGED, 1.0)
        reporter.stop()
        return console.export_text()

    assert shown(password) == shown(MASK)


def test_no_grader_text_is_touched_by_the_filter(pytestconfig):
    """Titles, hints and messages name settings, never secrets: the filter leaves them
    as they are (with the tutorial's passwords, all 'nova', registered)."""
    import importlib.util

    from stacklab.grading.markers import MARKER, fill
    from stacklab.grading.redact import settings_secrets
    from stacklab.settings import load_settings

    pytestconfig.addinivalue_line("markers", f"{MARKER}: a graded check")  # as the plugin does
    s = load_settings()
    secrets = settings_secrets(s)
    seen = 0
    for path in sorted((Path(__file__).parents[3] / "grader").glob("test_*.py")):
        spec = importlib.util.spec_from_file_location(f"graders_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for function in vars(module).values():
            for mark in getattr(function, "pytestmark", []):
                if mark.name != MARKER:
                    continue
                for key in ("title", "hint", "success", "failure"):
                    if mark.kwargs.get(key):
                        text = fill(mark.kwargs[key], s)
                        assert redact(text, secrets) == text
                        seen += 1
    assert seen > 100
