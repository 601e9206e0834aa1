"""Run the graders' commands at once on the lab host, one JSON line back per command.

A grading run asks the host for a few dozen small things (a file, a unit's state, `ss`,
`pvs`, a ping, an ssh into the instance), one command after another; each waits for the
one before. This program runs the commands a run is known to ask (stacklab.grading.prefetch
learns them) side by side, ``JOBS`` at a time, each exactly as over an SSH channel of its
own: the SSH user's shell ``-c`` the command line, in the home folder, stdin empty, the
exec environment (the kit starts this program as plain ``python3 -``, adding none). Each
answer is printed as it ends, so the graders wait only for what they ask next:

    {"i": INDEX, "rc": CODE, "out": BASE64, "err": BASE64, "s": SECONDS}
    {"i": INDEX, "unanswered": "timed out after 20 s" | "killed by signal 9" | "..."}

A command with no answer is run again by the grader itself, as if it had never been
prefetched. Graders only read; so do these commands. Stdlib only, Python 3.6 or later.
"""

import base64
import contextlib
import json
import os
import pwd
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

JOBS = 6  # commands at once: the lab host has two cores and its own services to run
LIMIT = 20.0  # seconds for any one command; past it the grader runs the command itself

_print_lock = threading.Lock()


def _emit(reply):
    line = json.dumps(reply) + "\n"
    with _print_lock:
        sys.stdout.write(line)
        sys.stdout.flush()


def _run(index, command, shell, home, env, limit):
    started = time.monotonic()
    try:
        proc = subprocess.Popen([os.path.basename(shell), "-c", command], executable=shell,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=home, env=env,
                                start_new_session=True)
    except OSError as exc:
        return {"i": index, "unanswered": f"could not start: {exc}"}
    try:
        out, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"i": index, "unanswered": f"timed out after {limit:g} s"}
    if proc.returncode < 0:  # over SSH a signal is an exit of its own kind: ask again
        return {"i": index, "unanswered": f"killed by signal {-proc.returncode}"}
    return {"i": index, "rc": proc.returncode, "s": round(time.monotonic() - started, 3),
            "out": base64.b64encode(out).decode(), "err": base64.b64encode(err).decode()}


def main(config):
    config = json.loads(config)
    user = pwd.getpwuid(os.getuid())
    shell = user.pw_shell or "/bin/sh"
    home = user.pw_dir if os.path.isdir(user.pw_dir) else "/"
    env = dict(os.environ)
    limit = float(config.get("limit", LIMIT))
    with ThreadPoolExecutor(max_workers=int(config.get("jobs", JOBS))) as pool:
        futures = [pool.submit(_run, i, command, shell, home, env, limit)
                   for i, command in enumerate(config["commands"])]
        for future in futures:
            future.add_done_callback(lambda f: _emit(f.result()))
