"""What one `openstack` call costs on a solved lab host: the real CLI against the warm CLI
server a solve run uses (stacklab.solve.zygote), and what that means for a no-change solve.

    STACKLAB_STATE_DIR=... python benchmarks/openstack_cli.py [-n 9] [--command "project list"]

Reads only (the calls are read-only ones, with the admin rc file the kit wrote). One script on
the host times each call with `date +%s%N` around it, the real CLI and the server
alternating, so that a busy host slows both alike; prints per-call medians, their ratio, and
the `openstack` calls in the rendered steps' checks (what a no-change solve runs).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_COMMANDS = ("project list", "token issue -f value -c expires",
                    "image show no-such-image")


def timing_script(commands: list[str], n: int, rc_file: str) -> str:
    lines = [f". {rc_file}", "set +e"]  # as the runner sources it (~ expands)
    for i in range(n):
        for command in commands:
            for way in ("real", "warm") if i % 2 else ("warm", "real"):
                call = f"command openstack {command}" if way == "real" else \
                    f"openstack {command}"
                lines.append(f't=$(date +%s%N); {call} >/dev/null 2>&1; rc=$?; '
                             f'echo "{way} $rc $(( $(date +%s%N) - t )) {command}"')
    return "\n".join(lines)


def check_calls(settings: object) -> tuple[int, int]:
    """`openstack` words in the rendered checks, and in how many checks (a no-change solve
    runs each check once; loops may call more often)."""
    from stacklab.solve.catalog import load

    word = re.compile(r"(^|[^\w.-])openstack(?=\s)", re.M)
    calls = steps = 0
    for solution in load(settings):  # type: ignore[arg-type]
        for step in solution.steps:
            found = len(word.findall(step.check))
            calls += found
            steps += bool(found)
    return calls, steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=9, help="calls of each kind per command")
    parser.add_argument("--command", action="append", help="openstack sub-command (read-only)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from stacklab.hosts.target import Target, read_lab_state
    from stacklab.hosts.transport import open_connection
    from stacklab.settings import load_settings
    from stacklab.solve.credentials import rc_files
    from stacklab.solve.transport import ScriptTransport

    state = read_lab_state()
    if not state or "target" not in state:
        print("no lab host is known (stacklab up, or STACKLAB_STATE_DIR)", file=sys.stderr)
        return 2
    settings = load_settings()
    connection = open_connection(Target(**state["target"]))
    transport = ScriptTransport(connection, owned=True, zygote=True)
    commands = args.command or list(DEFAULT_COMMANDS)
    try:
        result = transport.run(timing_script(commands, args.n, rc_files(settings)["admin"]),
                               timeout=3600)
    finally:
        transport.close()
    times: dict[tuple[str, str], list[float]] = {}
    codes: dict[tuple[str, str], set[str]] = {}
    for line in result.output.splitlines():
        if not re.match(r"(real|warm) \d+ \d+ ", line):
            print(f"host said: {line}", file=sys.stderr)
            continue
        way, rc, ns, command = line.split(" ", 3)
        times.setdefault((way, command), []).append(int(ns) / 1e9)
        codes.setdefault((way, command), set()).add(rc)
    if not times:
        print(f"no call was timed (exit {result.exit_code})", file=sys.stderr)
        return 1
    print(f"per-call seconds on {connection.description}, median of {args.n}:")
    real_all, warm_all = [], []
    for command in commands:
        real = statistics.median(times[("real", command)])
        warm = statistics.median(times[("warm", command)])
        real_all.append(real)
        warm_all.append(warm)
        same = "same exit codes" if codes[("real", command)] == codes[("warm", command)] \
            else f"EXIT CODES DIFFER {codes}"
        print(f"  {command:40} real {real:6.3f}  warm {warm:6.3f}  ratio {warm / real:5.2f}"
              f"  ({same})")
    calls, steps = check_calls(settings)
    saved = statistics.median(real_all) - statistics.median(warm_all)
    print(f"checks that call openstack: {steps} steps, {calls} calls (loops may add more); "
          f"a no-change solve saves about {calls * saved:.0f} s of {calls} x "
          f"{statistics.median(real_all):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
