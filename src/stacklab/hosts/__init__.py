"""Lab hosts: how to name one (Target) and how to reach it."""

from stacklab.hosts.target import Target, default_target

__all__ = ["Target", "default_target"]
