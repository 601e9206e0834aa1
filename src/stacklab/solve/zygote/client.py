# The `openstack` shell function's client (python3 -I -S -c THIS SOCKET ARGS...): hands the
# call to the warm server at SOCKET with this process's stdin/stdout/stderr and ends as the
# call ended; when the server cannot take the call, it becomes the real CLI (exec, found on
# PATH as bash finds it). Only built-in modules: start-up is most of its cost.
# ruff: noqa: SIM105 (contextlib is not a built-in module)
import _signal
import _socket
import posix
import sys


def real_cli(args):
    for entry in posix.environ.get(b"PATH", b"").split(b":"):
        path = (entry or b".") + b"/openstack"
        try:
            regular = posix.stat(path).st_mode & 0o170000 == 0o100000
        except OSError:
            continue
        if regular and posix.access(path, posix.X_OK):
            try:
                posix.execv(path, [b"openstack", *args])
            except OSError:
                pass
    sys.stderr.write("openstack: command not found\n")
    posix._exit(127)


def main():
    args = [a.encode(sys.getfilesystemencoding(), "surrogateescape") for a in sys.argv[2:]]
    try:
        conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_SEQPACKET)
        conn.connect(sys.argv[1])
        mask = posix.umask(0)
        posix.umask(mask)
        env = [k + b"=" + v for k, v in posix.environ.items()]
        message = b"\0".join([b"Z1", posix.getcwdb(), b"%d" % mask, b"%d" % len(args),
                              *args, *env])
        fds = b"".join(fd.to_bytes(4, sys.byteorder) for fd in (0, 1, 2))
        conn.sendmsg([message], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, fds)])
        started = conn.recv(16)
    except OSError:
        started = b""
    if started != b"S":  # nothing ran: the real CLI takes the call
        real_cli(args)

    def forward(sig, frame):
        try:
            conn.send(b"G%d" % sig)
        except OSError:
            pass

    for sig in (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP):
        _signal.signal(sig, forward)
    ended = conn.recv(16)
    if ended[:1] == b"X":
        posix._exit(int(ended[1:]))
    if ended[:1] == b"K":
        sig = int(ended[1:])
        _signal.signal(sig, _signal.SIG_DFL)
        posix.kill(posix.getpid(), sig)
        posix._exit(128 + sig)
    sys.stderr.write("openstack: the warm CLI server stopped during the call\n")
    posix._exit(255)


main()
