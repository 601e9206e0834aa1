"""A stand-in for openstackclient.shell (its `main`), for the warm CLI server's tests: each
sub-command shows one thing the real CLI's process would see."""

import os
import sys
import time

IMPORTED_IN = os.getpid()
CALLS = []  # module state: a second call in the same process would see the first


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    what, args = argv[0], argv[1:]
    CALLS.append(what)
    if what == "echo":
        print(" ".join(args))
    elif what == "env":
        print(os.environ.get(args[0], "<unset>"))
    elif what == "cwd":
        print(os.getcwd())
    elif what == "umask":
        mask = os.umask(0)
        print(oct(mask))
    elif what == "cat":
        sys.stdout.write(sys.stdin.read())
    elif what == "mixed":  # stdout is block-buffered on a pipe, stderr line-buffered
        print("out-1")
        print("err-1", file=sys.stderr)
        print("out-2")
    elif what == "exit":
        return int(args[0])
    elif what == "raise":
        raise RuntimeError("boom")
    elif what == "sleep":
        time.sleep(float(args[0]))
        print("slept", args[0])
    elif what == "calls":
        print(len(CALLS))
    elif what == "argv0":
        print(sys.argv[0], sys.stdout.name, sys.stdout.encoding, sys.stdout.line_buffering)
    elif what == "warm":  # imported by another process than this one: the server's fork
        print("warm" if os.getpid() != IMPORTED_IN else "cold")
    else:
        print(f"openstack: '{what}' is not an openstack command", file=sys.stderr)
        return 2
    return 0
