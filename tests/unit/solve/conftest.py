from __future__ import annotations

import pytest

from stacklab.settings import load_settings
from stacklab.solve import load


@pytest.fixture(scope="session")
def vagrant_settings():
    return load_settings("vagrant", environ={})


@pytest.fixture(scope="session")
def container_settings():
    return load_settings("container", environ={})


@pytest.fixture(scope="session")
def ubuntu_solutions(vagrant_settings):
    return load(vagrant_settings, ssh_user="learner")


@pytest.fixture(scope="session")
def debian_solutions(container_settings):
    return load(container_settings, ssh_user="learner")
