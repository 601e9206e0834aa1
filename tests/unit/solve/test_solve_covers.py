"""Every check a grader can turn red, some step of the reference solution turns green.

Each step names the graders' checks it makes green (``covers:`` in solutions/steps/*.yaml:
an id of its own lab's checks, or 'NN.id' for a later lab's); this test compares them with
the checks the graders declare (collected as `stacklab check` collects them). A new check
without a step, or a step naming a check that no longer exists, fails here. Labs 1 and 2
are knowledge labs: nothing on the host to solve.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
import yaml

from stacklab.grading.runner import collect_specs
from stacklab.solve.catalog import step_files, steps_dir

HOST_LABS = range(3, 15)


@pytest.fixture(scope="module")
def checks() -> dict[int, set[str]]:
    found: dict[int, set[str]] = defaultdict(set)
    for spec in collect_specs([*HOST_LABS], kind="container"):
        found[spec.lab].add(spec.id)
    return found


@pytest.fixture(scope="module")
def covered() -> dict[str, list[str]]:
    """Check key ('07.volume_group_is_on_the_second_disk') -> the steps that cover it."""
    by_key: dict[str, list[str]] = defaultdict(list)
    for lab, path in step_files(steps_dir()).items():
        for step in yaml.safe_load(path.read_text())["steps"]:
            for name in step.get("covers") or []:
                key = name if "." in name else f"{lab:02d}.{name}"
                assert int(key[:2]) >= lab, (
                    f"{path.name} step {step['id']} covers {key}: a check of an earlier lab "
                    "must be made green by that lab's own steps")
                by_key[key].append(f"{lab:02d}-{step['id']}")
    return by_key


def test_every_check_of_labs_3_to_14_is_covered_by_a_step(checks, covered):
    missing = sorted(f"{lab:02d}.{cid}" for lab, ids in checks.items() for cid in ids
                     if f"{lab:02d}.{cid}" not in covered)
    assert not missing, ("checks no step makes green (add `covers:` to the step that does, "
                         "or a step): " + ", ".join(missing))


def test_every_covered_check_exists(checks, covered):
    unknown = sorted(key for key in covered
                     if key.split(".", 1)[1] not in checks.get(int(key[:2]), set()))
    assert not unknown, "steps cover checks the graders do not declare: " + ", ".join(
        f"{key} (by {', '.join(covered[key])})" for key in unknown)


def test_the_checks_were_collected(checks):
    # the comparison above means nothing if collection found nothing
    assert set(checks) == set(HOST_LABS)
    assert sum(len(ids) for ids in checks.values()) > 40
