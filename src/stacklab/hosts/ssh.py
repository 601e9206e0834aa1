"""One way to open an SSH connection to a lab host, shared by the solutions and notebooks."""

from __future__ import annotations

import fabric

from stacklab.hosts.target import Target


def connect(target: Target, *, timeout: float = 15.0) -> fabric.Connection:
    """A fabric Connection to ``target`` (not yet opened: it connects on first use).

    The key comes from ``target.key_file`` when there is one; otherwise paramiko tries the
    SSH agent and the user's default keys. Lab hosts are recreated often, so their host
    keys are accepted on first use and never written to known_hosts.
    """
    if target.local:
        raise ValueError("a local target has no SSH connection: run commands locally instead")
    connect_kwargs: dict[str, object] = {"banner_timeout": timeout, "auth_timeout": timeout}
    if target.key_file:
        connect_kwargs["key_filename"] = [target.key_file]
    return fabric.Connection(host=target.hostname, user=target.user, port=target.port,
                             connect_timeout=timeout, connect_kwargs=connect_kwargs)
