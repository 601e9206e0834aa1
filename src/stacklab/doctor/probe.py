"""Everything the doctor reads from the machine, in one object that tests replace."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

from stacklab.doctor import kvm


class SystemProbe:
    """Reads the real machine. Each method answers one question and never raises."""

    def which(self, command: str) -> str | None:
        return shutil.which(command)

    def run(self, *command: str, timeout: float = 20) -> tuple[int, str]:
        """(exit status, stdout+stderr); 127 when the command is missing."""
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                  check=False, errors="replace")
        except FileNotFoundError:
            return 127, f"{command[0]}: not found"
        except subprocess.TimeoutExpired:
            return 124, f"{command[0]}: no answer after {timeout:.0f} s"
        return done.returncode, (done.stdout + done.stderr).strip()

    def read(self, path: str) -> str | None:
        try:
            return Path(path).read_text(errors="replace")
        except OSError:
            return None

    def exists(self, path: str) -> bool:
        return os.path.exists(path)

    def accessible(self, path: str) -> bool:
        return os.access(path, os.R_OK | os.W_OK)

    def system(self) -> str:
        return platform.system()

    def is_root(self) -> bool:
        return hasattr(os, "geteuid") and os.geteuid() == 0

    def python_version(self) -> tuple[int, int]:
        return sys.version_info[:2]

    def has_module(self, name: str) -> bool:
        return find_spec(name) is not None

    def memory_mb(self) -> tuple[int, int] | None:
        """(total, available) in MiB, from /proc/meminfo; None where there is none."""
        text = self.read("/proc/meminfo")
        if not text:
            return None
        fields = {ln.split(":")[0]: int(ln.split()[1]) for ln in text.splitlines()
                  if ln.split()[1:2] and ln.split()[1].isdigit()}
        total = fields.get("MemTotal", 0) // 1024
        return total, fields.get("MemAvailable", fields.get("MemFree", 0)) // 1024

    def disk_free_gb(self, path: str) -> float:
        probe = Path(path)
        while not probe.exists():
            probe = probe.parent
        return shutil.disk_usage(probe).free / 2**30

    def kvm_guest_runs(self) -> kvm.ProbeResult:
        return kvm.guest_runs("kvm")
