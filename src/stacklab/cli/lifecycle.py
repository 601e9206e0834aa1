"""`stacklab up` / `stacklab down`: start or remove the lab host, whatever its kind
(labhost/kinds.py: a container or a Vagrant VM), through the kinds' one interface.

The flag keeps its name, `--provider`: its values are the container or one of Vagrant's
providers (or `auto`); labhost.kinds turns it into a kind."""

from __future__ import annotations

import sys

import click

from stacklab.errors import StacklabError
from stacklab.hosts.target import clear_lab_state, read_lab_state
from stacklab.labhost import kinds


@click.command()
@click.option("--provider", type=click.Choice(kinds.CHOICES), default=kinds.AUTO,
              show_default=True,
              help="Where the lab host runs: a Vagrant provider, or `container` "
                   "(root on Linux, no hypervisor needed).")
@click.option("--solve-until", metavar="LAB",
              help="Start already caught up to LAB (applies the reference solution).")
def up(provider: str, solve_until: str | None) -> None:
    """Start the lab host the tutorial assumes.

    Its host name, addresses and second disk come from the settings file.
    """
    from stacklab.cli.options import check_up_inputs

    # bad settings or lab: stop before starting
    check_up_inputs(kinds.kind_for(provider).name, solve_until)
    kind = kinds.choose(provider, say=click.echo)
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
