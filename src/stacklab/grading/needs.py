"""What a check needs: the graph of `@check(needs=…)`, and what makes a check blocked.

A check that fails (or cannot find out) while a check it needs is red (failed, error or
blocked) is reported as blocked by that check: one root cause is reported once, and the
checks it took down say so instead of giving their own hints. A check that passes is
passed, whatever its needs say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from stacklab.grading.model import CheckResult, CheckSpec, Outcome


def closure(keys: Iterable[str], known: Mapping[str, CheckSpec]) -> set[str]:
    """Every check the checks `keys` need, directly or through others (not `keys` itself)."""
    found: set[str] = set()
    todo = [n for k in keys if k in known for n in known[k].needs]
    while todo:
        key = todo.pop()
        if key in found or key not in known:
            continue
        found.add(key)
        todo.extend(known[key].needs)
    return found


def blocking(spec: CheckSpec, evaluated: Mapping[str, CheckResult]) -> CheckResult | None:
    """The first check `spec` needs that is red, if any (one not run yet does not block)."""
    return next((evaluated[k] for k in spec.needs if k in evaluated and evaluated[k].red),
                None)


def judge(result: CheckResult, spec: CheckSpec,
          evaluated: Mapping[str, CheckResult]) -> CheckResult:
    """`result` as reported: blocked when it failed or erred while a need was red."""
    if result.status not in (Outcome.FAILED, Outcome.ERROR):
        return result
    need = blocking(spec, evaluated)
    if need is None:
        return result
    root = need  # the check at the start of the chain: its finding is the one to read
    while root.status == Outcome.BLOCKED and root.blocked_by in evaluated:
        root = evaluated[root.blocked_by]
    chain = "" if root is need else f", itself blocked by {root.key} ({root.title})"
    return replace(result, status=Outcome.BLOCKED.value, blocked_by=need.key, hint="",
                   message="",
                   found=f"blocked by {need.key} ({need.title}){chain}: {root.found}")


def problems(specs: list[CheckSpec]) -> list[str]:
    """What is wrong with the graph of `specs` (in run order): a need that names no check, a
    check of a later lab or one that runs later; a cycle. Empty when the graph is sound."""
    order = {s.key: n for n, s in enumerate(specs)}
    found = []
    for spec in specs:
        for need in spec.needs:
            if need not in order:
                found.append(f"{spec.key} needs {need}: no such check")
            elif int(need[:2]) > spec.lab or order[need] >= order[spec.key]:
                found.append(f"{spec.key} needs {need}, which runs after it")
    known = {s.key: s for s in specs}
    found += [f"{s.key} needs itself through {' and '.join(sorted(s.needs))}"
              for s in specs if s.key in closure([s.key], known)]
    return found
