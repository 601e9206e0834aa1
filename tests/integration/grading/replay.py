#!/usr/bin/env python3
"""sshd's ForceCommand for the kit's test hosts: answer a command from a recording.

The recording (JSON, in REPLAY_FILE) maps "command\\0sha256(stdin)" to [rc, stdout, stderr]
or to {"sleep": seconds} (a command that hangs). Standard library only: it starts once per
command, like a real shell would.
"""

import hashlib
import json
import os
import sys
import time


def main() -> int:
    command = os.environ.get("SSH_ORIGINAL_COMMAND", "")
    with open(os.environ["REPLAY_FILE"]) as f:
        table = json.load(f)
    data = sys.stdin.buffer.read() if command in table.get("_reads_stdin", []) else b""
    key = command + "\0" + hashlib.sha256(data).hexdigest()
    entry = table.get(key) or table.get(command + "\0*")
    if entry is None:
        sys.stderr.write(f"replay: no recording for {command!r}\n")
        return 127
    if isinstance(entry, dict):
        time.sleep(entry["sleep"])
        return 0
    rc, out, err = entry
    sys.stdout.write(out)
    sys.stderr.write(err)
    return rc


if __name__ == "__main__":
    sys.exit(main())
