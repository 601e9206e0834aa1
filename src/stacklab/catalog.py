"""The fourteen labs, one per section of the AIMS 2012 tutorial.

Everything that names a lab (lab texts, notebooks, grader modules, solutions, the CLI)
takes its number, slug and title from here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from stacklab.errors import StacklabError


@dataclass(frozen=True)
class Lab:
    number: int
    slug: str
    title: str
    section: str  # where it sits in the tutorial
    on_host: bool = True  # False: a knowledge lab, answered in the notebook

    @property
    def name(self) -> str:
        """'03-mysql': the stem shared by labs/, notebooks/ and solutions/."""
        return f"{self.number:02d}-{self.slug}"

    @property
    def grader_module(self) -> str:
        """'test_03_mysql': the grader module in grader/."""
        return f"test_{self.number:02d}_{self.slug.replace('-', '_')}"


LABS: tuple[Lab, ...] = (
    Lab(1, "cloud-computing", "Cloud computing", "1 Cloud Computing", on_host=False),
    Lab(2, "architecture", "OpenStack architecture", "2 OpenStack", on_host=False),
    Lab(3, "mysql", "MySQL (MariaDB)", "3 Install MySQL"),
    Lab(4, "rabbitmq", "RabbitMQ", "4 Install RabbitMQ"),
    Lab(5, "glance", "Glance, with Keystone and Placement first", "5 Install Glance"),
    Lab(6, "nova-controller", "The Nova cloud controller", "6 Setup the Nova Cloud Controller"),
    Lab(7, "volume-host", "The volume host", "7 Setup the Volume Host"),
    Lab(8, "compute-host", "The compute host", "8 Setup the Compute Host"),
    Lab(9, "network", "The network", "9 Create Network Schema"),
    Lab(10, "users-projects", "Users and projects", "10 Create Users and Projects"),
    Lab(11, "images", "Images", "11 Uploading Images"),
    Lab(12, "launch-instance", "Launch an instance", "12 Launching Instances"),
    Lab(13, "floating-ip", "Connectivity and floating IP", "13 Network Connectivity"),
    Lab(14, "volumes", "Volumes", "14 Attaching Volumes"),
)

FIRST, LAST = LABS[0].number, LABS[-1].number


def lab(number: int | str) -> Lab:
    """The lab with this number, or a clear error naming the valid range."""
    try:
        n = int(str(number).strip())
    except ValueError:
        raise _no_such_lab(number) from None
    if not FIRST <= n <= LAST:
        raise _no_such_lab(number)
    return LABS[n - 1]


def select(spec: str | None) -> list[Lab]:
    """Parse '3', '3,5', '3-7', '3..7' or 'all' (None = all) into labs, in order."""
    if spec is None or spec.strip().lower() in ("", "all"):
        return list(LABS)
    chosen: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d+)\s*(?:-|\.\.)\s*(\d+)", part)
        if m:
            lo, hi = lab(m.group(1)).number, lab(m.group(2)).number
            if lo > hi:
                raise StacklabError(f"lab range '{part}' runs backwards", f"write {hi}-{lo}")
            chosen.update(range(lo, hi + 1))
        else:
            chosen.add(lab(part).number)
    return [LABS[n - 1] for n in sorted(chosen)]


def pick(labs: Iterable[int | str | Lab] | str | None) -> list[Lab]:
    """The labs a caller names, in order, each once: a spec for :func:`select` ('3-7',
    'all', None = all) or lab numbers and :class:`Lab` objects, as the runners take them."""
    if labs is None or isinstance(labs, str):
        return select(labs)
    chosen = {item if isinstance(item, Lab) else lab(item) for item in labs}
    return sorted(chosen, key=lambda one: one.number)


def _no_such_lab(given: object) -> StacklabError:
    return StacklabError(f"lab '{given}' does not exist: labs are numbered {FIRST} to {LAST}",
                         "see `stacklab labs`")
