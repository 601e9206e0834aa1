"""The one source of truth: lab.yaml, its overrides, their validation, and the values
derived from them (settings/derived.py: computed once, read by every part of the kit)."""

from stacklab.settings.cache import cached_settings
from stacklab.settings.loader import DEFAULT_FILE, LOCAL_FILE, load_settings
from stacklab.settings.schema import Settings

__all__ = ["DEFAULT_FILE", "LOCAL_FILE", "Settings", "cached_settings", "load_settings"]
