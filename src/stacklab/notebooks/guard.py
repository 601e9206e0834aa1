"""``%%vm --step ID``: an instructor's cell that checks before it acts.

An instructor's notebook runs each solution step as the commands a learner would type, so a
second run on a host where the step is done would repeat it (or worse: a new keypair
overwrites the saved private key). With ``--step``, the cell first runs that step's
read-only check from the reference solution, rendered for the notebook's host, exactly as
`stacklab solve` does; when it passes, the cell is skipped and says so. ``--force`` runs it
anyway. Learners' cells carry no ``--step``: they always run.
"""

from __future__ import annotations

from dataclasses import dataclass

SKIPPED = "already done (its check passes): skipped — %%vm --force to run anyway"


@dataclass(frozen=True)
class Verdict:
    done: bool  # the step's check passes: skip the cell
    note: str = ""  # said before the cell runs after all (the host has no such step)


def judge(session, step_id: str) -> Verdict:
    """Whether ``step_id`` is already done on the session's host (its check passes)."""
    if session.dry_run:  # no host to ask: the cell is only parsed
        return Verdict(done=False)
    step = session.solution_step(step_id)
    if step is None:
        return Verdict(done=False, note=f"(no step {step_id} in the reference solution for "
                                        "this lab host: nothing to check, the cell runs)")
    from stacklab.solve import rc_files
    from stacklab.solve.runner import CHECK_TIMEOUT, step_script

    script = step_script(step, step.check, rc_files(session.settings()))
    result = session.solve_transport().run(script, timeout=CHECK_TIMEOUT)
    return Verdict(done=result.ok)
