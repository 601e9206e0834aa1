"""`stacklab up` / `stacklab down`: start or remove the lab host."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import click

from stacklab import paths
from stacklab.errors import NotYetAvailable, StacklabError
from stacklab.hosts.target import read_lab_state
from stacklab.labhost import vagrant

PROVIDERS = ("auto", "virtualbox", "libvirt", "vmware_desktop", "parallels", "container")


def _container_module() -> ModuleType:
    try:
        return importlib.import_module("stacklab.labhost.container")
    except ModuleNotFoundError:
        raise NotYetAvailable("the container lab host (--provider container)") from None


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
    if solve_until is not None:
        from stacklab.catalog import lab

        lab(solve_until)  # a bad lab number fails before any host is started
    if provider == "auto":
        provider = _pick_provider()
        click.echo(f"stacklab: using the {provider} provider (see `stacklab doctor`)")
    if provider == "container":
        target = _container_module().up()
    else:
        target = vagrant.up(paths.kit_root(), provider, solve_until)
        solve_until = None  # the Vagrantfile's provisioner did it
    click.secho(f"The lab host is up: {target.url}", fg="green")
    if solve_until:
        from stacklab.cli.solve import solve

        click.get_current_context().invoke(solve, until=solve_until)


@click.command()
@click.option("--yes", "-y", is_flag=True, help="Do not ask before deleting a Vagrant VM.")
def down(yes: bool) -> None:
    """Remove the lab host and everything `up` created. Safe to run twice."""
    state = read_lab_state() or {}
    provider = state.get("target", {}).get("provider", "vagrant")
    if provider == "container" or (not state and _container_wanted()):
        _container_module().down()
        return
    if not yes:
        if not click.get_text_stream("stdin").isatty():
            raise StacklabError("`stacklab down` deletes the lab VM and all work in it",
                                "run it again with --yes to confirm")
        click.confirm("This deletes the lab VM and everything done in it. Continue?",
                      abort=True)
    vagrant.down(paths.kit_root())


def _container_wanted() -> bool:
    """No lab state: a container instance still there, or one named in the environment."""
    try:
        module = _container_module()
        return bool(os.environ.get(module.NAME_ENV)) or module.exists()
    except StacklabError:
        return False


def _pick_provider() -> str:
    from stacklab.doctor import diagnose
    from stacklab.settings import load_settings

    d = diagnose(load_settings(), container_settings=load_settings("container"))
    if not d.providers:
        raise StacklabError("no provider can start the lab host on this machine",
                            "run `stacklab doctor` for what is missing and how to fix it")
    return d.providers[0]
