"""What a test needs from the machine beyond the README's prerequisites, said one way.

A test that needs a system program, root, or a file outside the repository skips with a
reason this module writes, so the end of the run can say what was skipped and how to
enable it (tests/skip_rule.py):

    @requires_program("sshd", package="openssh-server")
    def test_...(): ...

    skip_unless_program("debootstrap", package="debootstrap")   # inside a fixture
    skip_unless_root("network namespaces")

With CI=true every such skip is a failure: CI installs everything and runs as root.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

PROGRAM = "missing program: "
ROOT = "needs root: "
FILE = "missing file: "
_PROGRAM_REASON = re.compile(rf"^{PROGRAM}(\S+) \(apt-get install (\S+)\)")
# what the container lab host needs on this machine (as `stacklab doctor` asks for it)
CONTAINER_PATH = (("debootstrap", "debootstrap"), ("systemd-nspawn", "systemd-container"),
                  ("ip", "iproute2"))
# system programs live in sbin, which a normal user's PATH may lack
_SBIN = ("/usr/local/sbin", "/usr/sbin", "/sbin")


def find_program(program: str) -> str | None:
    """The program's path: on PATH, in the sbin folders, or as an absolute path."""
    if os.path.isabs(program):
        return program if os.access(program, os.X_OK) else None
    return shutil.which(program) or shutil.which(program, path=os.pathsep.join(_SBIN))


def program_reason(program: str, package: str) -> str:
    """The skip reason for a missing program: names the Debian package that brings it."""
    return f"{PROGRAM}{os.path.basename(program)} (apt-get install {package})"


def missing_program(program: str, package: str) -> str | None:
    """Why a test cannot run here (the skip reason), or None when the program is there."""
    return None if find_program(program) else program_reason(program, package)


def requires_program(program: str, *, package: str) -> pytest.MarkDecorator:
    """Skip the test (or module, as pytestmark) unless `program` is installed."""
    why = missing_program(program, package)
    return pytest.mark.skipif(why is not None, reason=why or "")


def skip_unless_program(program: str, *, package: str) -> None:
    """In a fixture or test: skip unless `program` is installed."""
    why = missing_program(program, package)
    if why:
        pytest.skip(why)


def skip_unless_programs(*needs: tuple[str, str]) -> None:
    """Skip naming every missing (program, package) at once."""
    missing = [program_reason(p, pkg) for p, pkg in needs if not find_program(p)]
    if missing:
        pytest.skip("; ".join(missing))


def skip_unless_root(what: str) -> None:
    """Skip unless this process runs as root; `what` says what root is needed for."""
    if os.geteuid() != 0:
        pytest.skip(f"{ROOT}{what} (run as root, e.g. `sudo tox`)")


def skip_unless_file(path: Path, what: str) -> None:
    """Skip unless `path` (outside the repository, e.g. ../shared) exists."""
    if not path.exists():
        kit = Path(__file__).resolve().parents[1]
        shown = f"../{path.relative_to(kit.parent)}" if path.is_relative_to(kit.parent) \
            else str(path)
        pytest.skip(f"{FILE}{shown} ({what})")


def shared(name: str) -> Path:
    """`shared/<name>` beside the checkout (the project's ../shared: the tutorial text and
    ENVIRONMENT.md), found in the nearest folder above the kit that has it; a learner's
    clone has none, and then the path beside the kit is returned (absent)."""
    kit = Path(__file__).resolve().parents[1]
    for parent in kit.parents:
        if (parent / "shared" / name).exists():
            return parent / "shared" / name
    return kit.parent / "shared" / name


def programs_in(reason: str) -> list[tuple[str, str]]:
    """The (program, package) pairs a skip reason names; [] for any other reason."""
    found = []
    for part in reason.split("; "):
        m = _PROGRAM_REASON.match(part)
        if m:
            found.append((m.group(1), m.group(2)))
    return found
