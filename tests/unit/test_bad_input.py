"""Every input a user can type or hand over: one clear line, exit 2, nothing written.

The cases cover settings files and STACKLAB__ overrides, lab numbers, --host URLs,
inventories in the three formats, options, the kit's own state files and hostile
'SSH servers' on loopback. Each runs the CLI in-process (click's CliRunner) with a
private state folder; none may print a traceback or an "internal error", and none may
leave a report folder, a solve log or a state file behind.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from hostile_servers import BEHAVIOURS, hostile_server
from keyfiles import private_key_bytes, public_key_bytes

from stacklab.cli.app import cli

HOST = "ssh://vagrant@127.0.0.1:1"  # never contacted: the dry runs below reach no host
DRY_SOLVE = ["solve", "--only", "3", "--dry-run", "--host", HOST]


@dataclass
class Case:
    """args for the CLI; files to write first (name → text or bytes); env to set; where
    {tmp} in args, env, file names and texts is the test's own folder."""

    args: list[str]
    files: dict[str, str | bytes] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    code: int = 2


def settings(text: str | bytes) -> Case:
    return Case(DRY_SOLVE, {"override.yaml": text}, {"STACKLAB_SETTINGS": "{tmp}/override.yaml"})


def env(**values: str) -> Case:
    return Case(DRY_SOLVE, env={f"STACKLAB__{k}": v for k, v in values.items()})


def inventory(text: str | bytes, name: str = "class.txt") -> Case:
    return Case(["grade", "-i", f"{{tmp}}/{name}", "--out", "{tmp}/out"], {name: text})


def lab_state(text: str | bytes) -> Case:
    return Case(["check", "3"], {"state/lab.json": text})


SETTINGS_CASES = {
    "root_password 0777 (YAML octal)": settings("mysql: {root_password: 0777}\n"),
    "release 2025.10 (a float)": settings("openstack: {release: 2025.10}\n"),
    "release as a date": settings("openstack: {release: 2025-10-01}\n"),
    "port true": settings("mysql: {port: true}\n"),
    "a password true": settings("identity: {password: yes}\n"),
    "a name as a number": settings("mysql: {database: 5}\n"),
    "a duplicated key": settings("mysql:\n  port: 3306\n  port: 3307\n"),
    "a duplicated section": settings("mysql: {port: 3306}\nmysql: {port: 3307}\n"),
    "shell characters in mysql.database": settings("mysql: {database: 'nova; rm -rf /'}\n"),
    "a space in a project name": settings("identity: {project: 'aims proj'}\n"),
    "a quote in a password": settings("identity: {password: \"it's\"}\n"),
    "a space in a password": settings("rabbitmq: {password: 'a b'}\n"),
    "a dollar in a password": settings("openstack: {admin_password: 'pa$$'}\n"),
    "a password starting with -": settings("mysql: {root_password: '-x'}\n"),
    "an empty password": settings("mysql: {root_password: ''}\n"),
    "a null password": settings("mysql: {root_password: null}\n"),
    "a list as a password": settings("identity: {password: [a, b]}\n"),
    "port 0": settings("mysql: {port: 0}\n"),
    "port 70000": settings("rabbitmq: {port: 70000}\n"),
    "memory as a fraction": settings("host: {memory_mb: 4096.5}\n"),
    "memory as words": settings("host: {memory_mb: lots}\n"),
    "cpus false": settings("host: {cpus: false}\n"),
    "ec2_credentials 1": settings("identity: {ec2_credentials: 1}\n"),
    "container ssh_port 0": settings("providers: {container: {ssh_port: 0}}\n"),
    "an unknown key": settings("mysql: {pasword: x}\n"),
    "an unknown section": settings("mysqll: {port: 1}\n"),
    "a section as a number": settings("mysql: 5\n"),
    "a list at the top": settings("- a\n- b\n"),
    "a word at the top": settings("hello\n"),
    "bad indentation": settings("mysql:\n  port: 1\n   database: x\n"),
    "a tab": settings("mysql:\n\tport: 1\n"),
    "an unclosed quote": settings("mysql: {database: 'nova}\n"),
    "not UTF-8": settings(b"mysql: {database: \xff\xfe}\n"),
    "NUL bytes": settings(b"\x00\x00\x00"),
    "a bad CIDR": settings("network: {fixed: {cidr: 10.0.0.0/33}}\n"),
    "an address outside its network": settings("network: {public: {address: 10.9.9.9}}\n"),
    "an interface with a slash": settings("network: {public: {interface: 'eth0/x'}}\n"),
    "a URL with a quote": settings("image: {cirros: {url: \"https://x/'y\"}}\n"),
    "an image path with a space": settings("image: {offline: {disk: '/var/a b'}}\n"),
    "databases as a word": settings("mysql: {databases: nova}\n"),
    "a number in databases": settings("mysql: {databases: [nova, 7]}\n"),
    "an unknown OS": settings("host: {os: windows}\n"),
    "an alias bomb": settings("a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\n"
                              "c: &c [*b, *b, *b, *b]\nd: [*c, *c, *c, *c]\n"),
    "STACKLAB_SETTINGS names a folder": Case(DRY_SOLVE, env={"STACKLAB_SETTINGS": "{tmp}"}),
    "STACKLAB_SETTINGS names nothing": Case(DRY_SOLVE,
                                            env={"STACKLAB_SETTINGS": "{tmp}/missing.yaml"}),
    "an override with bad YAML": env(MYSQL__DATABASES="[nova, glance"),
    "an override mapping with bad YAML": env(MYSQL="{port: [1}"),
    "an override of a section by a word": env(MYSQL="hello"),
    "an override with an empty part": env(MYSQL____PORT="1"),
    "an override of an unknown key": env(MYSQL__PASWORD="x"),
    "an override port of words": env(MYSQL__PORT="three"),
    "an override port 0": env(MYSQL__PORT="0"),
    "an override with a fraction": env(HOST__CPUS="1.5"),
    "an override boolean maybe": env(IDENTITY__EC2_CREDENTIALS="maybe"),
    "an override with shell characters": env(MYSQL__DATABASE="x`reboot`"),
    "an override of an unknown provider": Case(["solve", "--only", "3", "--dry-run",
                                                "--host", HOST + "?provider=cloud"]),
}

LAB_CASES = {
    f"check {spec!r}": Case(["check", spec, "--host", HOST])
    for spec in ["0", "15", "-1", "abc", "3-", "3-99", "1e3", "3,,x", "3..x", "½", "3;4"]
} | {
    f"solve {' '.join(args)}": Case(["solve", *args, "--dry-run", "--host", HOST])
    for args in [["--until", "0"], ["--until", "x"], ["--only", "15"], [],
                 ["--until", "3", "--only", "4"], ["--only", ""]]
}

HOST_CASES = {
    f"--host {url!r}": Case(["check", "3", "--host", url])
    for url in ["ftp://vagrant@h", "ssh://", "ssh://vagrant@", "ssh://v@h:0", "ssh://v@h:99999",
                "ssh://v@h:port", "ssh://v@h;reboot", "ssh://v@h h", "ssh://v@[::1",
                "ssh://v@$(reboot)", "http://h/x"]
} | {
    "--host and --local": Case(["check", "3", "--host", HOST, "--local"]),
}

INVENTORY_CASES = {
    "a sentence": inventory("alice ssh://vagrant@10.0.0.1\nthis is not a host line\n"),
    "a bad last line of 10,000": inventory(
        "".join(f"s{i} ssh://vagrant@10.1.{i // 250}.{i % 250 + 1}\n" for i in range(9999))
        + "this is not a host line\n"),
    "a name only": inventory("alice\n"),
    "a bare host name": inventory("alice lab1\n"),
    "two key files": inventory("alice ssh://v@h /k1 /k2\n"),
    "two providers": inventory("alice ssh://v@h provider=container provider=vagrant\n"),
    "an unknown provider": inventory("alice ssh://v@h provider=cloud\n"),
    "an empty key=": inventory("alice ssh://v@h key=\n"),
    "an unknown option": inventory("alice ssh://v@h colour=blue\n"),
    "port 0": inventory("alice ssh://v@h:0\n"),
    "port 99999": inventory("alice ssh://v@h:99999\n"),
    "a port of words": inventory("alice ssh://v@h:ssh\n"),
    "the same name twice": inventory("alice ssh://v@h\nalice ssh://v@g\n"),
    "a bad name": inventory("al!ce ssh://v@h\n"),
    "local": inventory("alice local\n"),
    "shell characters in a host": inventory("alice 'ssh://v@h;reboot'\n"),
    "an unclosed quote": inventory("alice 'ssh://v@h\n"),
    "an ftp URL": inventory("alice ftp://v@h\n"),
    "no hosts": inventory("# nobody\n"),
    "an empty file": inventory(""),
    "not UTF-8": inventory(b"alice ssh://v@h \xff\n"),
    "a folder": Case(["grade", "-i", "{tmp}", "--out", "{tmp}/out"]),
    "a missing file": Case(["grade", "-i", "{tmp}/none.txt", "--out", "{tmp}/out"]),
    "INI: a sentence": inventory("[class]\nthis is not a host line\n", "hosts.ini"),
    "INI: a bad header": inventory("[class\nalice ansible_host=h\n", "hosts.ini"),
    "INI: a port of words": inventory("[class]\nalice ansible_host=h ansible_port=x\n",
                                      "hosts.ini"),
    "INI: port 0": inventory("[class]\nalice ansible_host=h ansible_port=0\n", "hosts.ini"),
    "INI: a host range": inventory("[class]\nlab[01:30] ansible_user=v\n", "hosts.ini"),
    "INI: vars without =": inventory("[class]\nalice ansible_host=h\n[class:vars]\nx\n",
                                     "hosts.ini"),
    "INI: groups in a circle": inventory(
        "[a]\nalice ansible_host=h\n[a:children]\nb\n[b:children]\na\n", "hosts.ini"),
    "INI: an unknown provider": inventory(
        "[class]\nalice ansible_host=h stacklab_provider=cloud\n", "hosts.ini"),
    "INI: shell characters in a host": inventory("[class]\nalice ansible_host='h;reboot'\n",
                                                 "hosts.ini"),
    "YAML: not valid": inventory("all:\n  hosts:\n    alice: {ansible_host: h\n", "c.yml"),
    "YAML: a list": inventory("- alice\n", "c.yml"),
    "YAML: an unknown key": inventory("all:\n  hostz:\n    alice: {}\n", "c.yml"),
    "YAML: hosts as a list": inventory("all:\n  hosts: [alice]\n", "c.yml"),
    "YAML: a host as a list": inventory("all:\n  hosts:\n    alice: [1]\n", "c.yml"),
    "YAML: a port of words": inventory("all:\n  hosts:\n    alice: {ansible_port: x}\n",
                                       "c.yml"),
    "YAML: empty": inventory("", "c.yml"),
    "YAML: not UTF-8": inventory(b"all:\n  hosts:\n    \xff: {}\n", "c.yml"),
}

OPTION_CASES = {
    "grade --jobs 0": Case(["grade", "-i", "{tmp}/c.txt", "--jobs", "0", "--out", "{tmp}/out"],
                           {"c.txt": "alice ssh://v@h\n"}),
    "grade --jobs many": Case(["grade", "-i", "{tmp}/c.txt", "--jobs", "many",
                               "--out", "{tmp}/out"], {"c.txt": "alice ssh://v@h\n"}),
    "grade --timeout 1": Case(["grade", "-i", "{tmp}/c.txt", "--timeout", "1",
                               "--out", "{tmp}/out"], {"c.txt": "alice ssh://v@h\n"}),
    "grade --format pdf": Case(["grade", "-i", "{tmp}/c.txt", "--format", "pdf",
                                "--out", "{tmp}/out"], {"c.txt": "alice ssh://v@h\n"}),
    "grade --labs 99": Case(["grade", "-i", "{tmp}/c.txt", "--labs", "99",
                             "--out", "{tmp}/out"], {"c.txt": "alice ssh://v@h\n"}),
    "grade without --inventory": Case(["grade", "--out", "{tmp}/out"]),
    "check --check-timeout 0": Case(["check", "3", "--check-timeout", "0", "--host", HOST]),
    "check --check-timeout words": Case(["check", "3", "--check-timeout", "x", "--host", HOST]),
    "check --bogus": Case(["check", "--bogus"]),
    "check two labs arguments": Case(["check", "3", "4", "--host", HOST]),
    "an unknown command": Case(["frobnicate"]),
    "solve --until 3 extra": Case(["solve", "--until", "3", "extra", "--dry-run"]),
    "up --provider nope": Case(["up", "--provider", "nope"]),
    "up --solve-until 99": Case(["up", "--provider", "container", "--solve-until", "99"]),
    "up --solve-until x": Case(["up", "--provider", "virtualbox", "--solve-until", "x"]),
    "notebooks open --provider nope": Case(["notebooks", "open", "--provider", "nope",
                                            "--print-command"]),
    "notebooks open --host ftp://x": Case(["notebooks", "open", "--host", "ftp://x",
                                           "--print-command"]),
    "notebooks open --key missing": Case(["notebooks", "open", "--host", HOST, "--key",
                                          "{tmp}/no-key", "--print-command"]),
    "notebooks open --host a bad inventory line": Case(
        ["notebooks", "open", "--host", f"ann {HOST} colour=blue", "--print-command"]),
    "notebooks build --provider nope": Case(["notebooks", "build", "--provider", "nope",
                                             "--output", "{tmp}/nb"]),
}

# Key files the kit cannot log in with; each is refused before any host is contacted
LOCKED_KEY = private_key_bytes(b"a passphrase")
PUBLIC_KEY = public_key_bytes()
BAD_KEYS: dict[str, tuple[str, dict[str, str | bytes]]] = {
    "missing": ("{tmp}/keys/none", {}),
    "a folder": ("{tmp}/keys", {"keys/x": ""}),
    "a public key": ("{tmp}/id.pub", {"id.pub": PUBLIC_KEY}),
    "passphrase-protected": ("{tmp}/id", {"id": LOCKED_KEY}),
    "not a key (text)": ("{tmp}/notes.txt", {"notes.txt": "my key is on the other laptop\n"}),
    "not a key (binary)": ("{tmp}/id.bin", {"id.bin": bytes(range(256))}),
    "empty": ("{tmp}/id.empty", {"id.empty": b""}),
    "a truncated key": ("{tmp}/id.cut", {"id.cut": private_key_bytes()[:120]}),
}


def with_key(case: Case, files: dict[str, str | bytes]) -> Case:
    return Case(case.args, {**case.files, **files}, case.env, case.code)


KEY_CASES = {
    f"--host ?key= {what}": with_key(Case(["check", "3", "--host", f"{HOST}?key={key}"]),
                                     files)
    for what, (key, files) in BAD_KEYS.items()
} | {
    f"solve --dry-run --host ?key= {what}": with_key(
        Case(["solve", "--only", "3", "--dry-run", "--host", f"{HOST}?key={key}"]), files)
    for what, (key, files) in BAD_KEYS.items() if what in ("a public key", "missing")
} | {
    f"inventory key column {what}": with_key(inventory(f"alice ssh://v@127.0.0.1:1 {key}\n"), files)
    for what, (key, files) in BAD_KEYS.items()
} | {
    f"inventory key= {what}": with_key(inventory(
        f"alice ssh://v@127.0.0.1:1\nbob ssh://v@127.0.0.1:1 key={key}\n"), files)
    for what, (key, files) in BAD_KEYS.items() if what in ("a folder", "passphrase-protected")
} | {
    "inventory URL ?key= a public key": with_key(
        inventory("alice ssh://v@127.0.0.1:1?key={tmp}/id.pub\n"),
        BAD_KEYS["a public key"][1]),
    "INI: a missing key file": inventory(
        "[class]\nalice ansible_host=127.0.0.1 ansible_port=1 "
        "ansible_ssh_private_key_file={tmp}/none\n",
        "hosts.ini"),
    "INI: a group's key is a public key": with_key(inventory(
        "[class]\nalice ansible_host=127.0.0.1 ansible_port=1\n[class:vars]\n"
        "ansible_ssh_private_key_file={tmp}/id.pub\n", "hosts.ini"),
        BAD_KEYS["a public key"][1]),
    "YAML: a passphrase-protected key": with_key(inventory(
        "all:\n  hosts:\n    alice: {ansible_host: 127.0.0.1, ansible_port: 1,\n"
        "            ansible_private_key_file: {tmp}/id}\n",
        "c.yml"), BAD_KEYS["passphrase-protected"][1]),
}

STATE_CASES = {
    "lab state: not JSON": lab_state("{not json"),
    "lab state: not UTF-8": lab_state(b"\xff\xfe{}"),
    "lab state: a list": lab_state("[]"),
    "lab state: target a word": lab_state('{"target": "x"}'),
    "lab state: target with odd keys": lab_state('{"target": {"colour": "blue"}}'),
    "lab state: a folder": Case(["check", "3"], {"state/lab.json/x": ""}),
    "lab state: corrupt, for down": Case(["down", "--yes"], {"state/lab.json": "{oops"}),
    "lab state: corrupt, for solve --dry-run": Case(["solve", "--only", "3", "--dry-run"],
                                                    {"state/lab.json": "[1]"}),
    "lab state: corrupt, for notebooks open": Case(["notebooks", "open", "--print-command"],
                                                   {"state/lab.json": "\"x\""}),
}

GROUPS = {"settings": SETTINGS_CASES, "labs": LAB_CASES, "host": HOST_CASES,
          "inventory": INVENTORY_CASES, "keys": KEY_CASES, "options": OPTION_CASES,
          "state": STATE_CASES}
CASES = {f"{group}: {name}": case for group, cases in GROUPS.items()
         for name, case in cases.items()}

# hostile servers: every behaviour against check; the solve transport against a few
HOSTILE = [(["check", "3"], b) for b in [*BEHAVIOURS, "refused", "tarpit"]] + [
    (["solve", "--only", "3"], b) for b in ["garbage banner", "banner then junk", "refused"]]


@pytest.fixture
def clean_env(tmp_path, monkeypatch):
    # nothing here may start a lab host: if a case got that far, it fails loudly
    from stacklab.labhost import kinds

    def started(*args, **kwargs):
        raise AssertionError("a lab host was started")

    for kind in (kinds.Container, kinds.Vagrant):  # every kind of lab host `up` may start
        monkeypatch.setattr(kind, "up", started)
    for name in list(os.environ):
        if name.startswith("STACKLAB__") or name in ("STACKLAB_SETTINGS", "STACKLAB_DEBUG"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)  # a default --out (grades/) would land here
    return tmp_path


def written(tmp: Path) -> set[str]:
    return {str(p.relative_to(tmp)) for p in tmp.rglob("*")}


def run(case: Case, tmp: Path):
    for name, content in case.files.items():
        path = tmp / name.format(tmp=tmp)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.replace("{tmp}", str(tmp))
        (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    before = written(tmp)
    args = [a.replace("{tmp}", str(tmp)) for a in case.args]
    env = {k: v.replace("{tmp}", str(tmp)) for k, v in case.env.items()}
    result = CliRunner().invoke(cli, args, env=env)
    return result, written(tmp) - before


def assert_one_clear_line(result, new_files: set[str], code: int = 2) -> None:
    out = result.output
    assert result.exit_code == code, out
    assert "Traceback" not in out and "internal error" not in out, out
    # one line says what is wrong: the kit's "stacklab: …" or click's "Error: …"; a hint
    # ("  → …") and click's usage lines may go with it
    errors = [line for line in out.splitlines() if line.startswith(("stacklab:", "Error:"))]
    assert len(errors) == 1, out
    assert len(errors[0]) > len("stacklab: ") + 10, out
    assert not new_files, f"written: {sorted(new_files)}"


def test_there_are_at_least_100_cases():
    assert len(CASES) + len(HOSTILE) >= 100


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_bad_input_is_one_line_exit_2_nothing_written(case, clean_env):
    result, new = run(case, clean_env)
    assert_one_clear_line(result, new, case.code)


def test_a_settings_number_names_the_key_what_was_written_and_the_quoting(clean_env):
    result, _ = run(settings("openstack: {release: 2025.10}\n"), clean_env)
    assert "openstack.release: 2025.10" in result.output
    assert 'write it in quotes: release: "2025.10"' in result.output


def test_a_bad_inventory_line_names_file_line_and_the_format(clean_env):
    result, _ = run(INVENTORY_CASES["a bad last line of 10,000"], clean_env)
    assert result.exit_code == 2
    assert "class.txt:10000:" in result.output and "ssh://user@host" in result.output


@pytest.mark.parametrize(("command", "behaviour"), HOSTILE,
                         ids=[f"{c[0]} vs {b}" for c, b in HOSTILE])
def test_a_hostile_server_is_one_line(command, behaviour, clean_env):
    with hostile_server(behaviour) as port:
        result, new = run(Case([*command, "--host", f"ssh://vagrant@127.0.0.1:{port}"]),
                          clean_env)
    # a host check could not reach was not graded: exit 3 (README, "Exit codes"); solve: 2
    assert_one_clear_line(result, new, code=3 if command[0] == "check" else 2)
    assert "cannot reach the lab host" in result.output


def test_a_corrupt_progress_file_is_read_as_no_progress(clean_env):
    for text in ("[]", '{"x": 1}', '{"3": 5}', '{"3": {"passed": "many"}}', "\xff"):
        (clean_env / "state").mkdir(exist_ok=True)
        (clean_env / "state" / "progress.json").write_text(text)
        result = CliRunner().invoke(cli, ["labs"])
        assert result.exit_code == 0 and "Traceback" not in result.output, result.output
        assert "not checked yet" in result.output


def test_a_bad_key_file_names_the_file_what_is_wrong_and_what_to_do(clean_env):
    result, _ = run(KEY_CASES["inventory key column a public key"], clean_env)
    assert f"class.txt:1: alice: key file {clean_env}/id.pub: a public key" in result.output
    assert "→ give the private key" in result.output
    result, _ = run(KEY_CASES["--host ?key= passphrase-protected"], clean_env)
    assert f"key file {clean_env}/id: protected by a passphrase" in result.output
    assert "→ give a key without a passphrase" in result.output


def test_a_bad_key_file_is_refused_before_any_host_is_contacted(clean_env):
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        (clean_env / "id.pub").write_bytes(PUBLIC_KEY)
        (clean_env / "class.txt").write_text(f"alice ssh://v@127.0.0.1:{port} {clean_env}/id.pub\n")
        for args in (["check", "3", "--host", f"ssh://v@127.0.0.1:{port}?key={clean_env}/id.pub"],
                     ["grade", "-i", str(clean_env / "class.txt"), "--out", str(clean_env / "o")]):
            assert CliRunner().invoke(cli, args).exit_code == 2
        with pytest.raises(BlockingIOError):  # nobody knocked
            listener.accept()
