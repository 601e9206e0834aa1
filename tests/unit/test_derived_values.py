"""Values derived from the settings are computed once, on the settings model
(settings/derived.py), and every text uses them.

Two ways to catch a raw settings key where a derived value is meant:
- the sources (lab texts, solution steps, graders, the kit's grading/solve/notebooks code)
  must not hold the raw expressions a derived value replaces (RAW_FORMS);
- every lab text and every solution step, rendered for both guest image sources (the
  offline guest and CirrOS), names the derived value wherever it names the thing: the ssh
  login to the guest, Keystone's URL, the RabbitMQ URL, the floating allocation pool.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from ipaddress import IPv4Address
from pathlib import Path

import pytest

from stacklab import paths
from stacklab.catalog import LABS
from stacklab.notebooks.labtext import Directive, Prose
from stacklab.notebooks.labtext import load as load_lab_text
from stacklab.settings import Settings, load_settings
from stacklab.solve.catalog import load as load_solutions

ROOT = paths.kit_root()
SOURCES = ("labs/*.md", "solutions/steps/*.yaml", "grader/*.py",
           "src/stacklab/solve/**/*.py", "src/stacklab/notebooks/**/*.py",
           "src/stacklab/grading/**/*.py")

# derived value -> the raw expressions that would work it out again by hand
RAW_FORMS: dict[str, tuple[str, ...]] = {
    "login_user": (r"image\.(cirros\.)?login_user",),
    "keystone_url, keystone_address_url": (r":5000\b",),
    "transport_url, transport_url_shown": (r"rabbit://",),
    "db_url": (r"mysql\+pymysql://",),
    "db_host": (r"@127\.0\.0\.1/", r"-h 127\.0\.0\.1\b", r"or 127\.0\.0\.1\b"),
    "db_client": (r"-h \{\{ db_host \}\}", r"-h \{settings\.db_host\}"),
    "db_user, db_users": (r"startswith\(.nova.\)",),
    "floating_pool, router_gateway_ip": (r"broadcast_address", r"allocation.pool\S*\s+`?\{\{ "
                                         r"network\.floating\.cidr"),
    "fixed_size": (r"num_addresses",),
    "netdev": (r"ovs_datapath\s*==",),
    "rbd": (r"volume_backend\s*==",),
    "project_security_group": (r"security group list --project",),
}
# (file, pattern): where a raw form stays on purpose, and why
KEPT = {
    # the grader's hint shows the tutorial's form (the lab address) with the password
    # masked, as one of the two forms the check accepts
    ("grader/test_06_nova_controller.py", r"mysql\+pymysql://"),
}


def source_files() -> list[Path]:
    return sorted({p for pattern in SOURCES for p in ROOT.glob(pattern)})


def raw_forms_in(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    where = path.relative_to(ROOT).as_posix()
    return [f"{where}:{text.count(chr(10), 0, m.start()) + 1}: {m.group()!r} works out "
            f"{name} again"
            for name, patterns in RAW_FORMS.items() for pattern in patterns
            if (where, pattern) not in KEPT
            for m in re.finditer(pattern, text)]


def test_no_source_works_a_derived_value_out_again():
    files = source_files()
    assert len(files) > 40, "the sources were not found"
    found = [line for path in files for line in raw_forms_in(path)]
    assert not found, "\n".join(found)


def test_the_raw_forms_are_found_where_they_are_written(tmp_path, monkeypatch):
    """The scan itself sees a raw form (else the test above could never fail)."""
    labs = tmp_path / "labs"
    labs.mkdir()
    (labs / "99-x.md").write_text("ssh {{ image.login_user }}@host\nOS_AUTH_URL=http://"
                                  "{{ network.public.address }}:5000/v3\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    found = raw_forms_in(labs / "99-x.md")
    assert [line.split(":")[1] for line in found] == ["1", "2"], found


def rendered_texts(settings: Settings) -> dict[str, list[str]]:
    lab_texts = [block.text if isinstance(block, Prose) else block.body
                 for lab in LABS
                 for block in load_lab_text(ROOT, lab, settings.as_dict())
                 if isinstance(block, Prose | Directive)]
    solutions = [repr(step) for solution in load_solutions(settings) for step in solution.steps]
    return {"lab texts": lab_texts, "solutions": solutions}


def _guest_logins(s: Settings) -> str:
    return rf"([A-Za-z_][\w.-]*)@{re.escape(str(s.network.floating.first_ip))}\b"


Finder = Callable[[Settings], str]
Allowed = Callable[[Settings], set]
BOTH = ("lab texts", "solutions")
# how a text names each derived value: (a pattern for it, the values it may have there,
# the texts that name it at least once)
NAMED: dict[str, tuple[Finder, Allowed, tuple[str, ...]]] = {
    "login_user": (_guest_logins, lambda s: {s.login_user}, BOTH),
    "keystone_url": (lambda s: r"(https?://[^\s/'\"`]+:5000)\b",
                     lambda s: {s.keystone_url, s.keystone_address_url.removesuffix("/v3")},
                     ("solutions",)),
    "transport_url": (lambda s: r"(rabbit://[^\s'\"`|\\]+)",
                      lambda s: {s.transport_url, s.transport_url_shown}, BOTH),
    "floating_pool": (lambda s: r"(?:start=|allocation pool )([\d.]+)(?:,end=|–)([\d.]+)",
                      lambda s: {(str(s.floating_pool.start), str(s.floating_pool.end))}, BOTH),
}


@pytest.mark.parametrize("source", ["offline", "cirros"])
@pytest.mark.parametrize("value", sorted(NAMED))
def test_every_text_names_the_derived_value(source, value):
    settings = load_settings(environ={"STACKLAB__IMAGE__SOURCE": source})
    finder, allowed, named_in = NAMED[value]
    for where, texts in rendered_texts(settings).items():
        found = {m for text in texts for m in re.findall(finder(settings), text)}
        assert found or where not in named_in, f"the {where} never name {value}"
        assert found <= allowed(settings), (where, source, sorted(found - allowed(settings)))


def test_the_login_user_follows_the_image_source():
    offline = load_settings(environ={"STACKLAB__IMAGE__SOURCE": "offline"})
    cirros = load_settings(environ={"STACKLAB__IMAGE__SOURCE": "cirros"})
    assert offline.login_user == offline.image.login_user
    assert cirros.login_user == cirros.image.cirros.login_user != cirros.image.login_user
    assert cirros.as_dict()["login_user"] == cirros.login_user  # the texts' name for it


def test_the_floating_pool_leaves_out_what_the_lab_network_keeps():
    # the range starts at the lab network's own address (.0), which is not handed out
    s = load_settings(environ={"STACKLAB__NETWORK__FLOATING__CIDR": "172.16.4.0/28",
                               "STACKLAB__NETWORK__FLOATING__FIRST_IP": "172.16.4.1",
                               "STACKLAB__NETWORK__PUBLIC__ADDRESS": "172.16.4.100",
                               "STACKLAB__NETWORK__PUBLIC__GATEWAY": "172.16.4.101"})
    assert (s.floating_pool.start, s.floating_pool.end) == (IPv4Address("172.16.4.1"),
                                                            IPv4Address("172.16.4.15"))
    assert s.router_gateway_ip == s.floating_pool.end
    assert s.as_dict()["floating_pool"] == {"start": "172.16.4.1", "end": "172.16.4.15"}
    default = load_settings()  # the tutorial's 172.16.4.224/27: its last one is broadcast
    assert (str(default.floating_pool.start), str(default.router_gateway_ip)) == (
        "172.16.4.224", "172.16.4.254")


def test_derived_values_are_in_the_templates_but_not_in_the_raw_sections():
    s = load_settings()
    assert set(s.raw_dict()) == set(Settings.model_fields)
    derived = set(s.as_dict()) - set(s.raw_dict())
    assert {"login_user", "keystone_url", "floating_pool", "router_gateway_ip",
            "transport_url", "project_security_group", "fixed_size", "db_host"} <= derived
    assert s.keystone_url == f"http://{s.host.name}:5000"
    assert s.fixed_size == s.network.fixed.cidr.num_addresses == 64
