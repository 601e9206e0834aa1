"""Load lab.yaml with its overrides, validate it, and explain any problem in one line.

Layers, later wins:  lab.yaml  <  providers.<name>.overrides  <  lab.local.yaml
<  the file named by STACKLAB_SETTINGS  <  STACKLAB__SECTION__KEY environment variables.
The Vagrantfile applies the same layers in Ruby (see tests/integration/test_vagrantfile.py,
which checks that both agree).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from stacklab.errors import SettingsError
from stacklab.settings.schema import Settings

SETTINGS_DIR = Path(__file__).resolve().parent
DEFAULT_FILE = SETTINGS_DIR / "lab.yaml"
LOCAL_FILE = SETTINGS_DIR / "lab.local.yaml"
ENV_FILE = "STACKLAB_SETTINGS"
ENV_PREFIX = "STACKLAB__"

Layer = tuple[str, dict[str, Any]]  # (where it came from, its values)


def load_settings(
    provider: str = "vagrant",
    *,
    base: Path | None = None,
    local: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read, merge and validate the settings as the given provider sees them."""
    environ = os.environ if environ is None else environ
    base = base or DEFAULT_FILE
    local = LOCAL_FILE if local is None else local
    layers = read_layers(base, local, environ)
    return validate(merge_layers(layers, provider))


def read_layers(base: Path, local: Path, environ: Mapping[str, str]) -> list[Layer]:
    layers: list[Layer] = [(base.name, _read_yaml(base, required=True))]
    if local.exists():
        layers.append((local.name, _read_yaml(local, required=False)))
    if environ.get(ENV_FILE):
        path = Path(environ[ENV_FILE]).expanduser()
        if not path.exists():
            raise SettingsError(f"{ENV_FILE}={path}: no such file",
                                "unset it or point it at a YAML override file")
        layers.append((str(path), _read_yaml(path, required=False)))
    env_layer = env_overrides(environ)
    if env_layer:
        layers.append(("environment", env_layer))
    return layers


def merge_layers(layers: list[Layer], provider: str) -> dict[str, Any]:
    """Deep-merge the layers, slotting the provider's own overrides in after the base file."""
    everything: dict[str, Any] = {}
    for _, values in layers:
        deep_merge(everything, values)
    providers = everything.get("providers") or {}
    if provider not in providers:
        known = ", ".join(sorted(providers)) or "none"
        raise SettingsError(f"providers.{provider}: no such provider in the settings",
                            f"known providers: {known}")
    overrides = (providers[provider] or {}).get("overrides") or {}
    merged: dict[str, Any] = copy.deepcopy(layers[0][1])
    deep_merge(merged, overrides)
    for _, values in layers[1:]:
        deep_merge(merged, values)
    merged["providers"] = providers
    return merged


def validate(raw: dict[str, Any]) -> Settings:
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise SettingsError(describe(exc), "fix it in lab.yaml or in your override") from None


def describe(exc: ValidationError) -> str:
    """One line for the first problem: 'settings: <key>: <what is wrong>'."""
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"])
    kind, given = err["type"], err.get("input")
    if kind == "missing":
        return f"settings: missing key {key}"
    if kind == "extra_forbidden":
        return f"settings: unknown key {key} (a typo?)"
    if kind == "ip_v4_network":
        return f"settings: {key}: '{given}' is not a valid CIDR (e.g. 10.0.0.0/26)"
    if kind == "ip_v4_address":
        return f"settings: {key}: '{given}' is not a valid IPv4 address"
    if kind == "value_error":
        text = str(err["ctx"]["error"]) if "ctx" in err else err["msg"]
        return f"settings: {text}" if not key else f"settings: {key}: {text}"
    return f"settings: {key}: {err['msg'].lower()} (got {given!r})"


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
        return yaml.safe_load(value)
    return value


def deep_merge(into: dict[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in values.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            deep_merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)
    return into


def _read_yaml(path: Path, *, required: bool) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        if required:
            raise SettingsError(f"{path}: settings file not found") from None
        return {}
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
