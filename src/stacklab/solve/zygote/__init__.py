"""A warm `openstack` CLI for the reference solution's scripts (a "zygote").

Each `openstack` call in a step costs over a second of Python start-up on the lab host. A
solve run starts, once, :mod:`server` on the host (in a private 0700 directory under /tmp,
as the SSH user, a unix socket only): one process that has imported openstackclient and
forks a child per call. The scripts get a shell function ``openstack`` (:func:`prelude`)
that hands the call, with its stdin/stdout/stderr, environment, cwd and umask, to the server
through :mod:`client`, and runs the real CLI whenever the server is absent or declines. The
steps' text, the log and every result stay those of the real CLI; a learner's copy of a
step runs the real CLI. The server exits after IDLE seconds without a call and when the run
ends (:meth:`Zygote.stop`).

Its calls reuse their Keystone token within an *epoch* (:func:`server.cache_tokens`): the
read-only scripts (checks) between two changing ones share one; a script that may change
the host gets one of its own, and the next epoch starts when it ends. A password login is
most of a warm call's time (0.38 of 0.45 s measured on the container host).

What a shell function cannot be: `xargs openstack ...` and `sudo openstack ...` run the
real CLI (fine, only slower), and `openstack ... & kill $!` signals the function's
subshell, whose client passes INT/TERM/HUP on to the call (no step does this).
"""

from __future__ import annotations

import contextlib
import re
import shlex
import threading
import time
from importlib import resources

from stacklab.hosts.transport import Connection
from stacklab.switches import switched_on

IDLE = 600.0  # seconds without a call before the server leaves by itself
START_TIMEOUT = 60.0
USES_OPENSTACK = re.compile(r"(^|[^\w.-])openstack(?=\s|$|[;|&)])", re.M)
DELIMITER = "STACKLAB_ZYGOTE_SERVER_EOF"
TOKEN_CACHE_ENV = "STACKLAB_TOKEN_CACHE"  # 0: every call logs in (to compare, or rule it out)


def token_cache_enabled() -> bool:
    return switched_on(TOKEN_CACHE_ENV)


def source(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text()


def start_script(idle: float = IDLE) -> str:
    """Starts the server unless it is up; prints `ready DIR PYTHON` or why not."""
    server = source("server.py")
    assert f"\n{DELIMITER}\n" not in server
    return f"""cli=$(type -P openstack) || {{ echo no-cli; exit 0; }}
py=$(sed -n '1s/^#! *//p' "$cli")
case "$py" in /*python3*) ;; *) echo "not a python3 script: $cli"; exit 0;; esac
case "$py" in *' '*) echo "an interpreter with options: $py"; exit 0;; esac
d=$(mktemp -d /tmp/stacklab-osc.XXXXXX) || exit 1
cat > "$d/server.py" <<'{DELIMITER}'
{server}
{DELIMITER}
setsid "$py" "$d/server.py" "$d" "$cli" {idle:.0f} </dev/null >"$d/log" 2>&1 &
for _ in $(seq {int(START_TIMEOUT * 10)}); do
  [ -S "$d/sock" ] && break
  kill -0 $! 2>/dev/null || break
  sleep 0.1
done
if [ -S "$d/sock" ]; then echo "ready $d $py"; else echo failed; tail -5 "$d/log"; rm -rf "$d"; fi
"""


def alive_script(directory: str) -> str:
    d = shlex.quote(directory)
    return f'[ -S {d}/sock ] && kill -0 "$(cat {d}/pid)" 2>/dev/null && echo ready'


def stop_script(directory: str) -> str:
    d = shlex.quote(directory)
    return (f'kill -TERM "$(cat {d}/pid 2>/dev/null)" 2>/dev/null; '
            f'case {d} in /tmp/stacklab-osc.*) rm -rf {d};; esac; true')


def prelude(directory: str, python: str, epoch: str = "") -> str:
    """The shell function that sends `openstack` calls to the server at `directory`; its
    calls share their tokens with the other calls of `epoch` ("": none)."""
    client = shlex.quote(source("client.py"))
    sock = shlex.quote(f"{directory}/sock")
    tokens = f"STACKLAB_OSC_TOKENS={shlex.quote(epoch)} " if epoch else ""
    return (f"openstack() {{\n  if [ -S {sock} ]; then {tokens}{shlex.quote(python)} -I -S -c "
            f"{client} {sock} \"$@\"\n  else command openstack \"$@\"; fi\n}}")


class Zygote:
    """The server of one solve run on one connection: started on the first script that
    calls `openstack` (and again if it left while idle), stopped with the run."""

    def __init__(self, connection: Connection, *, idle: float = IDLE) -> None:
        self.connection = connection
        self.idle = idle
        self.directory: str | None = None
        self.python = ""
        self.checked = 0.0
        self.broken = False  # it failed to start: the real CLI for the rest of the run
        self.note = ""
        self.epoch = 0  # which read-only scripts share tokens (see the module's docstring)
        self.tokens = token_cache_enabled()
        self._lock = threading.Lock()  # checks run ahead ask from several threads

    def prelude_for(self, script: str, *, read_only: bool = False) -> str:
        """The function to put before `script` ("" when it calls no `openstack`).
        `read_only`: the script only reads (a check); any other may change what a token
        holds (keystone-manage, SQL, `openstack role add`...), so it starts a new epoch."""
        with self._lock:
            if not read_only:
                self.epoch += 1
            epoch = f"{'r' if read_only else 'w'}{self.epoch}"
            if self.broken or not USES_OPENSTACK.search(script):
                return ""
            return self._prelude(epoch)

    def finished(self, *, read_only: bool = False) -> None:
        """A script ended: after one that may have changed the host, a new epoch (a check
        started while it ran may hold a token from before its change)."""
        if not read_only:
            with self._lock:
                self.epoch += 1

    def _prelude(self, epoch: str) -> str:
        if self.directory is None or time.monotonic() - self.checked > self.idle / 2:
            self.ensure()
        if self.directory is None:
            return ""
        self.checked = time.monotonic()
        return prelude(self.directory, self.python, epoch if self.tokens else "")

    def ensure(self) -> None:
        if self.directory is not None:
            done = self.connection.run(alive_script(self.directory), timeout=30)
            if done.stdout.strip() == "ready":
                return
            self.directory = None
        done = self.connection.run("bash -s", start_script(self.idle),
                                   timeout=START_TIMEOUT + 30)
        words = done.stdout.split()
        if done.rc == 0 and len(words) == 3 and words[0] == "ready":
            self.directory, self.python = words[1], words[2]
        elif words[:1] != ["no-cli"]:  # not installed yet: ask again with a later script
            self.broken = True
            self.note = (done.stdout + done.stderr).strip()

    def stop(self) -> None:
        directory, self.directory = self.directory, None
        if directory is not None:
            with contextlib.suppress(Exception):
                self.connection.run(stop_script(directory), timeout=30)
