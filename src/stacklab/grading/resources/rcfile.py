"""An rc file used the way its user uses it: sourced in a login shell, then a token issued.

The OS_* variables the login shell already has are dropped first, so only the file speaks.
The openstack client prints the token's user and project IDs (never the token itself).
Nothing is written on the host: no cache under the home, no bytecode.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from stacklab.grading.markers import CheckError
from stacklab.grading.resources import memo

LIMIT = 50  # seconds for the client to get an answer from Keystone (coreutils timeout)
SCRIPT = ('for v in $(env | sed -n "s/^\\(OS_[A-Za-z0-9_]*\\)=.*/\\1/p"); do unset "$v"; '
          'done; . "$1" && exec timeout ' + str(LIMIT)
          + " openstack token issue -f json -c user_id -c project_id")
COMMAND = ("env XDG_CACHE_HOME=/dev/null PYTHONDONTWRITEBYTECODE=1 bash -lc %s rc-file "
           '"$HOME"/%s')


@dataclass(frozen=True)
class Login:
    ok: bool
    user_id: str = ""
    project_id: str = ""
    error: str = ""  # the client's last words when it could not log in


def login(host, name: str) -> Login:
    """Source ~/`name` in a login shell and issue a token as whoever it names."""
    def read() -> Login:
        out = host.run(COMMAND, SCRIPT, name)
        if out.rc == 124:
            raise CheckError(f"Keystone did not answer the rc file's login within {LIMIT} s")
        if out.rc == 127:  # timeout(1) found no openstack to run
            raise CheckError("the openstack client is not installed on the lab host "
                             "(python3-openstackclient): the rc file cannot be tried")
        if out.rc != 0:
            lines = [line.strip() for line in out.stderr.splitlines() if line.strip()]
            return Login(False, error=(lines[-1] if lines else f"exit code {out.rc}")[-300:])
        try:
            token = json.loads(out.stdout)
            return Login(True, token["user_id"], token["project_id"])
        except (ValueError, KeyError, TypeError):
            raise CheckError(f"the openstack client printed no token details: "
                             f"{out.stdout.strip()[:200]!r}") from None
    return memo(host, f"rc-login:{name}", read)
