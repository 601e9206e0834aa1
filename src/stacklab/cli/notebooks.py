"""`stacklab notebooks build|check|open`: the notebooks, generated from labs/, and JupyterLab
on the set that matches the lab host."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from stacklab.cli.options import accept_new_option
from stacklab.errors import StacklabError
from stacklab.paths import kit_root


def _lab_text_errors(work):
    """Run `work()`; a broken lab text is one line (file:line), never a traceback."""
    from stacklab.notebooks.labtext import LabTextError

    try:
        return work()
    except LabTextError as exc:
        raise StacklabError(str(exc), "fix the lab text, then build again") from None


def _known_kind(kind: str) -> str:
    """`--provider NAME` (the flag keeps its name): a kind of lab host with a set."""
    from stacklab.notebooks.sync import kinds

    if kind not in kinds():
        raise click.BadParameter(f"{kind!r} (known: {', '.join(kinds())})",
                                 param_hint="--provider")
    return kind


@click.group()
def notebooks() -> None:
    """Generate the learners' and instructors' notebooks from labs/, and open them."""


@notebooks.command()
@click.option("--provider", metavar="NAME",
              help="Build only this lab host's set (vagrant: notebooks/; container: "
                   "notebooks/container/). Default: every set.")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path),
              help="Write DIR/notebooks/ and DIR/solutions/notebooks/ instead of the "
                   "checkout's own folders.")
def build(provider: str | None, output: Path | None) -> None:
    """Write notebooks/ and solutions/notebooks/ from labs/ (deterministic)."""
    from stacklab.notebooks.sync import build as build_all
    from stacklab.notebooks.sync import default_inputs, every_set

    root = kit_root()
    sets = _lab_text_errors(lambda: [default_inputs(root, _known_kind(provider), output)]
                            if provider else every_set(root, output))
    written = _lab_text_errors(lambda: build_all(sets))
    for path in written:
        click.echo(f"wrote {path.relative_to(sets[0].out_root)}")
    click.echo(f"{len(written)} notebook(s) written, the others were already up to date")


@notebooks.command(name="check")
def check_drift() -> None:
    """Fail when the committed notebooks (every set) differ from what `build` would write."""
    from stacklab.notebooks.sync import drift, every_set

    lines = _lab_text_errors(lambda: drift(every_set(kit_root())))
    for line in lines:
        click.secho(line, fg="red")
    if lines:
        sys.exit(1)
    click.echo("✔ every notebook matches labs/")


@notebooks.command(name="open", context_settings={"ignore_unknown_options": True,
                                                  "allow_interspersed_args": False})
@click.option("--instructor", is_flag=True,
              help="The instructors' notebooks (solutions/notebooks/) instead of the learners'.")
@click.option("--provider", metavar="NAME",
              help="The set for this lab host (vagrant, container) instead of the running one's.")
@click.option("--host", metavar="ssh://USER@HOST[:PORT]",
              help="Work on this lab host (e.g. yours from `stacklab class up`): its URL, "
                   "or its line of the class's inventory. Its kind picks the set "
                   "(?kind=container: notebooks/container/).")
@click.option("--key", type=click.Path(path_type=Path), metavar="FILE",
              help="The private key for --host (default: the key= of its URL or line).")
@click.option("--print-command", is_flag=True,
              help="Print the JupyterLab command line instead of running it.")
@accept_new_option
@click.argument("jupyter_args", nargs=-1, type=click.UNPROCESSED)
def open_notebooks(instructor: bool, provider: str | None, host: str | None,
                   key: Path | None, print_command: bool,
                   jupyter_args: tuple[str, ...]) -> None:
    """Start JupyterLab on the notebooks of the lab host that is up, or of --host.

    The host `stacklab up` started decides the set: the container lab host's
    (notebooks/container/) or the Vagrant VM's (notebooks/). With --host, that host's kind
    does, and the notebooks' cells run on it. Arguments after the options go to JupyterLab
    (e.g. --no-browser --port 8899).
    """
    import os
    import shlex
    from dataclasses import replace

    from stacklab.notebooks.host import host_target, target_spec
    from stacklab.notebooks.launch import jupyterlab_command, running_kind
    from stacklab.notebooks.session import TARGET_ENV
    from stacklab.notebooks.sync import kinds
    from stacklab.settings import load_settings

    if key is not None and not host:
        raise click.UsageError("--key is the key for --host: give --host too")
    # the host first: a bad URL or key stops here, before anything starts
    target = host_target(host, key, kinds()) if host else None
    chosen = (_known_kind(provider) if provider else target.kind if target
              else running_kind())
    load_settings(chosen)  # a bad value stops here, not in the first cell that runs
    command, folder = jupyterlab_command(kit_root(), chosen, instructor=instructor,
                                         extra=list(jupyter_args))
    env = {TARGET_ENV: target_spec(replace(target, kind=chosen))} if target else {}
    if print_command:
        click.echo(shlex.join([*(["env", *(f"{k}={v}" for k, v in env.items())]
                                 if env else []), *command]))
        return
    on = f", on {target.url}" if target else ""
    click.echo(f"JupyterLab on {folder} (the notebooks for the {chosen} lab host{on})")
    sys.stdout.flush()
    os.environ.update(env)  # the kernels JupyterLab starts inherit it
    os.execv(command[0], command)
