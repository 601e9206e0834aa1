"""Load lab.yaml with its overrides, validate it, and explain any problem in one line.

Layers, later wins:  lab.yaml  <  providers.<kind>.overrides  <  lab.local.yaml
<  the file named by STACKLAB_SETTINGS  <  STACKLAB__SECTION__KEY environment variables.
The Vagrantfile applies the same layers in Ruby (see tests/integration/test_vagrantfile.py,
which checks that both agree).

Files are read strictly: a key given twice in one mapping is an error, and where YAML
turned unquoted text into a number, boolean or date the error quotes what was written
and the quoting to use. Unreadable files (a folder, not UTF-8) and bad YAML in an
environment value are one line each. The settings' secrets are registered with the
redaction filter (stacklab.grading.redact) as soon as they are loaded.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from stacklab.errors import SettingsError
from stacklab.grading.redact import register, settings_secrets
from stacklab.settings.schema import Settings

SETTINGS_DIR = Path(__file__).resolve().parent
DEFAULT_FILE = SETTINGS_DIR / "lab.yaml"
LOCAL_FILE = SETTINGS_DIR / "lab.local.yaml"
ENV_FILE = "STACKLAB_SETTINGS"
ENV_PREFIX = "STACKLAB__"

Layer = tuple[str, dict[str, Any]]  # (where it came from, its values)
# Where a plain (unquoted) YAML scalar that is not text came from, by its key path, so that
# an error can quote what was written ("0777") rather than what YAML made of it (511).
Origin = tuple[str, int, str]  # (file, line, the text as written)
SECRET_KEY = re.compile(r"passw|secret|token|credential")


def load_settings(
    kind: str = "vagrant",
    *,
    base: Path | None = None,
    local: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read, merge and validate the settings as the given kind of lab host sees them
    (``vagrant`` or ``container``: a section under ``providers`` in the file)."""
    environ = os.environ if environ is None else environ
    base = base or DEFAULT_FILE
    local = LOCAL_FILE if local is None else local
    origins: dict[tuple[str, ...], Origin] = {}
    layers = read_layers(base, local, environ, origins)
    settings = validate(merge_layers(layers, kind), origins, kind)
    register(settings_secrets(settings))  # every later report, log and error masks them
    return settings


def read_layers(base: Path, local: Path, environ: Mapping[str, str],
                origins: dict[tuple[str, ...], Origin] | None = None) -> list[Layer]:
    origins = {} if origins is None else origins
    layers: list[Layer] = [(base.name, _read_yaml(base, required=True, origins=origins))]
    if local.exists():
        layers.append((local.name, _read_yaml(local, required=False, origins=origins)))
    if environ.get(ENV_FILE):
        path = Path(environ[ENV_FILE]).expanduser()
        if not path.exists():
            raise SettingsError(f"{ENV_FILE}={path}: no such file",
                                "unset it or point it at a YAML override file")
        if not path.is_file():
            raise SettingsError(f"{ENV_FILE}={path}: not a file",
                                "point it at a YAML override file, not a folder")
        layers.append((str(path), _read_yaml(path, required=False, origins=origins)))
    env_layer = env_overrides(environ)
    if env_layer:
        layers.append(("environment", env_layer))
    return layers


def merge_layers(layers: list[Layer], kind: str) -> dict[str, Any]:
    """Deep-merge the layers, slotting the kind's own overrides in after the base file."""
    everything: dict[str, Any] = {}
    for _, values in layers:
        deep_merge(everything, values)
    kinds = everything.get("providers") or {}  # the file's name for the kinds' section
    if kind not in kinds:
        known = ", ".join(sorted(kinds)) or "none"
        raise SettingsError(f"providers.{kind}: no such provider in the settings",
                            f"known providers: {known}")
    overrides = (kinds[kind] or {}).get("overrides") or {}
    merged: dict[str, Any] = copy.deepcopy(layers[0][1])
    deep_merge(merged, overrides)
    for _, values in layers[1:]:
        deep_merge(merged, values)
    merged["providers"] = kinds
    return merged


def validate(raw: dict[str, Any], origins: Mapping[tuple[str, ...], Origin] | None = None,
             kind: str = "vagrant") -> Settings:
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise SettingsError(describe(exc, origins or {}, kind),
                            "fix it in lab.yaml or in your override") from None


def describe(exc: ValidationError, origins: Mapping[tuple[str, ...], Origin] | None = None,
             kind: str = "vagrant") -> str:
    """One line for the first problem: 'settings: <key>: <what is wrong>'."""
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"])
    kind, given = err["type"], err.get("input")
    if kind == "string_type" and not isinstance(given, (dict, list)) and given is not None:
        return _not_text(key, err["loc"], given, origins or {}, kind)
    if kind == "missing":
        return f"settings: missing key {key}"
    if kind == "extra_forbidden":
        return f"settings: unknown key {key} (a typo?)"
    if kind == "ip_v4_network":
        return _line(key, f"'{given}' is not a valid CIDR (e.g. 10.0.0.0/26)")
    if kind == "ip_v4_address":
        return _line(key, f"'{given}' is not a valid IPv4 address")
    if kind == "value_error":
        text = str(err["ctx"]["error"]) if "ctx" in err else err["msg"]
        return f"settings: {text}" if not key else _line(key, text)
    if key and SECRET_KEY.search(key):  # never echo a password, not even a wrong one
        return _line(key, err["msg"].lower())
    return _line(key, f"{err['msg'].lower()} (got {given!r})")


def _line(key: str, text: str) -> str:
    # 'password: <text>' would read as a password to the redaction filter, which would
    # mask the explanation: a secret's key gets a dash instead of the colon
    return f"settings: {key} — {text}" if SECRET_KEY.search(key) else f"settings: {key}: {text}"


def _not_text(key: str, loc: tuple, given: Any, origins: Mapping[tuple[str, ...], Origin],
              kind: str) -> str:
    """A number, boolean or date where text is meant: say what was written and how to
    quote it (YAML reads 0777 as 511, 2025.10 as 2025.1 and yes as true)."""
    path = tuple(str(p) for p in loc)
    origin = origins.get(path) or origins.get(("providers", kind, "overrides", *path))
    what = ("a boolean" if isinstance(given, bool) else
            "a number" if isinstance(given, (int, float)) else
            "a date" if hasattr(given, "isoformat") else "not text")
    written = origin[2] if origin else str(given)
    where = f" ({origin[0]} line {origin[1]})" if origin else ""
    if SECRET_KEY.search(path[-1]):  # never echo a password, not even a mistyped one
        return (f"settings: {key} — the value{where} is read by YAML as {what}, not text; "
                f"write it in quotes: {path[-1]} \"...\"")
    return (f"settings: {key}: {written}{where} is read by YAML as {what} ({given!r}), not "
            f"text; write it in quotes: {path[-1]}: \"{written}\"")


def env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """STACKLAB__HOST__MEMORY_MB=6144 → {'host': {'memory_mb': '6144'}}."""
    tree: dict[str, Any] = {}
    for name, value in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX:
            continue
        path = [part.lower() for part in name[len(ENV_PREFIX):].split("__")]
        if any(not part for part in path):
            raise SettingsError(f"{name}: empty key part", "write STACKLAB__SECTION__KEY=value")
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = parse_env_value(value)
    return tree


def parse_env_value(value: str) -> Any:
    # Lists and maps are YAML; scalars stay strings and the schema converts them, so that
    # e.g. a release "2025.10" is never read as the number 2025.1.
    if value.strip().startswith(("[", "{")):
        try:
            return yaml.safe_load(value)
        except yaml.YAMLError as exc:
            raise SettingsError(f"environment value {value!r}: not valid YAML "
                                f"({getattr(exc, 'problem', None) or 'cannot be read'})",
                                "write a list as [a, b] and a mapping as {key: value}") \
                from None
    return value


def deep_merge(into: dict[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in values.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            deep_merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)
    return into


def _read_yaml(path: Path, *, required: bool,
               origins: dict[tuple[str, ...], Origin] | None = None) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if required:
            raise SettingsError(f"{path}: settings file not found") from None
        return {}
    except IsADirectoryError:
        raise SettingsError(f"{path}: is a folder, not a settings file") from None
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path}: not UTF-8 text (byte {exc.start})",
                            "save the file as UTF-8") from None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read it ({exc.strerror})") from None
    try:
        data = load_strict_yaml(text, str(path), origins)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where else ""
        raise SettingsError(f"{path}{line}: not valid YAML ({getattr(exc, 'problem', exc)})",
                            "check the indentation and quoting there") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: expected a mapping of sections at the top level")
    return data


def load_strict_yaml(text: str, where: str,
                     origins: dict[tuple[str, ...], Origin] | None = None) -> Any:
    """safe_load, but a key given twice in one mapping is an error (YAML would keep the
    last silently), and plain scalars YAML does not read as text are noted in origins."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _walk(node, (), where, {} if origins is None else origins, set())
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _walk(node: yaml.Node, path: tuple[str, ...], where: str,
          origins: dict[tuple[str, ...], Origin], seen_nodes: set[int]) -> None:
    if id(node) in seen_nodes:  # an alias: walked once, so '&a [*b, *b]' chains stay linear
        return
    seen_nodes.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen and key != "<<":
                name = ".".join((*path, key))
                raise SettingsError(f"{where} line {line}: {name} is given twice (first on "
                                    f"line {seen[key]})", "keep one of them") from None
            seen[key] = line
            _walk(value_node, (*path, key), where, origins, seen_nodes)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, str(index)), where, origins, seen_nodes)
    elif isinstance(node, yaml.ScalarNode) and node.style is None \
            and node.tag != "tag:yaml.org,2002:str":
        origins[path] = (where, node.start_mark.line + 1, node.value)
