"""The graders' fixtures: ``settings`` and ``cloud``, and the OpenStack snapshot's warm-up.

``settings``: the lab's settings (lab.yaml + overrides, one cached parse per process).
``cloud``: the host's OpenStack, read once per run by one openstacksdk process on the lab host,
started before the first check so it runs while the others do. The snapshot has a time limit
of its own, and waiting for it ends at the host's; it does not count against a check's own
time limit.
"""

from __future__ import annotations

import pytest

from stacklab.grading import limits
from stacklab.grading.control import control_of
from stacklab.grading.redact import settings_secrets

SETTINGS = pytest.StashKey[object]()


@pytest.fixture(scope="session")
def settings(pytestconfig: pytest.Config):
    """The lab's settings as the host's kind of lab host sees them (lab.yaml + overrides)."""
    found = settings_of(pytestconfig)
    if found is None:  # say why, as the loader words it
        from stacklab.settings import load_settings

        return load_settings(pytestconfig.getoption("--stacklab-kind"))
    return found


@pytest.fixture(scope="session", autouse=True)
def _stacklab_warm_up(request: pytest.FixtureRequest, settings) -> None:
    """Start reading OpenStack on every host before the first check, if any check needs it."""
    if not any("cloud" in getattr(item, "fixturenames", ()) for item in request.session.items):
        return
    from stacklab.grading.resources import cloud

    until = control_of(request.config).deadline
    for host in session_hosts(request.config):
        cloud.start_snapshot(host, settings, until)


@pytest.fixture
def cloud(host, settings, pytestconfig: pytest.Config):
    """The host's OpenStack state (one snapshot per run), as a :class:`Cloud`."""
    from stacklab.grading.resources import cloud as cloud_resource

    with limits.paused():  # the snapshot's own limit (and the host's) bounds this wait
        return cloud_resource.snapshot(host, settings, control_of(pytestconfig).deadline)


def session_hosts(config: pytest.Config) -> list:
    """The testinfra hosts of this session: the very objects its `host` fixture hands out."""
    import testinfra

    opt = config.option
    hosts = opt.hosts.split(",") if getattr(opt, "hosts", None) else [None]
    return testinfra.get_hosts(
        hosts, connection=opt.connection, ssh_config=opt.ssh_config,
        ssh_identity_file=opt.ssh_identity_file, sudo=opt.sudo, sudo_user=opt.sudo_user,
        ansible_inventory=opt.ansible_inventory, force_ansible=opt.force_ansible)


def settings_of(config: pytest.Config):
    """The settings (None when they cannot be read: the `settings` fixture will say why)."""
    if SETTINGS not in config.stash:
        from stacklab.errors import StacklabError
        from stacklab.settings import cached_settings

        try:
            config.stash[SETTINGS] = cached_settings(config.getoption("--stacklab-kind"))
        except StacklabError:
            config.stash[SETTINGS] = None
    return config.stash[SETTINGS]


def secrets_of(config: pytest.Config) -> list[str]:
    settings = settings_of(config)
    return settings_secrets(settings) if settings is not None else []
