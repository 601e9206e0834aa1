"""The kit's IPython extension: ``%load_ext stacklab.notebooks.magics`` (the notebooks'
first cell does it).

    %%vm [--rc admin|project] [--timeout SECONDS]   run the cell on the lab host
    %%vm --step ID [--force]                        instructors: skip it if step ID is done
    %vm_target [ssh://user@host:port?key=FILE | local | dry-run | default]
    %check N                                        check lab N: ✔/✘, points, hints
    %solve N | %solve --until N [--dry-run]         instructors: apply the reference solution
    %save_answers N VARIABLE                        a knowledge lab's answers, to the lab host
    %architecture                                   lab 2: the live picture of the host

A cell runs under bash in the SSH user's home, stops at its first failing command
(``set -e -o pipefail``) and shows a non-zero exit in red. Errors the learner can cause
print one line; with ``STACKLAB_NOTEBOOK_STRICT=1`` (tests, end-to-end runs) they raise.
"""

from __future__ import annotations

import functools
import html
import math
import sys
from collections.abc import Callable
from typing import Any

from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import HTML, display

from stacklab.errors import StacklabError
from stacklab.hosts.shell import BASH_SUDO_SHIM
from stacklab.notebooks.session import Session
from stacklab.notebooks.transport import Outcome
from stacklab.solve.credentials import rc_file


class CellFailed(Exception):
    """A cell that failed, raised only in strict mode so a test run stops on it."""


def cell_script(body: str, rc: str | None = None) -> str:
    """What bash runs for a cell: stop at the first error, start at home, credentials first.

    The prelude shares the cell's first line, so bash's error messages give the line
    numbers of the cell as the learner wrote it.
    """
    prelude = ["set -e -o pipefail", BASH_SUDO_SHIM, 'cd "$HOME"']
    if rc:
        prelude += [f'[ -r "$HOME"/{rc} ] || {{ echo "no ~/{rc} on this host yet (lab 5 and '
                    f'lab 10 write the credentials files)" >&2; exit 1; }}', f'. "$HOME"/{rc}']
    return "; ".join(prelude) + "; " + body.rstrip() + "\n"


def exit_badge(outcome: Outcome) -> dict[str, str]:
    """A red line for a failed cell, as HTML with a plain-text fallback."""
    if outcome.timed_out:
        text = f"✘ timed out after {outcome.seconds:.0f} s (exit code {outcome.exit_code})"
    elif outcome.interrupted:
        text = f"✘ interrupted (exit code {outcome.exit_code})"
    else:
        text = f"✘ exit code {outcome.exit_code}"
    style = "color:#b00020;font-weight:bold;font-family:monospace"
    return {"text/plain": text,
            "text/html": f'<div class="stacklab-exit" style="{style}">{html.escape(text)}</div>'}


def say_error(exc: StacklabError) -> None:
    from stacklab.grading.redact import redact

    text = redact(f"stacklab: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""))
    display({"text/plain": text,
             "text/html": f'<div class="stacklab-error" style="color:#b00020">'
                          f"{html.escape(text)}</div>"}, raw=True)


def seconds(text: str) -> float:
    """A cell's time limit: a finite number of seconds above 0 (nan, inf, 0 would hang or
    stop every cell at once); argparse turns the ValueError into one usage line."""
    value = float(text)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(text)
    return value


def learner_errors(method: Callable[..., Any]) -> Callable[..., Any]:
    """A StacklabError becomes one red line (a traceback would only confuse a learner)."""

    @functools.wraps(method)
    def wrapper(self: StacklabMagics, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except StacklabError as exc:
            if self.session.strict:
                raise
            say_error(exc)
            return None

    return wrapper


def _write(stream) -> Callable[[str], None]:
    # No flush per chunk: ipykernel sends what was written every 0.2 s on its own thread
    # (a flush would wait for that thread, once per chunk of a chatty apt-get).
    return stream.write


@magics_class
class StacklabMagics(Magics):
    def __init__(self, shell, session: Session | None = None) -> None:
        super().__init__(shell)
        self.session = session or Session()

    @magic_arguments()
    @argument("--rc", choices=["admin", "project"],
              help="source these OpenStack credentials first (admin, or the learner's project)")
    @argument("--timeout", type=seconds, default=None,
              help="stop the cell after this many seconds (default 900)")
    @argument("--step", metavar="ID", default=None,
              help="instructors: skip the cell when this solution step's check passes")
    @argument("--force", action="store_true", help="with --step: run the cell anyway")
    @cell_magic
    @learner_errors
    def vm(self, line: str, cell: str) -> None:
        """Run this cell on the lab host, streaming its output."""
        args = parse_argstring(self.vm, line)
        rc = rc_file(self.session.settings(), args.rc) if args.rc else None
        if args.step and not args.force:
            from stacklab.notebooks.guard import SKIPPED, judge

            verdict = judge(self.session, args.step)
            if verdict.done:
                print(SKIPPED)
                return
            if verdict.note:
                print(verdict.note)
        outcome = self.session.transport().run(
            cell_script(cell, rc), timeout=args.timeout or self.session.timeout,
            stdout=_write(sys.stdout), stderr=_write(sys.stderr))
        if not outcome.ok:
            display(exit_badge(outcome), raw=True)
            if self.session.strict:
                raise CellFailed(exit_badge(outcome)["text/plain"])

    @line_magic
    @learner_errors
    def vm_target(self, line: str) -> None:
        """Show the lab host, or use another: ssh://user@host:port?key=FILE, local, dry-run."""
        spec = line.strip()
        if spec:
            self.session.retarget(None if spec == "default" else spec)
        print(f"%%vm runs on: {self.session.describe()}")

    @magic_arguments()
    @argument("lab", type=int, help="the lab's number")
    @line_magic
    @learner_errors
    def check(self, line: str) -> None:
        """Check lab N on the lab host: ✔/✘ per check, with points and hints."""
        from stacklab.notebooks.checking import check_lab

        args = parse_argstring(self.check, line)
        display(HTML(check_lab(self.session, args.lab)))

    @magic_arguments()
    @argument("lab", type=int, nargs="?", help="solve just this lab")
    @argument("--until", type=int, default=None, help="solve every lab up to this one")
    @argument("--dry-run", action="store_true", help="show the commands, run nothing")
    @line_magic
    @learner_errors
    def solve(self, line: str) -> None:
        """Instructors: bring the host to where lab N (or every lab up to N) leaves it."""
        from stacklab.notebooks.solving import solve_labs

        args = parse_argstring(self.solve, line)
        if (args.lab is None) == (args.until is None):
            raise StacklabError("%solve needs one lab (%solve 5) or --until (%solve --until 5)")
        labs = [args.lab] if args.lab is not None else list(range(1, args.until + 1))
        ok = solve_labs(self.session, labs, dry_run=args.dry_run, out=_write(sys.stdout))
        if not ok and self.session.strict:
            raise CellFailed(f"%solve {line.strip()} did not complete")

    @magic_arguments()
    @argument("lab", type=int, help="the knowledge lab's number")
    @argument("variable", help="the name of the dict that holds the answers")
    @line_magic
    @learner_errors
    def save_answers(self, line: str) -> None:
        """Save a knowledge lab's answers on the lab host, where its checks read them."""
        from stacklab.notebooks.knowledge import save

        args = parse_argstring(self.save_answers, line)
        if args.variable not in self.shell.user_ns:
            raise StacklabError(f"no variable named {args.variable!r}",
                                "run the cell that fills in your answers first")
        print(save(self.session, args.lab, self.shell.user_ns[args.variable]))

    @line_magic
    @learner_errors
    def architecture(self, line: str) -> None:
        """Lab 2: draw the services of the lab host, coloured by their state."""
        from stacklab.notebooks.architecture import collect, draw, summary

        facts = collect(self.session)
        display({"image/svg+xml": draw(facts), "text/plain": summary(facts)}, raw=True)


def load_ipython_extension(ipython) -> None:
    magics = StacklabMagics(ipython)
    ipython.register_magics(magics)
    ipython._stacklab_magics = magics  # kept so unload can close the connection


def unload_ipython_extension(ipython) -> None:
    magics = getattr(ipython, "_stacklab_magics", None)
    if magics is not None:
        magics.session.close()
