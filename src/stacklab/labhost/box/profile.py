"""The OS profile the box caches: solutions/profiles/<os>.yaml, owned by the solutions and
read by their one loader (stacklab.solve.profile); a box is built from a Debian profile
only (its ``suite``).

Not part of the box's cache key as code (rootfs.STEP_MODULES): the key holds the profile
file's bytes, its OS and its Debian suite, which this module only reads.
"""

from __future__ import annotations

from pathlib import Path

from stacklab.errors import StacklabError
from stacklab.solve.profile import SUITES, Profile, profile_file
from stacklab.solve.profile import load_profile as load_os_profile

__all__ = ["SUITES", "Profile", "load_profile", "profile_file"]


def load_profile(os_name: str = "debian-13", path: Path | None = None) -> Profile:
    """Read an OS profile; only Debian profiles can be built into a box."""
    if os_name not in SUITES:
        raise StacklabError(f"no offline box can be built for OS profile '{os_name}'",
                            f"the box is built from: {', '.join(SUITES)}")
    return load_os_profile(os_name, path=path)
