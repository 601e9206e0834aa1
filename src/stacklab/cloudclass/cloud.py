"""The connection to the school's cloud, and retries for its transient errors."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from stacklab.errors import StacklabError

T = TypeVar("T")
TRANSIENT_STATUS = {408, 429, 500, 502, 503, 504}


class CloudError(StacklabError):
    """The cloud refused or failed a request (after the retries, when it was transient)."""

    exit_code = 3


def connect(cloud: str) -> Any:
    """An openstacksdk Connection to the cloud named in clouds.yaml; one line when unknown."""
    import openstack
    from openstack import exceptions

    try:
        return openstack.connect(cloud=cloud)
    except exceptions.ConfigException as exc:
        raise StacklabError(f"--cloud {cloud}: not usable ({_first_line(exc)})",
                            "name a cloud of your clouds.yaml (~/.config/openstack/"
                            "clouds.yaml or OS_CLIENT_CONFIG_FILE)") from None


@contextmanager
def cloud_errors(cloud: str) -> Iterator[None]:
    """What the cloud answers outside a host's own steps (a refused login, an API down
    after the retries) is one line naming the cloud, never a traceback."""
    from keystoneauth1.exceptions import ClientException
    from openstack.exceptions import SDKException

    try:
        yield
    except (SDKException, ClientException) as exc:
        raise CloudError(f"cloud {cloud}: {_first_line(exc)}",
                         "check the cloud's entry in clouds.yaml and that its API "
                         "answers (e.g. `openstack --os-cloud NAME server list`)") from None


def is_transient(exc: BaseException) -> bool:
    """A failure worth another try: a 5xx / 429 answer, or the connection itself failing."""
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return status in TRANSIENT_STATUS
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"ConnectFailure", "ConnectTimeout", "RetriableConnectionFailure",
                         "ConnectionError", "TimeoutError"})


def is_not_found(exc: BaseException) -> bool:
    return getattr(exc, "status_code", None) == 404 or type(exc).__name__ in (
        "NotFoundException", "ResourceNotFound")


def wait_server_gone(conn: Any, server: Any, timeout: int,
                     sleep: Callable[[float], None] = time.sleep, pause: float = 2.0) -> None:
    """Until Nova answers 404. Not the SDK's wait_for_delete: it stops at status DELETED,
    which Nova shows (and `server list` still lists) between the guest's end and the
    record's removal: the project's counts would still hold it, and a port or name it
    held may not be free yet."""
    end = time.monotonic() + timeout
    while True:
        try:
            found = conn.compute.get_server(server.id)
        except Exception as exc:
            if is_not_found(exc):
                return
            raise
        if time.monotonic() > end:
            raise TimeoutError(f"status {found.status} after {timeout} s")
        sleep(pause)


class Retry:
    """Calls a cloud operation again after a transient error, with a growing pause."""

    def __init__(self, tries: int, pause: float = 2.0,
                 sleep: Callable[[float], None] = time.sleep,
                 on_retry: Callable[[str], None] | None = None) -> None:
        self.tries, self.pause, self.sleep, self.on_retry = tries, pause, sleep, on_retry

    def __call__(self, what: str, operation: Callable[[], T]) -> T:
        attempt = 0
        while True:
            try:
                return operation()
            except Exception as exc:
                if not is_transient(exc) or attempt >= self.tries:
                    raise CloudError(f"{what}: {_first_line(exc)}") from exc
                attempt += 1
                if self.on_retry:
                    self.on_retry(f"{what}: {_first_line(exc)} (try {attempt + 1} of "
                                  f"{self.tries + 1})")
                self.sleep(self.pause * 2 ** (attempt - 1))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
