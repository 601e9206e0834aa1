"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from stacklab.hosts.target import Target, default_target


def accept_new_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """--accept-new: record the key of a host seen for the first time (see hosts.hostkeys)."""
    def accept(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if value:
            from stacklab.hosts.hostkeys import allow_accept_new

            allow_accept_new()

    return click.option("--accept-new", is_flag=True, expose_value=False, callback=accept,
                        help="Record the SSH key of a host not yet in known_hosts (its "
                             "first contact), like OpenSSH's StrictHostKeyChecking="
                             "accept-new. A changed key is still refused.")(func)


def target_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--host / --local / --accept-new: which lab host to work on (default: the one
    `stacklab up` started), and whether to record its key on first contact."""
    func = accept_new_option(func)
    func = click.option("--local", is_flag=True,
                        help="Work on this machine itself (run inside the lab host).")(func)
    func = click.option("--host", "host_url", metavar="ssh://USER@HOST[:PORT]",
                        help="The lab host to use (default: the VM or container "
                             "`stacklab up` started).")(func)
    return func


def resolve_target(host_url: str | None, local: bool) -> Target:
    if host_url and local:
        raise click.UsageError("give either --host or --local, not both")
    if local:
        return Target(local=True)
    if host_url:
        return Target.from_url(host_url)
    return default_target()
