"""`solve --dry-run`: the commands a run would use, as a readable shell script."""

from __future__ import annotations

from stacklab.solve.model import LabSolution, Step


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
