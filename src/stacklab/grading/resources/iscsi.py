"""The iSCSI target Cinder's LVM backend exports volumes with, asked of the host.

cinder.conf's target_helper names it: tgtadm (the tutorial's tgt, a daemon in user space) or
lioadm (the kernel's LIO target, driven by cinder-rtstool; Cinder's default). Each is asked
whether it works, read-only: tgt's unit is running and `tgtadm` gets an answer from it; LIO
lists its targets through `cinder-rtstool`.
"""

from __future__ import annotations

from dataclasses import dataclass

from stacklab.grading.resources import memo, system

DEFAULT_HELPER = "lioadm"  # what Cinder uses when target_helper is not set
TGT_SHOW = "tgtadm --lld iscsi --mode target --op show"
LIO_SHOW = "cinder-rtstool get-targets"


@dataclass(frozen=True)
class Target:
    ok: bool
    detail: str  # what the host said


def _last_words(out) -> str:
    lines = [line.strip() for line in (out.stderr or out.stdout).splitlines() if line.strip()]
    return (lines[-1] if lines else f"exit code {out.rc}")[-200:]


def _tgt(host) -> Target:
    active, _ = system.service_state(host, "tgt")
    if active != "active":
        return Target(False, system.describe_unit(host, "tgt"))
    with host.sudo():
        out = host.run(TGT_SHOW)
    if out.rc != 0:
        return Target(False, f"tgt is active but `{TGT_SHOW}` gets no answer from it: "
                             f"{_last_words(out)}")
    return Target(True, "tgt answers")


def _lio(host) -> Target:
    with host.sudo():
        out = host.run(LIO_SHOW)
    if out.rc == 127:
        return Target(False, "cinder-rtstool (LIO's tool for Cinder) is not installed")
    if out.rc != 0:
        return Target(False, f"`{LIO_SHOW}` failed: {_last_words(out)}")
    return Target(True, "LIO answers")


HELPERS = {"tgtadm": _tgt, "lioadm": _lio}


def target(host, helper: str) -> Target:
    """Whether the target `helper` (a key of HELPERS) works on this host."""
    return memo(host, f"iscsi-target:{helper}", lambda: HELPERS[helper](host))
