"""The lab host's root file system: debootstrap, configure, download (cached artefact)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from stacklab.labhost import cache
from stacklab.labhost.box import configure, debootstrap, download, run
from stacklab.labhost.box.profile import Profile
from stacklab.labhost.steps import Steps
from stacklab.settings.schema import Settings

KIND = "rootfs"
MIRROR = os.environ.get("STACKLAB_DEBIAN_MIRROR", "http://deb.debian.org/debian")
# the modules whose output goes into the image: a change to one of them is a new box
STEP_MODULES = [Path(m.__file__) for m in (configure, debootstrap, download, run)]


@dataclass(frozen=True)
class RootfsInputs:
    profile: Profile
    settings: Settings
    vagrant_key: str | None

    def as_dict(self) -> dict[str, object]:
        s = self.settings
        return {
            "os": self.profile.os, "suite": self.profile.suite, "mirror": MIRROR,
            "profile_sha": cache.digest(self.profile.path.read_bytes()),
            "host": {"name": s.host.name, "user": s.host.user,
                     "address": str(s.network.public.address)},
            "vagrant_key": cache.digest(self.vagrant_key or ""),
            "code": cache.source_digest(*STEP_MODULES),
        }

    def key(self) -> str:
        return f"{self.profile.os}-{cache.digest(self.as_dict())}"


def build_rootfs(inputs: RootfsInputs, steps: Steps) -> cache.Artifact:
    found = cache.lookup(KIND, inputs.key())
    if found:
        return found

    def builder(folder: Path) -> dict[str, object]:
        root = folder / "root"
        log = run.BuildLog(folder / "build.log")
        profile = inputs.profile
        with steps.step(f"debootstrap {profile.suite}"):
            debootstrap.debootstrap(root, profile.suite, MIRROR, log)
        with run.chroot_ready(root):
            with steps.step("configure the lab host"):
                download.write_sources(root, profile.suite, MIRROR)
                configure.configure(root, inputs.settings, inputs.vagrant_key, log)
            with steps.step(f"download the labs' packages ({len(profile.all_packages())} named)"):
                download.download_packages(root, profile, log)
        configure.finish(root)
        debs = download.cached_debs(root)
        return {"steps_seconds": dict(steps.seconds), "debs": len(debs),
                "debs_bytes": sum(d.stat().st_size for d in debs),
                "packages": list(profile.all_packages())}

    return cache.build(KIND, inputs.key(), builder, inputs.as_dict())
