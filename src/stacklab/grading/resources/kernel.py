"""What the lab host's kernel offers, asked of the host itself (never of the settings).

The tutorial's volumes need device-mapper (LVM logical volumes) and iSCSI (tgt exports them,
open-iscsi attaches them). A kernel without them cannot show those checks: they end
not-verified, whatever an inventory or a settings file says about the host.
"""

from __future__ import annotations

from stacklab.grading.markers import CheckError
from stacklab.grading.resources import memo

# loaded (/sys/module), or loadable from the running kernel's modules (modinfo, as root:
# it lives in /usr/sbin); device-mapper also shows in /proc/misc when built in
PROBE = ("for m in dm_mod iscsi_tcp; do if test -e /sys/module/$m || modinfo -n $m "
         ">/dev/null 2>&1; then echo $m; fi; done; grep -qw device-mapper /proc/misc "
         "&& echo dm_mod; true")


def modules(host) -> set[str]:
    """Which of dm_mod and iscsi_tcp this host's kernel has."""
    def read() -> set[str]:
        with host.sudo():
            out = host.run(PROBE)
        if out.rc != 0:
            raise CheckError(f"could not ask the lab host's kernel what it offers: "
                             f"{(out.stderr.strip() or f'exit code {out.rc}')[-200:]}")
        return set(out.stdout.split())
    return memo(host, "kernel-modules", read)


def device_mapper(host) -> bool:
    return "dm_mod" in modules(host)


def iscsi(host) -> bool:
    return "iscsi_tcp" in modules(host)
