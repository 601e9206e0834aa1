"""Where the learner stands: the last check result per lab, kept in the state folder."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from stacklab import paths

PROGRESS = "progress.json"


def progress_file() -> Path:
    return paths.state_dir() / PROGRESS


def read_progress() -> dict[int, dict[str, Any]]:
    try:
        raw = json.loads(progress_file().read_text())
    except (OSError, json.JSONDecodeError):
        return {}
    return {int(k): v for k, v in raw.items()}


def record(lab: int, points: float, max_points: float, passed: int, total: int) -> None:
    """Remember a lab's latest check (called by `stacklab check` and `%check`)."""
    data = {str(k): v for k, v in read_progress().items()}
    data[str(lab)] = {"points": points, "max_points": max_points, "passed": passed,
                      "total": total, "checked_at": time.strftime("%Y-%m-%d %H:%M")}
    path = progress_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
