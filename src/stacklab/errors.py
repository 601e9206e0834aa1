"""Errors a learner or an instructor may see.

Every error the kit raises on purpose is a :class:`StacklabError`: the command line prints
its message as one line (plus an optional hint) and exits, never with a traceback.
"""

from __future__ import annotations


class StacklabError(Exception):
    """An error with a message meant for people: what went wrong and what to do."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class SettingsError(StacklabError):
    """The settings file or one of its overrides holds a bad or missing value."""


class NotYetAvailable(StacklabError):
    """A command whose work has not been built yet."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is not yet available in this version of stacklab")
