"""The full record of a solve run: every command, its exit code, time and output."""

from __future__ import annotations

import time
from pathlib import Path

from stacklab import paths


def new_log_path(now: float | None = None) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    return paths.state_dir() / "solve" / f"solve-{stamp}.log"


class RunLog:
    """Appends to one file, flushed after each entry so a crash still leaves the record."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")

    def write(self, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        for line in text.rstrip("\n").splitlines() or [""]:
            self._file.write(f"{stamp} {line}\n")
        self._file.flush()

    def command(self, role: str, script: str, exit_code: int, seconds: float,
                output: str) -> None:
        self.write(f"--- {role}: exit {exit_code} in {seconds:.1f}s\n$ "
                   + script.replace("\n", "\n  ") + "\n" + (output.rstrip() or "(no output)"))

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> RunLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
