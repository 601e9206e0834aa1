"""The one family of errors for a host that cannot be reached, with one wording."""

from __future__ import annotations

from stacklab.errors import StacklabError

# status → what to try, for a command line; the reason itself already says what happened
HINTS = {
    "refused": "check the user and key: --host ssh://USER@HOST:PORT?key=FILE",
    "unreachable": "is the lab host running? `stacklab up` starts it; `stacklab doctor` "
                   "explains what is missing",
    "timeout": "is the lab host running and is that its SSH port? `stacklab doctor` helps",
    "hostkey": "nothing was sent to that host; see the reason for what to do",
    "error": "try again; if it persists, run `stacklab doctor`",
}
STATUSES = tuple(HINTS)


class HostUnreachable(StacklabError):
    """No command can run on the host.

    ``status`` is one of refused (the login), unreachable (nothing answers), timeout
    (something answers too slowly or not in SSH), hostkey (the host's key is unknown or not
    the one expected: nothing was sent to it) and error (the connection failed otherwise).
    ``reason`` is one line a teacher can act on: where, then what happened.
    """

    def __init__(self, status: str, where: str, what: str) -> None:
        if status not in HINTS:
            raise ValueError(f"unknown status {status!r}")
        self.status = status
        self.where = where
        self.reason = f"{where}: {what}"
        super().__init__(f"cannot reach the lab host {self.reason}", HINTS[status])
