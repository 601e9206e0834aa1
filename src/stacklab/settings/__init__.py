"""The one source of truth: lab.yaml, its overrides, and their validation."""

from stacklab.settings.cache import cached_settings
from stacklab.settings.loader import DEFAULT_FILE, LOCAL_FILE, load_settings
from stacklab.settings.schema import Settings

__all__ = ["DEFAULT_FILE", "LOCAL_FILE", "Settings", "cached_settings", "load_settings"]
