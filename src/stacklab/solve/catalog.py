"""The reference solution as data: solutions/steps/NN-slug.yaml, rendered for one host.

    from stacklab.solve.catalog import load
    for solution in load(settings):            # every lab, 1 to 14, in order
        for step in solution.steps: ...        # Step: modern, tutorial_2012, check, apply

A step file holds ``lab: N`` and a list of ``steps``; each step has an ``id``, a ``title``,
``why`` (what changed since 2012 and why), ``tutorial`` (the 2012 command, as a template
over the settings so that the tutorial's literals live only in lab.yaml), optionally
``when`` (a jinja expression over the settings, e.g. ``rbd`` or
``host.capabilities.virt_type == 'kvm'``), ``credentials`` (admin | project),
``timeout``/``interval`` (poll the check after apply), ``functions`` (shell functions put
before its check, ``asks`` and each command that calls one), ``before`` (commands run
before the kind's own, never shown as what to type: they clear what stands in the way) and
exactly one kind (see :mod:`stacklab.solve.kinds`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from stacklab import paths
from stacklab.catalog import LABS, Lab
from stacklab.errors import StacklabError
from stacklab.settings import Settings
from stacklab.solve import kinds
from stacklab.solve.model import LabSolution, Step
from stacklab.solve.profile import Profile, load_profile
from stacklab.solve.rendering import context, evaluate, render

STEP_KEYS = {"id", "title", "why", "tutorial", "when", "credentials", "timeout", "interval",
             "check", "modern", "unless", "restart", "recommends", "start", "content", "mode",
             "sudo", "covers", "asks", "functions", "before", *kinds.KINDS}
CREDENTIALS = (None, "admin", "project")
DEFAULT_SSH_USER = "{ssh user}"  # shown by dry runs that never connect


def steps_dir() -> Path:
    return paths.kit_root() / "solutions" / "steps"


def load(settings: Settings, os: str | None = None, *, ssh_user: str | None = None,
         folder: Path | None = None, profile: Profile | None = None) -> list[LabSolution]:
    """Every lab's solution (labs 1 and 2 have no steps), rendered for this host.

    ``os`` picks the OS profile (default: settings.host.os); ``ssh_user`` is the account
    the steps run as (default: settings.host.user).
    """
    profile = profile or load_profile(os or settings.host.os)
    ctx = context(settings, profile, ssh_user=ssh_user or settings.host.user)
    files = step_files(folder or steps_dir())
    solutions, seen = [], set()
    for lab in LABS:
        steps: list[Step] = []
        if lab.number in files:
            steps = load_lab_file(files[lab.number], lab, ctx, profile, settings)
        for step in steps:
            if step.id in seen:
                raise StacklabError(f"solutions: step id '{step.id}' is used twice")
            seen.add(step.id)
        solutions.append(LabSolution(lab=lab, steps=tuple(steps)))
    return solutions


def step_files(folder: Path) -> dict[int, Path]:
    files: dict[int, Path] = {}
    for path in sorted(folder.glob("*.yaml")):
        number = int(path.name.split("-", 1)[0])
        expected = next((lab.name for lab in LABS if lab.number == number), None)
        if path.stem != expected:
            raise StacklabError(f"solutions: {path.name} should be named {expected}.yaml")
        files[number] = path
    return files


def load_lab_file(path: Path, lab: Lab, ctx: dict[str, Any], profile: Profile,
                  settings: Settings) -> list[Step]:
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise StacklabError(f"solutions: {path.name}: not valid YAML: {exc}") from None
    if data.get("lab") != lab.number:
        raise StacklabError(f"solutions: {path.name}: says lab {data.get('lab')}, "
                            f"expected {lab.number}")
    if not lab.on_host:
        raise StacklabError(f"solutions: lab {lab.number} has no host steps")
    ctx = {**ctx, "lab_number": lab.number}
    steps = []
    for raw in data.get("steps") or []:
        step = build_step(raw, lab, ctx, profile, settings, path.name)
        if step is not None:
            steps.append(step)
    return steps


def build_step(raw: dict[str, Any], lab: Lab, ctx: dict[str, Any], profile: Profile,
               settings: Settings, filename: str) -> Step | None:
    where = f"{filename}: step '{raw.get('id', '?')}'"
    unknown = set(raw) - STEP_KEYS
    if unknown:
        raise StacklabError(f"solutions: {where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("id", "title", "why"):
        if not raw.get(key):
            raise StacklabError(f"solutions: {where}: missing '{key}'")
    if "when" in raw and not evaluate(str(raw["when"]), ctx, where=where):
        return None
    spec = render({k: v for k, v in raw.items() if k != "when"}, ctx, where=where)
    if "keystone" in spec:
        spec["keystone"] = {"region": settings.openstack.region,
                            "password": settings.openstack.service_password,
                            "sql": settings.db_client("keystone"),
                            **spec["keystone"]}
        spec.setdefault("credentials", "admin")
    made = kinds.expand(spec, profile, lab.number)
    credentials = spec.get("credentials")
    if credentials not in CREDENTIALS:
        raise StacklabError(f"solutions: {where}: credentials must be admin or project")
    if not made.check:
        raise StacklabError(f"solutions: {where}: no check: every step must say when it is done")
    tutorial = spec.get("tutorial")
    before = spec.get("before") or []
    check, apply, asks = with_functions(spec.get("functions"), made.check,
                                        [*([before] if isinstance(before, str) else before),
                                         *made.apply], spec.get("asks") or None)
    return Step(
        id=f"{lab.number:02d}-{spec['id']}", lab=lab.number, title=spec["title"].strip(),
        modern=tuple(made.modern), tutorial_2012=tutorial.rstrip() if tutorial else None,
        why=" ".join(spec["why"].split()), check=check, apply=tuple(apply),
        credentials=credentials, timeout=float(spec.get("timeout", default_timeout(spec))),
        interval=float(spec.get("interval", 2.0)), covers=tuple(spec.get("covers") or ()),
        asks=asks)


FUNCTION_NAME = re.compile(r"^\s*([A-Za-z_]\w*)\s*\(\)", re.MULTILINE)


def with_functions(functions: str | None, check: str, apply: list[str],
                   asks: str | None) -> tuple[str, list[str], str | None]:
    """``functions`` (shell functions) put before the check, the question and each command
    that calls one: one definition of what stands in the way serves the check that sees it
    and the commands that remove it, so they cannot drift apart."""
    if not functions or not functions.strip():
        return check, apply, asks
    first = functions.rstrip("\n") + "\n"
    names = FUNCTION_NAME.findall(functions)

    def defined(script: str) -> str:
        calls = any(re.search(rf"\b{name}\b", script) for name in names)
        return first + script if calls else script
    return defined(check), [defined(c) for c in apply], defined(asks) if asks else None


def default_timeout(spec: dict[str, Any]) -> float:
    """Services take a moment to come up; everything else is checked once."""
    return 90.0 if "services" in spec else 0.0


def lab_solution(solutions: list[LabSolution], number: int) -> LabSolution:
    return next(s for s in solutions if s.lab.number == number)
