"""Where the learner stands: the last check result per lab, kept in the state folder.

`stacklab check` and the notebooks' `%check` (through
:func:`stacklab.grading.notebook.check_lab`) record each run with :func:`record_run`;
`stacklab labs` reads it back.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stacklab import paths

if TYPE_CHECKING:
    from stacklab.grading.model import RunResult

PROGRESS = "progress.json"


def progress_file() -> Path:
    return paths.state_dir() / PROGRESS


FIELDS = {"points": (int, float), "max_points": (int, float), "passed": int, "total": int,
          "checked_at": str}


def read_progress() -> dict[int, dict[str, Any]]:
    """The recorded labs; an unreadable file or entry counts as not checked yet (the next
    `stacklab check` writes it anew), never as an error."""
    try:
        raw = json.loads(progress_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):  # ValueError: bad JSON or not UTF-8
        return {}
    if not isinstance(raw, dict):
        return {}
    return {int(k): v for k, v in raw.items()
            if str(k).isdigit() and isinstance(v, dict)
            and all(isinstance(v.get(f), t) and not isinstance(v.get(f), bool)
                    for f, t in FIELDS.items())}


def record(lab: int, points: float, max_points: float, passed: int, total: int) -> None:
    """Remember a lab's latest check."""
    data = {str(k): v for k, v in read_progress().items()}
    data[str(lab)] = {"points": points, "max_points": max_points, "passed": passed,
                      "total": total, "checked_at": time.strftime("%Y-%m-%d %H:%M")}
    path = progress_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def record_run(result: RunResult) -> None:
    """Remember every lab the run checked (a host never reached leaves no record)."""
    if not result.checks or result.status in ("unreachable", "refused"):
        return
    for lab in sorted({c.lab for c in result.checks}):
        checks = result.for_lab(lab)
        got, best = result.lab_points(lab)
        record(lab, got, best, sum(c.ok for c in checks), len(checks))
