"""The settings file: every bad input gives one line naming its key; overrides layer."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from stacklab.errors import SettingsError
from stacklab.settings import DEFAULT_FILE, load_settings
from stacklab.settings.loader import env_overrides


def load(tmp_path: Path, local: dict | None = None, env: dict | None = None,
         provider: str = "vagrant"):
    """Load the real lab.yaml with an optional local override file and environment."""
    local_file = tmp_path / "lab.local.yaml"
    if local is not None:
        local_file.write_text(yaml.safe_dump(local))
    return load_settings(provider, local=local_file, environ=env or {})


def error_for(tmp_path: Path, **kwargs) -> str:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, **kwargs)
    message = caught.value.message
    assert "\n" not in message, "errors are one line"
    return message


def test_the_shipped_file_loads_and_holds_the_tutorial_plan(tmp_path):
    s = load(tmp_path)
    raw = yaml.safe_load(DEFAULT_FILE.read_text())
    assert s.host.name == raw["host"]["name"]
    assert str(s.network.public.address) == raw["network"]["public"]["address"]
    assert s.network.floating.first_ip in s.network.floating.cidr
    assert s.volume.device == raw["volume"]["device"]


@pytest.mark.parametrize(("override", "expected"), [
    ({"network": {"fixed": {"cidr": "10.0.0.0/33"}}},
     "settings: network.fixed.cidr: '10.0.0.0/33' is not a valid CIDR"),
    ({"network": {"fixed": {"cidr": "10.0.0.5/26"}}},  # host bits set: not a network
     "settings: network.fixed.cidr: '10.0.0.5/26' is not a valid CIDR"),
    ({"network": {"public": {"address": "172.31.9.10"}}},
     "settings: network.public.address: 172.31.9.10 is outside network.public.cidr"),
    ({"network": {"public": {"address": "300.1.1.1"}}},
     "settings: network.public.address: '300.1.1.1' is not a valid IPv4 address"),
    ({"network": {"floating": {"cidr": "10.0.0.32/27"}}},
     "settings: network.floating.cidr: 10.0.0.32/27 overlaps network.fixed.cidr"),
    ({"network": {"floating": {"first_ip": "172.16.4.100"}}},
     "settings: network.floating.first_ip: 172.16.4.100 is outside network.floating.cidr"),
    ({"network": {"public": {"gateway": "172.16.4.230"}}},
     "settings: network.public.gateway: 172.16.4.230 lies inside the floating range"),
    ({"host": {"memory_mb": "lots"}},
     "settings: host.memory_mb: expected a whole number, not 'lots'"),
    ({"host": {"os": "windows"}}, "settings: host.os:"),
    ({"host": {"nmae": "x"}}, "settings: unknown key host.nmae (a typo?)"),
])
def test_a_bad_value_names_its_key(tmp_path, override, expected):
    assert error_for(tmp_path, local=override).startswith(expected)


def test_a_missing_key_is_named(tmp_path):
    base = yaml.safe_load(DEFAULT_FILE.read_text())
    del base["network"]["public"]["address"]
    broken = tmp_path / "lab.yaml"
    broken.write_text(yaml.safe_dump(base))
    with pytest.raises(SettingsError) as caught:
        load_settings(base=broken, local=tmp_path / "none.yaml", environ={})
    assert caught.value.message == "settings: missing key network.public.address"


def test_invalid_yaml_names_the_file_and_line(tmp_path):
    (tmp_path / "lab.local.yaml").write_text("host:\n  name: [unclosed\n")
    with pytest.raises(SettingsError, match=r"lab\.local\.yaml line \d+: not valid YAML"):
        load_settings(local=tmp_path / "lab.local.yaml", environ={})


def test_local_file_then_settings_file_then_environment_win_in_that_order(tmp_path):
    extra = tmp_path / "class.yaml"
    extra.write_text(yaml.safe_dump({"host": {"memory_mb": 7000, "cpus": 3}}))
    s = load(tmp_path, local={"host": {"memory_mb": 6500, "cpus": 4, "name": "lab07"}},
             env={"STACKLAB_SETTINGS": str(extra), "STACKLAB__HOST__MEMORY_MB": "7168"})
    assert (s.host.name, s.host.cpus, s.host.memory_mb) == ("lab07", 3, 7168)


def test_an_override_file_that_does_not_exist_is_an_error(tmp_path):
    message = error_for(tmp_path, env={"STACKLAB_SETTINGS": str(tmp_path / "nope.yaml")})
    assert message == f"STACKLAB_SETTINGS={tmp_path / 'nope.yaml'}: no such file"


def test_environment_values_keep_text_that_looks_like_a_number():
    assert env_overrides({"STACKLAB__OPENSTACK__RELEASE": "2025.10"}) == {
        "openstack": {"release": "2025.10"}}
    assert env_overrides({"STACKLAB__MYSQL__DATABASES": "[nova, glance]"}) == {
        "mysql": {"databases": ["nova", "glance"]}}
    with pytest.raises(SettingsError, match="empty key part"):
        env_overrides({"STACKLAB__HOST____NAME": "x"})


def test_a_provider_brings_its_overrides_but_local_choices_still_win(tmp_path):
    container = load(tmp_path, provider="container")
    raw = yaml.safe_load(DEFAULT_FILE.read_text())
    wanted = raw["providers"]["container"]["overrides"]["host"]
    assert container.host.os == wanted["os"]
    assert container.host.capabilities.ovs_datapath == wanted["capabilities"]["ovs_datapath"]
    chosen = load(tmp_path, provider="container", env={"STACKLAB__HOST__MEMORY_MB": "9000"})
    assert chosen.host.memory_mb == 9000


def test_an_unknown_provider_is_named(tmp_path):
    assert error_for(tmp_path, provider="hyperv").startswith(
        "providers.hyperv: no such provider in the settings")


def test_the_tutorial_literals_live_only_in_the_settings_file():
    """Code must read the tutorial's addresses and passwords from lab.yaml, never repeat them."""
    raw = yaml.safe_load(DEFAULT_FILE.read_text())
    literals = {str(raw["network"]["public"]["address"]), str(raw["network"]["floating"]["cidr"]),
                str(raw["network"]["floating"]["first_ip"])}
    root = DEFAULT_FILE.parents[3]
    offenders = []
    for folder in ("src", "grader", "solutions", "Vagrantfile"):
        base = root / folder
        files = [base] if base.is_file() else [p for p in base.rglob("*") if p.is_file()]
        for path in files:
            skipped = path.suffix in (".pyc", ".ipynb") or "profiles" in path.parts
            if path == DEFAULT_FILE or skipped:
                continue
            text = path.read_text(errors="ignore")
            offenders += [f"{path.relative_to(root)}: {lit}" for lit in literals if lit in text]
    assert not offenders, "tutorial literals outside lab.yaml:\n" + "\n".join(offenders)


@pytest.mark.parametrize(("yaml_text", "words"), [
    ("mysql: {root_password: 0777}\n", "mysql.root_password — the value"),
    ("openstack: {release: 2025.10}\n", 'lab.local.yaml line 1) is read by YAML as a '
                                        'number (2025.1), not text; write it in quotes: '
                                        'release: "2025.10"'),
    ("mysql: {database: yes}\n", 'write it in quotes: database: "yes"'),
    ("mysql: {port: true}\n", "mysql.port: expected a whole number, not True"),
    ("mysql:\n  port: 3306\n  port: 3307\n", "line 3: mysql.port is given twice (first on "
                                              "line 2)"),
    ("providers: {container: {ssh_port: 0}}\n", "ssh_port: 0 is not a port"),
    ("mysql: {database: 'nova; rm -rf /'}\n", "mysql.database: 'nova; rm -rf /' is not a name"),
])
def test_yaml_coercions_and_duplicates_are_errors_naming_the_key(tmp_path, yaml_text, words):
    local = tmp_path / "lab.local.yaml"
    local.write_text(yaml_text)
    with pytest.raises(SettingsError) as caught:
        load_settings(local=local, environ={})
    assert words in caught.value.message
    assert "0777" not in caught.value.message  # a password is never echoed


def test_environment_text_still_becomes_numbers_and_booleans(tmp_path):
    s = load(tmp_path, env={"STACKLAB__HOST__MEMORY_MB": "6144",
                            "STACKLAB__IDENTITY__EC2_CREDENTIALS": "true",
                            "STACKLAB__OPENSTACK__RELEASE": "2025.10"})
    assert (s.host.memory_mb, s.identity.ec2_credentials, s.openstack.release) == \
        (6144, True, "2025.10")


def test_loading_the_settings_registers_their_secrets_for_redaction(tmp_path):
    from stacklab.grading.redact import redact

    load(tmp_path, env={"STACKLAB__RABBITMQ__PASSWORD": "Rabbit-Secret-42"})
    assert redact("amqp said Rabbit-Secret-42 in a log") == "amqp said ***** in a log"
