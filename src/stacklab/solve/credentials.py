"""The OpenStack credentials files a step (or a notebook cell) sources first."""

from __future__ import annotations

from stacklab.errors import StacklabError
from stacklab.settings import Settings

KINDS = ("admin", "project")  # a step's `credentials:`; a cell's `%%vm --rc`


def rc_file_names(settings: Settings) -> dict[str, str]:
    """admin | project → the file's name in the SSH user's home on the lab host."""
    return {"admin": settings.openstack.admin_rc_file, "project": settings.identity.rc_file}


def rc_files(settings: Settings) -> dict[str, str]:
    """admin | project → the file as a shell path (``~/admin-openrc``)."""
    return {kind: f"~/{name}" for kind, name in rc_file_names(settings).items()}


def rc_file(settings: Settings, which: str) -> str:
    """The name of one credentials file in the SSH user's home: 'admin' or 'project'."""
    names = rc_file_names(settings)
    if which not in names:
        raise StacklabError(f"--rc {which}: unknown credentials", "use --rc admin or --rc project")
    return names[which]
