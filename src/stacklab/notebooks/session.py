"""The notebook's one lab host: which target, its settings, and the one open transport.

A kernel has one :class:`Session`. The target comes, in order, from ``%vm_target``, the
``STACKLAB_NOTEBOOK_TARGET`` environment variable (``ssh://user@host:port?key=FILE``,
``local`` or ``dry-run``), and :func:`stacklab.hosts.target.default_target` (the host
``stacklab up`` started, else this checkout's Vagrant VM). The transport is opened on the
first cell and kept until the target changes or the kernel stops: over SSH, one connection
and on it one command runner for the cells (:mod:`stacklab.hosts.session`).
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field

from stacklab.errors import StacklabError
from stacklab.hosts.target import Target, default_target
from stacklab.hosts.transport import Connection
from stacklab.notebooks.transport import DRY_RUN, CellTransport, Transport, open_transport
from stacklab.settings import Settings, load_settings
from stacklab.solve.model import Step
from stacklab.solve.transport import ScriptTransport

TARGET_ENV = "STACKLAB_NOTEBOOK_TARGET"
STRICT_ENV = "STACKLAB_NOTEBOOK_STRICT"  # 1: a failing cell raises (tests, end-to-end runs)
TIMEOUT_ENV = "STACKLAB_NOTEBOOK_TIMEOUT"
DEFAULT_TIMEOUT = 900.0  # seconds; package installs on a slow host take minutes


@dataclass
class Session:
    spec: str | None = None  # what the learner asked for; None = the default target
    strict: bool = field(default_factory=lambda: os.environ.get(STRICT_ENV, "") == "1")
    timeout: float = field(
        default_factory=lambda: float(os.environ.get(TIMEOUT_ENV) or DEFAULT_TIMEOUT))
    _target: Target | None = None
    _transport: Transport | None = None
    _steps: dict[str, Step] | None = None  # the reference solution for this host, by id

    @property
    def dry_run(self) -> bool:
        return self._wanted() == DRY_RUN

    def _wanted(self) -> str | None:
        return self.spec or os.environ.get(TARGET_ENV) or None

    def target(self) -> Target:
        """The lab host (for a dry run: a local stand-in that nothing is run on)."""
        if self._target is None:
            wanted = self._wanted()
            if wanted == DRY_RUN:
                self._target = Target(local=True, name=DRY_RUN)
            elif wanted:
                self._target = Target.from_url(wanted)
            else:
                self._target = default_target()
        return self._target

    def describe(self) -> str:
        return self.transport().description

    def transport(self) -> Transport:
        if self._transport is None:
            self._transport = open_transport(DRY_RUN if self.dry_run else self.target())
        return self._transport

    def connection(self) -> Connection | None:
        """The notebook's one connection to its host (None for a dry run): %check runs the
        graders on it and %solve its steps, rather than opening a second one."""
        transport = self.transport()
        return transport.connection if isinstance(transport, CellTransport) else None

    def solve_transport(self) -> ScriptTransport:
        """The reference solution's steps on the notebook's connection (left open)."""
        connection = self.connection()
        if connection is None:
            raise StacklabError("a dry run has no lab host to run steps on",
                                "use %solve --dry-run, or %vm_target a lab host")
        return ScriptTransport(connection, owned=False)

    def settings(self) -> Settings:
        """The settings that apply to this host (its kind's overrides included)."""
        return load_settings(self.target().kind)

    def ssh_user(self) -> str:
        """Whom the cells run as: the SSH user, or this process's user on a local host."""
        target = self.target()
        return getpass.getuser() if target.local else target.user

    def solution_step(self, step_id: str) -> Step | None:
        """A step of the reference solution rendered for this host (None: not on this host)."""
        if self._steps is None:
            from stacklab.solve import load

            self._steps = {step.id: step for solution in load(self.settings(),
                                                              ssh_user=self.ssh_user())
                           for step in solution.steps}
        return self._steps.get(step_id)

    def retarget(self, spec: str | None) -> None:
        """Use another host from the next cell on (closing the current connection)."""
        if spec and spec != DRY_RUN:
            Target.from_url(spec)  # fail now, with the URL's problem, not at the next cell
        self.close()
        self.spec = spec
        self._target = None
        self._steps = None

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

