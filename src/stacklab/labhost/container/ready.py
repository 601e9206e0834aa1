"""Wait until the lab host answers SSH with the lab's key (through the forwarder)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import paramiko

from stacklab.errors import StacklabError


def run_ssh(host: str, port: int, user: str, key_file: str, command: str,
            timeout: float = 10.0) -> tuple[int, str]:
    """One command over SSH; returns (exit status, stdout)."""
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # a new host every `up`
    try:
        client.connect(host, port=port, username=user, key_filename=key_file,
                       timeout=timeout, banner_timeout=timeout, auth_timeout=timeout,
                       allow_agent=False, look_for_keys=False)
        _, out, _ = client.exec_command(command, timeout=timeout)
        text = out.read().decode(errors="replace")
        return out.channel.recv_exit_status(), text
    finally:
        client.close()


def wait_for_ssh(host: str, port: int, user: str, key_file: str, timeout: float,
                 still_running: Callable[[], bool], command: str = "true") -> float:
    """Retry until `command` succeeds over SSH; return the seconds it took."""
    started = time.monotonic()
    last = "no answer yet"
    logging.getLogger("paramiko").setLevel(logging.CRITICAL)  # retries are expected here
    while time.monotonic() - started < timeout:
        if not still_running():
            raise StacklabError("the lab host stopped while booting",
                                "see its console log in the instance folder")
        try:
            status, _ = run_ssh(host, port, user, key_file, command, timeout=5)
            if status == 0:
                return time.monotonic() - started
            last = f"`{command}` exited {status}"
        except (OSError, paramiko.SSHException, EOFError) as exc:
            last = str(exc) or type(exc).__name__
        time.sleep(0.5)
    raise StacklabError(f"the lab host did not answer SSH within {timeout:.0f} s ({last})",
                        "see its console log in the instance folder")
