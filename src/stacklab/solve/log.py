"""The full record of a solve run: every command, its exit code, time and output.

The commands hold the lab's passwords, so the log is private (0600 in a 0700 folder) and
every line goes through the redaction filter before it is written.
"""

from __future__ import annotations

import time
from pathlib import Path

from stacklab import paths
from stacklab.grading.redact import redact
from stacklab.private import open_private, private_folder


def new_log_path(now: float | None = None) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    return paths.state_dir() / "solve" / f"solve-{stamp}.log"


class RunLog:
    """Appends to one file, flushed after each entry so a crash still leaves the record."""

    def __init__(self, path: Path) -> None:
        self.path = path
        private_folder(path.parent)
        self._file = open_private(path, "a")

    def write(self, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        for line in redact(text.rstrip("\n")).splitlines() or [""]:
            self._file.write(f"{stamp} {line}\n")
        self._file.flush()

    def command(self, role: str, script: str, exit_code: int, seconds: float,
                output: str) -> None:
        # the script and its output are masked each on its own, before they are indented
        # and prefixed: a secret alone on a line of either is still a whole line there
        self.write(f"--- {role}: exit {exit_code} in {seconds:.1f}s\n$ "
                   + redact(script).replace("\n", "\n  ") + "\n"
                   + (redact(output.rstrip()) or "(no output)"))

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> RunLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

