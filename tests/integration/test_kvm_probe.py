"""The doctor's test boot: real QEMU, under TCG (which works on every machine)."""

from __future__ import annotations

import pytest
from requires import requires_program

from stacklab.doctor.kvm import guest_runs, readable_kernel

pytestmark = [pytest.mark.integration,
              requires_program("qemu-system-x86_64", package="qemu-system-x86")]


def test_the_boot_sector_guest_runs_under_emulation():
    result = guest_runs("tcg", timeout=60, kernel="")
    assert result.ran and not result.thorough, result.detail


def test_a_linux_guest_runs_under_emulation_when_a_kernel_is_readable():
    kernel = readable_kernel()
    assert kernel, "CI installs a kernel image (linux-image-cloud-amd64) for this test"
    result = guest_runs("tcg", timeout=120, kernel=kernel)
    assert result.ran and result.thorough, result.detail


def test_a_guest_that_does_not_finish_in_time_counts_as_hung():
    result = guest_runs("tcg", timeout=0.05, kernel=readable_kernel() or "")
    assert not result.ran and "hung under -accel tcg" in result.detail


def test_a_missing_qemu_is_said_plainly():
    result = guest_runs("tcg", qemu="qemu-system-does-not-exist")
    assert not result.ran and "is not installed" in result.detail
