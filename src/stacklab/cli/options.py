"""Options shared by several commands."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import click

from stacklab.errors import StacklabError
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


class Seconds(click.ParamType):
    """A time limit in seconds: a finite number within [low, high]. Anything else (nan, inf,
    0, a negative number, a word) stops the command with one line naming the option."""

    name = "seconds"

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            seconds = math.nan
        if not (math.isfinite(seconds) and seconds > 0 and self.low <= seconds <= self.high):
            option = param.opts[0] if param is not None and param.opts else "time limit"
            raise StacklabError(f"{option} {value}: not a usable time limit",
                                f"give a number of seconds from {self.low:g} to "
                                f"{self.high:g}")
        return seconds

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "SECONDS"


def check_up_inputs(kind: str, solve_until: str | None) -> None:
    """`stacklab up`'s inputs, checked before anything starts: the settings its kind of lab
    host will use (a bad value names its key) and the lab of --solve-until."""
    from stacklab.catalog import lab
    from stacklab.settings import load_settings

    load_settings(kind)
    if solve_until is not None:
        lab(solve_until)
