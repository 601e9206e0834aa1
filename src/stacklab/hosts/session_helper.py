"""The small program :mod:`stacklab.hosts.session` keeps running on the lab host.

It is sent on the command line of one SSH exec channel (``python3 -c``, the source
compressed) and then runs one command at a time for as long as the channel stays open,
like Mitogen's remote interpreter, without installing anything on the host.

Requests arrive on stdin, each a header line and its bytes::

    run ID sh CMDLEN STDINLEN LIMIT\\n<command><stdin>    under the login shell; LIMIT 0: none
    run ID argv CMDLEN STDINLEN LIMIT\\n<argv><stdin>     argv NUL-separated, no shell between
    kill ID\\n                                             stop the command's process group

Replies go to stdout as frames: one kind byte, a 4-byte big-endian length, the payload.
Kinds: R ready, S starting (ID), O stdout, E stderr, X exit (``ID CODE TIMED_OUT``). All
the command's output travels inside length-counted frames, so nothing it prints can pass
for a reply. The end of stdin (the channel closed, the connection lost) stops the running
command and ends the helper. Runs on the host's Python 3 (3.6 or later), stdlib only.
"""

import contextlib
import os
import pwd
import select
import signal
import struct
import subprocess
import threading
import time

CHUNK = 65536
KILL_GRACE = 5.0  # seconds between TERM and KILL
TIMED_OUT = 124


GONE = []  # set once nobody reads the replies any more


def send(kind, payload=b""):
    data = kind + struct.pack(">I", len(payload)) + payload
    while data and not GONE:
        try:
            data = data[os.write(1, data):]
        except OSError:
            GONE.append(True)  # still stop the running command, then end


class Requests:
    """Header lines and counted bytes from stdin."""

    def __init__(self):
        self.buf = b""
        self.eof = False

    def fill(self):
        data = os.read(0, CHUNK)
        if not data:
            self.eof = True
        self.buf += data

    def line(self):
        """A complete header line if one has arrived, else None."""
        end = self.buf.find(b"\n")
        if end < 0:
            return None
        line, self.buf = self.buf[:end], self.buf[end + 1:]
        return line.decode().split()

    def take(self, n):
        while len(self.buf) < n and not self.eof:
            self.fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data


def feed(pipe, data):
    try:
        pipe.write(data)
    except OSError:
        pass  # the command ended without reading it all
    finally:
        with contextlib.suppress(OSError):
            pipe.close()


def signal_group(pid, sig):
    with contextlib.suppress(OSError):  # already gone
        os.killpg(pid, sig)


def run(requests, ident, mode, command, data, limit):
    shell = pwd.getpwuid(os.getuid()).pw_shell or "/bin/sh"
    if mode == "argv":
        argv, program = command.split("\0"), None
    else:  # argv[0] the shell's bare name, as sshd starts it (its error messages say so)
        argv, program = [os.path.basename(shell), "-c", command], shell
    # said before the command starts: if this helper dies from here on, the command may
    # have run, and the client must not send it again
    send(b"S", ident.encode())
    try:
        # a session of its own: a kill reaches every process the command started
        proc = subprocess.Popen(argv, executable=program,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.PIPE if data else subprocess.DEVNULL,
                                start_new_session=True)
    except OSError as exc:
        send(b"E", f"{program or argv[0]}: {exc.strerror}\n".encode())
        send(b"X", f"{ident} 127 0".encode())
        return
    if data:
        threading.Thread(target=feed, args=(proc.stdin, data), daemon=True).start()
    kinds = {proc.stdout.fileno(): b"O", proc.stderr.fileno(): b"E"}
    deadline = time.monotonic() + limit if limit > 0 else None
    killed_at = None
    timed_out = False
    while True:
        if proc.poll() is not None and (not kinds or killed_at is not None):
            break
        now = time.monotonic()
        if deadline is not None and now >= deadline and killed_at is None:
            timed_out = True
            killed_at = now
            deadline = None
            signal_group(proc.pid, signal.SIGTERM)
        if killed_at is not None and now - killed_at >= KILL_GRACE:
            signal_group(proc.pid, signal.SIGKILL)
            killed_at = float("inf")  # once
        waits = [1.0 if deadline is None else max(0.0, deadline - now)]
        if killed_at is not None:
            waits.append(0.05)
        if not kinds:
            waits.append(0.05)  # the pipes closed, the process not yet: poll for it
        fds = list(kinds) + ([] if requests.eof else [0])
        ready, _, _ = select.select(fds, [], [], min(waits))
        for fd in ready:
            if fd == 0:
                requests.fill()
                while True:
                    words = requests.line()
                    if words is None:
                        break
                    if words == ["kill", ident] and killed_at is None:
                        killed_at = time.monotonic()
                        signal_group(proc.pid, signal.SIGTERM)
                if requests.eof and killed_at is None:  # nobody is listening any more
                    killed_at = time.monotonic()
                    signal_group(proc.pid, signal.SIGTERM)
                continue
            chunk = os.read(fd, CHUNK)
            if chunk:
                send(kinds[fd], chunk)
            else:
                del kinds[fd]
    for fd in list(kinds):  # what is already there after a stop
        ready, _, _ = select.select([fd], [], [], 0)
        chunk = os.read(fd, CHUNK) if ready else b""
        if chunk:
            send(kinds[fd], chunk)
    proc.stdout.close()
    proc.stderr.close()
    code = proc.returncode
    if timed_out:
        code = TIMED_OUT
    elif code < 0:
        code = -1  # killed by a signal: what a channel of its own reports (paramiko)
    send(b"X", f"{ident} {code} {int(timed_out)}".encode())


def main():
    requests = Requests()
    send(b"R", b"stacklab-session 1")
    while True:
        words = requests.line()
        if words is None:
            if requests.eof:
                return
            requests.fill()
            continue
        if words[:1] != ["run"]:
            continue  # a kill for a command that already ended
        ident, mode = words[1], words[2]
        size, stdin_size, limit = int(words[3]), int(words[4]), float(words[5])
        command = requests.take(size).decode()
        data = requests.take(stdin_size)
        if requests.eof and len(data) < stdin_size:
            return
        run(requests, ident, mode, command, data, limit)


if __name__ == "__main__":
    main()
