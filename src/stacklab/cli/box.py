"""`stacklab box build`: the offline lab host image."""

from __future__ import annotations

import time

import click

from stacklab.labhost.steps import Steps


@click.group()
def box() -> None:
    """The offline classroom box (a Debian 13 lab host with every package cached)."""


@box.command()
@click.option("--no-vagrant", is_flag=True, help="Skip the Vagrant libvirt box.")
def build(no_vagrant: bool) -> None:
    """Build the offline box (cached; rebuilt only when its inputs change)."""
    from stacklab.labhost.box import build_box

    started = time.monotonic()
    built = build_box(steps=Steps("box"), vagrant=not no_vagrant)
    took = time.monotonic() - started
    for art in built.artifacts():
        how = "cached" if art.cache_hit else f"built in {art.manifest['build_seconds']:.0f} s"
        size = art.manifest.get("size_bytes", 0) / 2**20
        click.echo(f"{art.kind:8} {how:>16}  {size:8.0f} MiB  {art.path}")
    hit = all(a.cache_hit for a in built.artifacts())
    click.secho(f"box ready in {took:.1f} s ({'cache hit' if hit else 'built'})", fg="green")
