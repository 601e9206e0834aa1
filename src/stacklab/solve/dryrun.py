"""`solve --dry-run`: what a run would change on the host, and why; or every command.

:func:`plan_text` asks the host each step's read-only check (in order, changing nothing):
a step whose check passes is listed as in place; a step whose check fails is listed with
what the check found beside what the step wants (its title), what it would ask before
taking something away, and the commands it would run. Later steps are judged on the host
as it is, not as the earlier steps would leave it: the plan says so.
:func:`dry_run_text` lists every step's commands without a host.
"""

from __future__ import annotations

from stacklab.solve.model import LabSolution, Step
from stacklab.solve.runner import step_script
from stacklab.solve.transport import Transport

CHECK_TIMEOUT = 120.0
FOUND_LINES = 6  # of a check's output, shown as what was found


def dry_run_text(solutions: list[LabSolution], credentials: dict[str, str]) -> str:
    out: list[str] = []
    for solution in solutions:
        out.append(f"# ── lab {solution.lab.number}: {solution.lab.title} "
                   f"({len(solution.steps)} steps) ──")
        for step in solution.steps:
            out.extend(step_text(step, credentials))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def step_text(step: Step, credentials: dict[str, str]) -> list[str]:
    lines = [f"# {step.id}: {step.title}"]
    if step.credentials:
        lines.append(f"#   as {step.credentials}: . {credentials.get(step.credentials, '?')}")
    lines.append("#   skipped when this read-only check passes:")
    lines.extend(f"#     {line}" for line in step.check.splitlines())
    if step.timeout:
        lines.append(f"#   then polled every {step.interval:g}s for up to {step.timeout:g}s")
    lines.extend(step.apply or ["# (nothing to run: waits for the check)"])
    lines.append("")
    return lines


def plan_text(solutions: list[LabSolution], credentials: dict[str, str],
              transport: Transport) -> str:
    """What a run would change on this host and why (only read-only commands are run)."""
    out = [f"# on {transport.description}: each step's read-only check was run; a step "
           "judged red may turn green once the steps before it have run", ""]
    changes = 0
    for solution in solutions:
        out.append(f"# ── lab {solution.lab.number}: {solution.lab.title} ──")
        for step in solution.steps:
            result = transport.run(step_script(step, step.check, credentials),
                                   timeout=CHECK_TIMEOUT, read_only=True)
            if result.ok:
                out.append(f"# in place   {step.id}: {step.title}")
                continue
            changes += 1
            out.extend(change_text(step, credentials, transport,
                                   result.tail(FOUND_LINES) or f"check exits {result.exit_code}"))
        out.append("")
    out.append(f"# {changes} step(s) would change the host" if changes
               else "# no change: the host is already there")
    return "\n".join(out).rstrip() + "\n"


def change_text(step: Step, credentials: dict[str, str], transport: Transport,
                found: str) -> list[str]:
    lines = [f"# WOULD RUN  {step.id}",
             f"#   wanted: {step.title}",
             "#   found:  " + found.replace("\n", "\n#           ")]
    if step.asks:
        asked = transport.run(step_script(step, step.asks, credentials),
                              timeout=CHECK_TIMEOUT, read_only=True)
        if asked.output.strip():
            lines.append("#   asks first (or --yes): it would "
                         + asked.output.strip().replace("\n", "\n#     "))
    lines.extend(step.apply or ["# (nothing to run: waits until the check passes)"])
    lines.append("")
    return lines
