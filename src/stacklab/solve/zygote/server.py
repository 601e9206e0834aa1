"""A warm `openstack` CLI on the lab host: one process that has imported openstackclient,
forking a child per call (run on the host, stdlib only: `python3 server.py DIR CLI IDLE`).

The step scripts' `openstack` shell function (stacklab.solve.zygote) connects to DIR/sock
(DIR is private: 0700, the SSH user's) and sends, in one SOCK_SEQPACKET message, its cwd,
umask, argv and environment, with its stdin/stdout/stderr attached (SCM_RIGHTS). The server
forks; the child puts those fds, that environment, cwd and umask in place, rebuilds
sys.stdin/stdout/stderr as Python's start-up does, says b"S" and runs the CLI's own script
(CLI, e.g. /usr/bin/openstack) as __main__: the same code, the same exit, a fresh process
per call. The server sends b"X<code>" or b"K<signal>" when the child ends; b"F" (before
anything ran) means "run the real CLI".

One thing outlives a call: its Keystone token (:func:`cache_tokens`), kept in DIR/tokens/
for the calls of the same *epoch* (the function names it in STACKLAB_OSC_TOKENS, which the
server takes out of the call's environment). The kit gives every script that may change
the host an epoch of its own and starts a new one after it, so a token is reused only by
read-only scripts between two changes, or within one changing script until it changes
identity (roles, users, projects, services, endpoints...): such a call drops the epoch's
tokens and keeps none. A token Keystone no longer takes (401) is asked for again, as the
real CLI's session does.

It declines (b"F") rather than risk a different result: another user, PATH finding another
`openstack`, an environment that differs from its own start-up one in a variable read while
importing (recorded during warm-up, plus the interpreter's and C library's own: PYTHON*,
LC_*, LANG, HOME, ...), or installed packages that changed since warm-up (then it re-execs
itself once no call is running). A warm-up that printed anything refuses to serve. It exits
after IDLE seconds without a call, and on SIGTERM; it never listens on a network port."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import select
import shutil
import signal
import socket
import sys
import time
import traceback
import types

MAX_MESSAGE = 1 << 20
STATIC_PREFIXES = ("PYTHON", "LC_", "LD_", "OPENSSL_", "SSL_CERT_", "GLIBC_", "MALLOC_")
STATIC_KEYS = {"LANG", "LANGUAGE", "TZ", "HOME", "TMPDIR"}
# a module that copies the whole environment while it is imported, and how a child
# recomputes that copy for its own environment (wsgiref: WSGI servers only, never the CLI)
REFRESHERS = {"wsgiref/handlers.py": "wsgiref.handlers"}
PRELOAD_GROUPS = ("openstack.", "keystoneauth1.plugin")
TOKENS_KEY = b"STACKLAB_OSC_TOKENS"  # the call's token epoch (not part of its environment)
EPOCH = re.compile(r"[rw][0-9]{1,9}")
# a call with one word of each set changes what a token holds (roles, the catalog) or
# whether it is still good: an over-cautious match only costs a login
IDENTITY_WORDS = {"user", "role", "project", "domain", "group", "application", "trust",
                  "credential", "credentials", "implied", "access", "token", "service",
                  "endpoint", "region", "limit", "registered", "policy", "mapping",
                  "federation", "identity", "ec2", "consumer", "password"}
CHANGING_WORDS = {"create", "delete", "set", "unset", "add", "remove", "revoke", "purge",
                  "issue", "cleanup"}


def log(text: str) -> None:
    sys.__stderr__.write(f"{time.strftime('%H:%M:%S')} {text}\n")
    sys.__stderr__.flush()


class Recorder:
    """Which environment variables the imports read (os.environ[...] / get / in / getenv),
    and where anything copied the whole environment."""

    def __init__(self) -> None:
        self.keys: set[bytes] = set()
        self.copied_by: set[str] = set()
        cls = type(os.environ)
        self.cls, self.getitem, self.iter = cls, cls.__getitem__, cls.__iter__
        recorder = self

        def getitem(env, key):  # type: ignore[no-untyped-def]
            if sys._getframe(1).f_code.co_name != "__iter__":  # items()/values() walk
                recorder.keys.add(key if isinstance(key, bytes) else os.fsencode(key))
            return recorder.getitem(env, key)

        def walk(env):  # type: ignore[no-untyped-def]
            frame = sys._getframe(1)
            while frame and frame.f_code.co_filename.startswith(("<frozen", os.__file__)):
                frame = frame.f_back
            recorder.copied_by.add(frame.f_code.co_filename if frame else "?")
            return recorder.iter(env)

        cls.__getitem__, cls.__iter__ = getitem, walk

    def stop(self) -> None:
        self.cls.__getitem__, self.cls.__iter__ = self.getitem, self.iter


def entry_point_modules() -> list[str]:
    """The modules behind the CLI's plugins and commands (what one call imports anyway)."""
    from importlib import metadata

    found: list[str] = []
    for dist in metadata.distributions():
        for ep in dist.entry_points:
            if ep.group.startswith(PRELOAD_GROUPS) and ep.module not in found:
                found.append(ep.module)
    return found


def warm_up(cli: str) -> tuple[set[bytes], list[str], bool]:
    """Import what a call imports; return the variables read, the refreshers, strictness."""
    recorder = Recorder()
    try:
        sys.argv = [cli]
        import openstackclient.shell  # noqa: F401 (the CLI's own first import)

        for name in entry_point_modules():
            try:
                __import__(name)
            except Exception as exc:  # a broken plugin: the real CLI meets it at run time
                log(f"preload {name}: {type(exc).__name__}")
    finally:
        recorder.stop()
    refresh, strict = [], False
    for where in recorder.copied_by:
        module = next((m for f, m in REFRESHERS.items() if where.endswith(f)), None)
        if module:
            refresh.append(module)
        else:
            strict = True  # an unknown copy: only an identical environment is safe
            log(f"environment copied while importing by {where}: identical ones only")
    return recorder.keys, refresh, strict


def fingerprint() -> list[tuple[str, int]]:
    """What changes when packages are installed: sys.path directories and dpkg's status."""
    found = []
    for path in [*sys.path, "/var/lib/dpkg/status"]:
        try:
            found.append((path, os.stat(path or ".").st_mtime_ns))
        except OSError:
            found.append((path, -1))
    return found


def which(path_value: bytes) -> bytes | None:
    for entry in path_value.split(b":"):
        candidate = os.path.join(entry or b".", b"openstack")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


class Request:
    def __init__(self, data: bytes) -> None:
        fields = data.split(b"\0")
        if fields[0] != b"Z1":
            raise ValueError("protocol")
        self.cwd, self.umask = fields[1], int(fields[2])
        count = int(fields[3])
        self.argv = fields[4:4 + count]
        self.env: dict[bytes, bytes] = {}
        for item in fields[4 + count:]:
            key, sep, value = item.partition(b"=")
            if sep:
                self.env[key] = value
        self.epoch = os.fsdecode(self.env.pop(TOKENS_KEY, b""))


class Server:
    def __init__(self, directory: str, cli: str, idle: float) -> None:
        self.directory, self.cli, self.idle = directory, cli, idle
        self.owner = os.getpid()
        self.startup_env = dict(os.environb)
        self.argv = list(sys.argv)  # to warm up again after packages changed
        # child pid -> its client's connection (None once the client left)
        self.running: dict[int, socket.socket | None] = {}
        self.stale = False
        self.stop = False

    def prepare(self) -> None:
        keys, self.refresh, self.strict = warm_up(self.cli)
        self.must_match = keys | {k for k in self.startup_env if self.static(k)} | \
            {os.fsencode(k) for k in STATIC_KEYS}
        self.fingerprint = fingerprint()
        import gc
        gc.freeze()  # children leave the warm objects alone (no copy-on-write by the GC)

    @staticmethod
    def static(key: bytes) -> bool:
        return key.decode(errors="replace").startswith(STATIC_PREFIXES)

    def accepts(self, request: Request, uid: int) -> str | None:
        """Why this call must run on the real CLI instead (None: it may run here)."""
        if uid != os.getuid():
            return "another user"
        if which(request.env.get(b"PATH", b"")) != os.fsencode(self.cli):
            return "PATH finds another openstack"
        if self.strict and request.env != self.startup_env:
            return "environment"
        keys = self.must_match | {k for k in request.env if self.static(k)}
        for key in keys:
            if request.env.get(key) != self.startup_env.get(key):
                return f"environment ({key.decode(errors='replace')})"
        changed = [p for p, m in fingerprint() if (p, m) not in self.fingerprint]
        if changed:
            self.stale = True
            return f"packages changed since warm-up ({', '.join(changed)})"
        return None

    def serve(self) -> Request | None:
        """Answer calls until idle or stopped; in a child, return its request to run."""
        path = os.path.join(self.directory, "sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        listener.bind(path + ".new")
        os.chmod(path + ".new", 0o600)
        listener.listen(64)
        os.rename(path + ".new", path)  # clients see the socket only once it is listening
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGTERM, self.terminate)
        log(f"serving {self.cli} on {path}")
        last = time.monotonic()
        while True:
            if self.stop or (self.stale and not self.running):
                break
            if not self.running and time.monotonic() - last > self.idle:
                log("idle")
                break
            watched = [wake_r, *(c for c in self.running.values() if c is not None)]
            if not self.stale:
                watched.append(listener)
            ready, _, _ = select.select(watched, [], [], min(5.0, self.idle))
            for item in ready:
                if item is listener:
                    last = time.monotonic()
                    child = self.accept(listener)
                    if child is not None:
                        listener.close()
                        os.close(wake_r)
                        os.close(wake_w)
                        return child
                elif item == wake_r:
                    os.read(wake_r, 4096)
                else:
                    self.forward(item)
            self.reap()
            if self.running:
                last = time.monotonic()
        signal.set_wakeup_fd(-1)
        listener.close()
        if self.stale and not self.stop:
            os.unlink(path)
            log("packages changed: warming up again")
            os.execv(sys.executable, [sys.executable, *self.argv])
        self.cleanup(all_of_it=True)
        return None

    def terminate(self, *_: object) -> None:
        self.stop = True

    def cleanup(self, *, all_of_it: bool = False) -> None:
        """Leave nothing behind (`all_of_it`), or keep the log for whoever started it."""
        for conn in self.running.values():
            if conn is not None:
                conn.close()
        shutil.rmtree(os.path.join(self.directory, "tokens"), ignore_errors=True)
        for name in ("sock", "server.py", "pid", *(("log",) if all_of_it else ())):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(self.directory, name))
        if all_of_it:
            with contextlib.suppress(OSError):
                os.rmdir(self.directory)

    def accept(self, listener: socket.socket) -> Request | None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return None
        conn.settimeout(5.0)
        fds: list[int] = []
        try:
            data, fds, flags, _ = socket.recv_fds(conn, MAX_MESSAGE, 3)
            creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
            uid = int.from_bytes(creds[4:8], sys.byteorder)
            request = Request(data)
            truncated = flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC)
            why = "message too large" if truncated or len(fds) != 3 else \
                self.accepts(request, uid)
            if why is None:
                pid = os.fork()
                if pid == 0:
                    return self.child(conn, fds, request)
                self.running[pid] = conn
                conn.settimeout(None)
                conn = None  # type: ignore[assignment]
            else:
                log(f"declined: {why}")
                conn.send(b"F")
        except (OSError, ValueError, IndexError) as exc:
            log(f"bad call: {exc}")
        finally:
            for fd in fds:
                if self.owner == os.getpid():
                    os.close(fd)
            if conn is not None and self.owner == os.getpid():
                conn.close()
        return None

    def forward(self, conn: socket.socket) -> None:
        """A message from a waiting client: a signal to pass on, or it went away."""
        pid = next(p for p, c in self.running.items() if c is conn)
        try:
            data = conn.recv(64)
        except OSError:
            data = b""
        sig = int(data[1:]) if data.startswith(b"G") and data[1:].isdigit() else \
            signal.SIGTERM
        if not data:  # the client is gone: so goes its command, as with a closed terminal
            conn.close()
            self.running[pid] = None
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)

    def reap(self) -> None:
        while self.running:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.running.pop(pid, None)
            if conn is None:
                continue
            if os.WIFSIGNALED(status):
                reply = b"K%d" % os.WTERMSIG(status)
            else:
                reply = b"X%d" % os.waitstatus_to_exitcode(status)
            with contextlib.suppress(OSError):
                conn.send(reply)
            conn.close()

    def child(self, conn: socket.socket, fds: list[int], request: Request) -> Request:
        """In the forked child: become the CLI's process for this call."""
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        for other in self.running.values():
            if other is not None:
                other.close()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        try:
            os.chdir(request.cwd)
        except OSError:
            conn.send(b"F")
            os._exit(0)
        os.umask(request.umask)
        os.environb.clear()
        os.environb.update(request.env)
        for module in self.refresh:
            handlers = sys.modules.get(module)
            if handlers is not None:
                handlers.BaseHandler.os_environ = handlers.read_environ()
        install_stdio()
        conn.send(b"S")
        conn.close()
        return request


def install_stdio() -> None:
    """sys.stdin/stdout/stderr over fds 0-2 exactly as the interpreter's start-up makes them
    (create_stdio: same encoding and errors, the locale variables matched; -u or
    PYTHONUNBUFFERED as the server had them; line-buffered on a terminal, stderr always)."""
    buffered_stdio = not sys.__stdout__.write_through
    made = []
    for fd, name, write in ((0, "stdin", False), (1, "stdout", True), (2, "stderr", True)):
        template = getattr(sys, f"__{name}__")
        buffering = 0 if write and not buffered_stdio else -1
        buf = open(fd, "wb" if write else "rb", buffering, closefd=False)  # noqa: SIM115
        raw = buf.raw if buffering else buf
        raw.name = f"<{name}>"
        line = buffered_stdio and (raw.isatty() or fd == 2)
        text = io.TextIOWrapper(buf, template.encoding, template.errors, "\n", line,
                                not buffered_stdio)
        text.mode = "w" if write else "r"
        made.append(text)
    sys.stdin, sys.stdout, sys.stderr = made
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = made


def changes_identity(argv: list[bytes]) -> bool:
    words = {os.fsdecode(a).lower() for a in argv if not a.startswith(b"-")}
    return bool(words & IDENTITY_WORDS) and bool(words & CHANGING_WORDS)


def cache_tokens(directory: str, request: Request) -> None:
    """In the child, before the CLI runs: its Keystone logins reuse the token of an earlier
    call of the same epoch with the same credentials (keystoneauth's own cache id: auth URL,
    user, password, scope), and keep theirs for the next. Files 0600 in the 0700 DIR."""
    if not EPOCH.fullmatch(request.epoch):
        return
    folder = os.path.join(directory, "tokens", request.epoch)
    if changes_identity(request.argv):
        shutil.rmtree(folder, ignore_errors=True)  # tokens that may hold the old roles
        return
    try:
        from keystoneauth1 import access
        from keystoneauth1.identity import base
        from keystoneauth1.identity.generic import base as generic
        from keystoneauth1.identity.v3 import base as v3
    except ImportError:
        return
    depth = [0]  # the generic plugin logs in through a v3 one: only the outer one caches

    def path_of(plugin: object) -> str | None:
        try:
            cache_id = plugin.get_cache_id()  # type: ignore[attr-defined]
        except Exception:
            return None
        if not cache_id:
            return None
        return os.path.join(folder, hashlib.sha256(cache_id.encode()).hexdigest())

    def load(plugin: object, path: str) -> object | None:
        if plugin.__dict__.get("_stacklab_fresh"):
            return None
        try:
            with open(path) as f:
                state = json.load(f)
            ref = access.create(body=state["body"], auth_token=state["auth_token"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if ref.will_expire_soon(plugin.MIN_TOKEN_LIFE_SECONDS):  # type: ignore[attr-defined]
            return None
        return ref

    def save(path: str, ref: object) -> None:
        data = json.dumps({"auth_token": ref.auth_token, "body": ref._data})  # type: ignore[attr-defined]
        with contextlib.suppress(OSError):
            os.makedirs(folder, mode=0o700, exist_ok=True)
            temporary = f"{path}.{os.getpid()}"
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(data)
            os.replace(temporary, path)

    def caching(original):  # type: ignore[no-untyped-def]
        def get_auth_ref(self, session, **kwargs):  # type: ignore[no-untyped-def]
            path = path_of(self) if depth[0] == 0 else None
            ref = load(self, path) if path else None
            if ref is not None:
                return ref
            depth[0] += 1
            try:
                ref = original(self, session, **kwargs)
            finally:
                depth[0] -= 1
            if path:
                save(path, ref)
            return ref
        return get_auth_ref

    def invalidating(original):  # type: ignore[no-untyped-def]
        def invalidate(self):  # type: ignore[no-untyped-def]
            self.__dict__["_stacklab_fresh"] = True  # refused: the next login asks Keystone
            path = path_of(self)
            if path:
                with contextlib.suppress(OSError):
                    os.unlink(path)
            return original(self)
        return invalidate

    for cls in (generic.BaseGenericPlugin, v3.Auth):
        cls.get_auth_ref = caching(cls.get_auth_ref)
    base.BaseIdentityPlugin.invalidate = invalidating(base.BaseIdentityPlugin.invalidate)


def run_cli(cli: str, request: Request) -> None:
    """The CLI's own script as __main__, with this call's argv."""
    sys.argv = [cli, *(os.fsdecode(a) for a in request.argv)]
    sys.orig_argv = [sys.executable, *sys.argv]
    main = types.ModuleType("__main__")
    main.__file__ = cli
    sys.modules["__main__"] = main
    with open(cli, "rb") as f:
        code = compile(f.read(), cli, "exec")
    try:
        exec(code, main.__dict__)
    except SystemExit:
        raise
    except BaseException as exc:  # uncaught: the traceback the CLI's own process prints
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != cli:
            tb = tb.tb_next
        sys.excepthook(type(exc), exc.with_traceback(tb), tb)
        if isinstance(exc, KeyboardInterrupt):
            sys.stdout.flush()
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
        sys.exit(1)


def start(directory: str, cli: str, idle: float) -> Request | None:
    # the import path the CLI's script has (its own directory first), not this file's
    sys.path[0] = os.path.dirname(os.path.realpath(cli))
    with open(os.path.join(directory, "pid"), "w") as f:
        f.write(str(os.getpid()))
    # the warm-up's own output goes to a file: anything there would be missing from calls
    heard = os.path.join(directory, "warm-up.out")
    saved = os.dup(1), os.dup(2)
    with open(heard, "wb") as out:
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
    server = Server(directory, cli, idle)
    try:
        server.prepare()
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        os.dup2(saved[1], 2)
        with open(heard, errors="replace") as said:
            log("warm-up failed: " + said.read()[-2000:])
        raise SystemExit(3) from None
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
    said = os.path.getsize(heard)
    os.unlink(heard)
    if said:
        log(f"the warm-up printed {said} bytes: a call would not print them; not serving")
        server.cleanup()
        raise SystemExit(3)
    return server.serve()


if __name__ == "__main__":
    _directory, _cli = sys.argv[1], sys.argv[2]  # (the warm-up rewrites sys.argv)
    _request = start(_directory, _cli, float(sys.argv[3]))
    if _request is None:
        sys.exit(0)
    del _request.env
    with contextlib.suppress(Exception):  # no cache is no harm: the call logs in itself
        cache_tokens(_directory, _request)
    run_cli(_cli, _request)
