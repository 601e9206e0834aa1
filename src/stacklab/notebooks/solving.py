"""``%solve``: the reference solution (``stacklab.solve``) run from a notebook.

The solve engine is the same one `stacklab solve` uses; only two things differ here: its
commands go through the notebook's one connection (``Session.solve_transport``), and its
progress is printed as plain lines a notebook can show. Everything printed goes through
the redaction filter `stacklab solve` uses (a dry run's commands and a failed step's
output hold the settings' passwords; a notebook's output is saved with it).
"""

from __future__ import annotations

from collections.abc import Callable

from stacklab.errors import StacklabError
from stacklab.grading.redact import redact

Out = Callable[[str], None]


def masked(out: Out) -> Out:
    """``out`` with every text passed through the redaction filter first."""
    return lambda text: out(redact(text))


class LineReporter:
    """One line per lab and per step, as `stacklab solve` prints them."""

    def __init__(self, out: Out) -> None:
        self.out = out

    def lab_started(self, solution) -> None:
        self.out(f"lab {solution.lab.number} {solution.lab.title}\n")

    def step_started(self, step, phase: str) -> None:
        pass

    def step_finished(self, step, outcome, seconds: float) -> None:
        mark = "✔" if outcome.value == "changed" else "·"
        self.out(f"  {mark} {step.id:<28} {step.title}  ({outcome.value}, {seconds:.1f}s)\n")

    def lab_finished(self, solution, seconds: float) -> None:
        pass


def solve_labs(session, labs: list[int], *, dry_run: bool, out: Out) -> bool:
    """Apply (or, for a dry run, print) the steps of ``labs``; True when all went through."""
    from stacklab.solve import load, rc_files
    from stacklab.solve.dryrun import dry_run_text
    from stacklab.solve.log import RunLog, new_log_path
    from stacklab.solve.runner import Runner

    out = masked(out)
    target = session.target()
    settings = session.settings()
    solutions = [s for s in load(settings, ssh_user=session.ssh_user())
                 if s.lab.number in labs and s.steps]
    if not solutions:
        out("Labs 1 and 2 have no steps on the lab host: their answers are the knowledge "
            "checks.\n")
        return True
    credentials = rc_files(settings)
    if dry_run or session.dry_run:
        out(f"# dry run: the steps for {target.url} (OS profile {settings.host.os}); "
            "nothing is run\n")
        out(dry_run_text(solutions, credentials))
        return True
    with RunLog(new_log_path()) as log:
        out(f"Solving lab(s) {', '.join(str(s.lab.number) for s in solutions)} on "
            f"{session.describe()} (log: {log.path})\n")
        try:
            report = Runner(session.solve_transport(), log, credentials=credentials,
                            reporter=LineReporter(out)).run(solutions)
        except StacklabError as exc:
            out(f"✘ {exc.message}\n" + (f"  → {exc.hint}\n" if exc.hint else ""))
            return False
    changed = len(report.changed)
    out(f"✔ done: {changed} step(s) changed the host\n" if changed
        else "✔ done: no change, the host was already there\n")
    return True
