"""`stacklab up` / `stacklab down`: start or remove the lab host, whatever its kind
(labhost/kinds.py: a container or a Vagrant VM)."""

from __future__ import annotations

import sys

import click

from stacklab.errors import StacklabError
from stacklab.hosts.target import clear_lab_state, read_lab_state
from stacklab.labhost import kinds

PROVIDERS = ("auto", "virtualbox", "libvirt", "vmware_desktop", "parallels", "container")


@click.command()
@click.option("--provider", type=click.Choice(PROVIDERS), default="auto", show_default=True,
              help="Where the lab host runs: a Vagrant provider, or `container` "
                   "(root on Linux, no hypervisor needed).")
@click.option("--solve-until", metavar="LAB",
              help="Start already caught up to LAB (applies the reference solution).")
def up(provider: str, solve_until: str | None) -> None:
    """Start the lab host the tutorial assumes.

    Its host name, addresses and second disk come from the settings file.
    """
    from stacklab.cli.options import check_up_inputs

    check_up_inputs(provider, solve_until)  # bad settings or lab: stop before starting
    if provider == "auto":
        provider = _pick_provider()
        click.echo(f"stacklab: using the {provider} provider (see `stacklab doctor`)")
    kind = kinds.kind_for(provider)
    target = kind.up(solve_until)
    click.secho(f"The lab host is up: {target.url}", fg="green")
    if solve_until and not kind.solves_in_up:
        from stacklab.cli.solve import solve

        click.get_current_context().invoke(solve, until=solve_until)


@click.command()
@click.option("--yes", "-y", is_flag=True, help="Do not ask before deleting a Vagrant VM.")
def down(yes: bool) -> None:
    """Remove the lab host and everything `up` created. Safe to run twice."""
    found = kinds.present(read_lab_state())
    if not found:
        clear_lab_state()
        click.echo("stacklab: nothing to remove (no lab host is up on this machine)")
        return
    for kind in found:
        if kind.confirm and not yes:
            if not sys.stdin.isatty():
                raise StacklabError("`stacklab down` deletes the lab VM and all work in it",
                                    "run it again with --yes to confirm")
            click.confirm(kind.confirm, abort=True)
        kind.down()


def _pick_provider() -> str:
    from stacklab.doctor import diagnose
    from stacklab.settings import load_settings

    d = diagnose(load_settings(), container_settings=load_settings("container"))
    if not d.providers:
        raise StacklabError("no provider can start the lab host on this machine",
                            "run `stacklab doctor` for what is missing and how to fix it")
    return d.providers[0]
