"""A class's inventory: which student works on which host.

Three formats, so instructors reuse what they keep already:

plain (one line per student; '#' starts a comment)::

    alice  ssh://vagrant@10.0.0.11:22  ~/.ssh/class_key
    bob    vagrant@10.0.0.12:2222      key=~/.ssh/bob       provider=container
    carol  vagrant@10.0.0.13  email=carol@example.edu sis_id=S1003 section=A

``email``, ``sis_id`` and ``section`` (also as Ansible host variables) name the student
in an LMS gradebook (``stacklab grade --gradebook moodle|canvas``).

Ansible INI::

    [class]
    alice ansible_host=10.0.0.11 ansible_user=vagrant ansible_ssh_private_key_file=~/.ssh/k
    [class:vars]
    ansible_port=22

Ansible YAML::

    all:
      vars: {ansible_user: vagrant}
      children:
        class:
          hosts:
            alice: {ansible_host: 10.0.0.11, ansible_port: 22}

The whole file is read and checked before any host is contacted: any line that is not an
entry (a stray sentence, a second key file, an unknown provider) stops the run with one
StacklabError naming the file, the line and what a line looks like.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection
from pathlib import Path
from typing import Any

import yaml

from stacklab.errors import StacklabError
from stacklab.hosts.keyfile import problem as key_problem
from stacklab.hosts.target import Target

HOST_KEYS = ("ansible_host", "ansible_ssh_host")
PORT_KEYS = ("ansible_port", "ansible_ssh_port")
USER_KEYS = ("ansible_user", "ansible_ssh_user")
KEY_KEYS = ("ansible_ssh_private_key_file", "ansible_private_key_file")
PROVIDER_KEY = "stacklab_provider"  # the host's kind of lab host (the word the files use)
ROSTER_KEYS = ("email", "sis_id", "section")  # optional: who the student is, for an LMS
NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@+\-]*$")
ALIASES = {old: keys[0] for keys in (HOST_KEYS, PORT_KEYS, USER_KEYS, KEY_KEYS)
           for old in keys[1:]}


def _canonical(values: dict[str, Any]) -> dict[str, Any]:
    """Ansible's older names (ansible_ssh_user …) as the current ones, per layer: a host's
    own ansible_ssh_user must still win over a group's ansible_user."""
    return {ALIASES.get(k, k): v for k, v in values.items() if k != "__lines__"}


PLAIN_LINE = "name ssh://user@host[:port] [KEY_FILE] [key=FILE] [provider=NAME]"


class InventoryError(StacklabError):
    def __init__(self, path: Path, line: int | None, problem: str,
                 hint: str = "see `stacklab grade --help` for the inventory formats") -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {problem}", hint)
        self.line = line


def load_inventory(path: Path, kinds: Collection[str] | None = None) -> list[Target]:
    """The students and their hosts, in file order; one error names a bad line.

    ``kinds`` are the kinds of lab host an entry may name with provider= (default: the
    settings' own).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise StacklabError(f"{path}: not UTF-8 text (byte {exc.start}): not an inventory",
                            "save it as UTF-8 text") from None
    except OSError as exc:
        raise StacklabError(f"{path}: cannot read the inventory ({exc.strerror})") from None
    kind = detect(path, text)
    targets = {"yaml": parse_yaml, "ini": parse_ini, "plain": parse_plain}[kind](path, text)
    if not targets:
        raise InventoryError(path, None, "no hosts in the inventory")
    _known_kinds(path, text, targets, kinds)
    return targets


def _known_kinds(path: Path, text: str, targets: list[Target],
                 kinds: Collection[str] | None) -> None:
    named = {t.kind for t in targets} - {"vagrant"}
    if not named:
        return
    if kinds is None:
        from stacklab.settings import load_settings

        kinds = list(load_settings().kinds)
    for target in targets:
        if target.kind not in kinds:
            line = next((n for n, raw in enumerate(text.splitlines(), 1)
                         if target.kind in raw and target.name in raw), None)
            raise InventoryError(path, line, f"{target.name}: unknown provider "
                                 f"'{target.kind}'",
                                 f"known providers: {', '.join(sorted(kinds))}")


def detect(path: Path, text: str) -> str:
    if path.suffix in (".yml", ".yaml"):
        return "yaml"
    meaningful = [line.strip() for line in text.splitlines()
                  if line.strip() and not line.strip().startswith(("#", ";"))]
    if meaningful and (meaningful[0].startswith("[") or
                       any("ansible_" in line for line in meaningful)):
        return "ini"
    if meaningful and re.match(r"^[\w.-]+:\s*$", meaningful[0]):
        return "yaml"
    return "plain"


def _target(path: Path, line: int, name: str, values: dict[str, Any]) -> Target:
    if not NAME.match(name):
        raise InventoryError(path, line, f"'{name}' is not a usable student name")
    host = next((str(values[k]) for k in HOST_KEYS if values.get(k)), name)
    port_text = next((str(values[k]) for k in PORT_KEYS if values.get(k) is not None), "22")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise InventoryError(path, line, f"{name}: port '{port_text}' is not a number "
                                         "between 1 and 65535")
    fields: dict[str, Any] = {"hostname": host, "port": int(port_text), "name": name}
    user = next((str(values[k]) for k in USER_KEYS if values.get(k)), None)
    if user:
        fields["user"] = user
    key = next((str(values[k]) for k in KEY_KEYS if values.get(k)), None)
    if key:
        fields["key_file"] = _key_file(path, line, name, key)
    if values.get(PROVIDER_KEY):
        fields["kind"] = str(values[PROVIDER_KEY])
    fields.update({k: str(values[k]) for k in ROSTER_KEYS if values.get(k) is not None})
    if not re.fullmatch(r"[A-Za-z0-9.\-:\[\]]+", host):
        raise InventoryError(path, line, f"{name}: '{host}' is not a host name or address")
    return Target(**fields)


def _key_file(path: Path, line: int, name: str, given: str) -> str:
    """The entry's private key file, expanded; a key the kit cannot log in with (missing,
    a folder, a public key, passphrase-protected, not a key) stops the run here."""
    key_file = str(Path(given).expanduser())
    found = key_problem(key_file)
    if found:
        raise InventoryError(path, line, f"{name}: key file {key_file}: {found[0]}", found[1])
    return key_file


def _unique(path: Path, targets: list[tuple[int, Target]]) -> list[Target]:
    seen: dict[str, int] = {}
    for line, target in targets:
        if target.name in seen:
            raise InventoryError(path, line, f"'{target.name}' appears twice (first on line "
                                             f"{seen[target.name]})")
        seen[target.name] = line
    return [t for _, t in targets]


def parse_plain(path: Path, text: str) -> list[Target]:
    found = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            # shlex only where quoting is used: it is 10x slower than str.split
            fields = shlex.split(line) if any(c in line for c in "'\"\\") else line.split()
        except ValueError as exc:
            raise InventoryError(path, number, f"cannot read this line ({exc})") from None
        if len(fields) < 2:
            raise InventoryError(path, number, f"expected '{PLAIN_LINE}'")
        name, url, *rest = fields
        if "://" not in url and "@" not in url:
            raise InventoryError(path, number, f"'{url}' is not an ssh URL: expected "
                                               f"'{PLAIN_LINE}'")
        options: dict[str, str] = {}
        for extra in rest:
            key, sep, value = extra.partition("=")
            if not sep:
                key, value = "key", extra
            if key not in ("key", "provider", *ROSTER_KEYS):
                raise InventoryError(path, number, f"unknown option '{key}' (key=, provider=, "
                                                   "email=, sis_id=, section=)")
            if key in options:
                raise InventoryError(path, number, f"'{extra}': a second {key} on one line: "
                                                   f"expected '{PLAIN_LINE}'")
            if not value:
                raise InventoryError(path, number, f"'{extra}': {key}= needs a value")
            options[key] = value
        try:
            target = Target.from_url(url, name=name)
        except StacklabError as exc:  # a bad URL, or its ?key= file
            raise InventoryError(path, number, exc.message,
                                 *([exc.hint] if exc.hint else [])) from None
        if target.local:
            raise InventoryError(path, number, "'local' cannot be graded from a class run")
        if not NAME.match(name):
            raise InventoryError(path, number, f"'{name}' is not a usable student name")
        if "key" in options:
            target = Target(**{**target.to_dict(),
                               "key_file": _key_file(path, number, name, options["key"])})
        if "provider" in options:
            target = Target(**{**target.to_dict(), "kind": options["provider"]})
        target = Target(**{**target.to_dict(), **{k: options[k] for k in ROSTER_KEYS
                                                    if k in options}})
        found.append((number, target))
    return _unique(path, found)


def parse_ini(path: Path, text: str) -> list[Target]:
    """Ansible's INI inventory: [group], [group:vars], [group:children], host key=value."""
    hosts: dict[str, tuple[int, dict[str, str], list[str]]] = {}
    group_vars: dict[str, dict[str, str]] = {}
    children: dict[str, list[str]] = {}
    section, kind = "ungrouped", "hosts"
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        m = re.fullmatch(r"\[([^\]:]+)(?::(vars|children))?\]", line)
        if m:
            section, kind = m.group(1), m.group(2) or "hosts"
            continue
        if line.startswith("["):
            raise InventoryError(path, number, f"malformed section header {line}")
        try:
            fields = shlex.split(line, comments=True)
        except ValueError as exc:
            raise InventoryError(path, number, f"cannot read this line ({exc})") from None
        if not fields:
            continue
        if kind == "vars":
            key, sep, value = line.partition("=")
            if not sep:
                raise InventoryError(path, number, f"expected key=value in [{section}:vars]")
            group_vars.setdefault(section, {})[ALIASES.get(key.strip(), key.strip())] = \
                value.strip()
        elif kind == "children":
            children.setdefault(section, []).append(fields[0])
        else:
            name, pairs = fields[0], fields[1:]
            values = {}
            for pair in pairs:
                key, sep, value = pair.partition("=")
                if not sep:
                    raise InventoryError(path, number, f"{name}: '{pair}' is not key=value")
                values[ALIASES.get(key, key)] = value
            if re.search(r"\[\d+:\d+\]", name):
                raise InventoryError(path, number, f"{name}: host ranges are not supported; "
                                                   "list one host per student")
            previous = hosts.get(name)
            groups = (previous[2] if previous else []) + [section]
            hosts[name] = (previous[0] if previous else number,
                           {**(previous[1] if previous else {}), **values}, groups)

    parents: dict[str, list[str]] = {}
    for parent, kids in children.items():
        for kid in kids:
            parents.setdefault(kid, []).append(parent)
    done: dict[str, dict[str, str]] = {}

    def inherited(group: str, chain: tuple[str, ...] = ()) -> dict[str, str]:
        # Each group's variables are worked out once (memoised): nested groups that share
        # parents would otherwise be walked once per path, exponentially many.
        if group in done:
            return done[group]
        if group in chain:
            raise InventoryError(path, None, "groups contain each other: "
                                 + " → ".join((*chain[chain.index(group):], group)))
        merged = dict(group_vars.get("all", {}))
        for parent in parents.get(group, []):
            merged.update(inherited(parent, (*chain, group)))
        merged.update(group_vars.get(group, {}))
        done[group] = merged
        return merged

    found = []
    for name, (number, values, groups) in hosts.items():
        merged: dict[str, str] = {}
        for group in groups:
            merged.update(inherited(group))
        merged.update(values)
        found.append((number, _target(path, number, name, merged)))
    found.sort(key=lambda item: item[0])
    return _unique(path, found)


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping key."""


def _construct_mapping(loader, node, deep=False):
    mapping = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        value = loader.construct_object(value_node, deep=deep)
        mapping[key] = value
        mapping.setdefault("__lines__", {})[key] = key_node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(path: Path, text: str) -> list[Target]:
    """Ansible's YAML inventory: groups with hosts, vars and children (from `all`)."""
    try:
        data = yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InventoryError(path, mark.line + 1 if mark else None,
                             f"not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict):
        raise InventoryError(path, 1, "expected a mapping of groups (e.g. all:)")
    found: dict[str, tuple[int, dict[str, Any]]] = {}

    def walk(group: str, body: Any, line: int, inherited: dict[str, Any]) -> None:
        if body is None:
            return
        if not isinstance(body, dict):
            raise InventoryError(path, line, f"group '{group}' must be a mapping with hosts, "
                                             "vars or children")
        lines = body.get("__lines__", {})
        for key in body:
            if key not in ("hosts", "vars", "children", "__lines__"):
                raise InventoryError(path, lines.get(key, line),
                                     f"group '{group}': unknown key '{key}' (hosts, vars, "
                                     "children)")
        variables = {**inherited, **_canonical(body.get("vars") or {})}
        hosts = body.get("hosts") or {}
        if not isinstance(hosts, dict):
            raise InventoryError(path, lines.get("hosts", line),
                                 f"group '{group}': hosts must be a mapping of names")
        host_lines = hosts.get("__lines__", {})
        for name, values in hosts.items():
            if name == "__lines__":
                continue
            at = host_lines.get(name, line)
            if values is not None and not isinstance(values, dict):
                raise InventoryError(path, at, f"host '{name}': expected a mapping of "
                                               "ansible_* variables")
            previous = found.get(str(name), (at, {}))
            found[str(name)] = (previous[0], {**previous[1], **variables,
                                              **_canonical(values or {})})
        kids = body.get("children") or {}
        if not isinstance(kids, dict):
            raise InventoryError(path, lines.get("children", line),
                                 f"group '{group}': children must be a mapping of groups")
        kid_lines = kids.get("__lines__", {})
        for kid, kid_body in kids.items():
            if kid != "__lines__":
                walk(str(kid), kid_body, kid_lines.get(kid, line), variables)

    top_lines = data.get("__lines__", {})
    for group, body in data.items():
        if group != "__lines__":
            walk(str(group), body, top_lines.get(group, 1), {})
    targets = [(line, _target(path, line, name, values)) for name, (line, values) in found.items()]
    targets.sort(key=lambda item: item[0])
    return _unique(path, targets)

