"""Does a guest really run under KVM here? Boot one and see.

/dev/kvm can exist while real guests hang under it (a broken nested setup): measured on
the kit's build machines, a 512-byte real-mode guest runs under KVM but a Linux kernel
hangs. So the probe boots a Linux kernel (any readable /boot/vmlinuz-*) with no root
file system: it reaches "Kernel panic" and QEMU exits. Only when no kernel is readable
does it fall back to the boot sector, and it says that this test is weaker.
"""

from __future__ import annotations

import glob
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# 16-bit real-mode code, loaded by the BIOS at 0x7c00:
#   mov dx,0x3f8 ; mov al,'O' ; out dx,al ; mov al,'K' ; out dx,al ; mov al,10 ; out dx,al
#   mov dx,0xf4 ; mov al,0 ; out dx,al   (isa-debug-exit: QEMU exits with status 1)
#   hlt ; jmp $-1
_CODE = bytes.fromhex("baf803b04feeb04beeb00aee" "baf400b000ee" "f4ebfd")
BOOT_SECTOR = _CODE + bytes(510 - len(_CODE)) + b"\x55\xaa"
QEMU = "qemu-system-x86_64"


@dataclass(frozen=True)
class ProbeResult:
    ran: bool
    detail: str
    thorough: bool  # True when a Linux kernel was booted, not just the boot sector


def readable_kernel() -> str | None:
    for path in sorted(glob.glob("/boot/vmlinuz-*"), reverse=True):
        if os.access(path, os.R_OK):
            return path
    return None


def guest_runs(accel: str = "kvm", timeout: float = 20.0, kernel: str | None = None,
               qemu: str = QEMU) -> ProbeResult:
    """Boot a test guest under the accelerator; a kernel if one is readable."""
    kernel = kernel if kernel is not None else readable_kernel()
    base = [qemu, "-accel", accel, "-nodefaults", "-display", "none", "-no-reboot",
            "-serial", "stdio"]
    with tempfile.TemporaryDirectory(prefix="stacklab-kvm-") as tmp:
        if kernel:
            cmd = [*base, "-m", "256", "-kernel", kernel,
                   "-append", "console=ttyS0 panic=-1 loglevel=1"]
            expect, ok_codes = "Kernel panic", (0,)
        else:
            disk = Path(tmp) / "boot.img"
            disk.write_bytes(BOOT_SECTOR + bytes(1024 * 1024 - len(BOOT_SECTOR)))
            cmd = [*base, "-m", "16", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                   "-drive", f"file={disk},format=raw,if=ide"]
            expect, ok_codes = "OK", (1,)
        what = "a Linux test guest" if kernel else "a boot-sector test guest (weaker test)"
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  check=False, errors="replace")
        except FileNotFoundError:
            return ProbeResult(False, f"{qemu} is not installed", bool(kernel))
        except subprocess.TimeoutExpired:
            return ProbeResult(False, f"{what} hung under -accel {accel} for {timeout:.0f} s",
                               bool(kernel))
    if expect in done.stdout and done.returncode in ok_codes:
        return ProbeResult(True, f"{what} ran under -accel {accel}", bool(kernel))
    lines = [ln for ln in done.stderr.strip().splitlines() if "warning" not in ln]
    reason = lines[-1] if lines else f"exit status {done.returncode}"
    return ProbeResult(False, f"{what} did not run under -accel {accel}: {reason}",
                       bool(kernel))
