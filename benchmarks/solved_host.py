"""`stacklab check` and a no-change `stacklab solve` on a solved lab host: the faster paths
against the plain ones, measured in the same run.

    STACKLAB_STATE_DIR=<a solved host's state> python benchmarks/solved_host.py [-n 5] [--solves 2]

Reads only: the solve runs find every step done (the script stops if one changed
something). Each figure alternates the two paths run by run so that a busy machine slows
both alike, and prints wall seconds (median, runs), the CPU seconds of this machine's
processes, the ratio, and the issue's target:

  check   all 14 labs, one SSH connection. Baseline: every grader command in its turn
          (STACKLAB_PREFETCH=0); now: the commands the last run asked, asked at once on the
          host in one collector program (stacklab.grading.prefetch). Target <= 2.0 s.
  solve   `solve --until 14` that changes nothing. Baseline: each step's check in its turn
          (STACKLAB_CHECKS_AHEAD=0); now: the checks run side by side ahead of the steps
          (stacklab.solve.ahead). Target <= 20 s.
  tokens  the same solve, checks ahead both times. Baseline: every `openstack` call logs in
          to Keystone (STACKLAB_TOKEN_CACHE=0); now: the checks between two changes share
          their tokens (stacklab.solve.zygote).
Both paths must give the same verdicts (check) and outcomes (solve): the script says so.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STACKLAB = [sys.executable, "-m", "stacklab"]


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the command and its children, stdout)."""
    before = os.times()
    started = time.monotonic()
    done = subprocess.run(argv, env={**os.environ, **env}, capture_output=True, text=True,
                          cwd=ROOT, check=False)
    wall = time.monotonic() - started
    after = os.times()
    cpu = (after.children_user - before.children_user) + \
        (after.children_system - before.children_system)
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(argv[2:])} exited {done.returncode}: "
                 f"{(done.stderr or done.stdout).strip()[-400:]}")
    return wall, cpu, done.stdout


def verdicts(stdout: str) -> dict[str, str]:
    return {f"{c['lab']:02d}.{c['id']}": c["status"] for c in json.loads(stdout)["checks"]}


def outcomes(stdout: str) -> list[str]:
    return re.findall(r"^\s*([·✔✘])\s+(\S+)", stdout, re.M)


def compare(name: str, runs: int, baseline: dict[str, str], now: dict[str, str],
            argv: list[str], same, target: float) -> None:
    walls: dict[str, list[float]] = {"baseline": [], "now": []}
    cpus: dict[str, list[float]] = {"baseline": [], "now": []}
    answers: dict[str, set[str]] = {"baseline": set(), "now": set()}
    for i in range(runs):
        for way in ("baseline", "now") if i % 2 == 0 else ("now", "baseline"):
            wall, cpu, out = timed(argv, baseline if way == "baseline" else now)
            walls[way].append(wall)
            cpus[way].append(cpu)
            answers[way].add(json.dumps(same(out), sort_keys=True))
    base, fast = statistics.median(walls["baseline"]), statistics.median(walls["now"])
    for way in ("baseline", "now"):
        print(f"  {name} {way:8}: median {statistics.median(walls[way]):6.2f} s wall "
              f"(runs {', '.join(f'{w:.2f}' for w in walls[way])}), this machine's CPU "
              f"{statistics.median(cpus[way]):.2f} s")
    agree = answers["baseline"] == answers["now"] and len(answers["now"]) == 1
    print(f"  {name} ratio now/baseline {fast / base:.2f} ({base / fast:.1f}x faster); "
          f"target <= {target:g} s: {'met' if fast <= target else 'NOT met'}; "
          f"{'same results every run' if agree else 'RESULTS DIFFER between runs or paths'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5, help="check runs of each path")
    parser.add_argument("--solves", type=int, default=2, help="solve runs of each path")
    args = parser.parse_args()
    if not os.environ.get("STACKLAB_STATE_DIR"):
        print("set STACKLAB_STATE_DIR to a solved lab host's state", file=sys.stderr)
        return 2
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}; "
          f"{os.cpu_count()} cores")
    # one run of each first: the prefetch memory learns the commands, the warm CLI starts
    timed([*STACKLAB, "check", "3-14", "--json"], {})
    print("check of labs 3-14:")
    compare("check", args.n, {"STACKLAB_PREFETCH": "0"}, {"STACKLAB_PREFETCH": "1"},
            [*STACKLAB, "check", "3-14", "--json"], verdicts, 2.0)
    if args.solves:
        print("no-change solve --until 14:")
        compare("solve", args.solves, {"STACKLAB_CHECKS_AHEAD": "0"}, {},
                [*STACKLAB, "solve", "--until", "14"], lambda out: _unchanged(out), 20.0)
        print("no-change solve --until 14, Keystone tokens:")
        compare("tokens", args.solves, {"STACKLAB_TOKEN_CACHE": "0"}, {},
                [*STACKLAB, "solve", "--until", "14"], lambda out: _unchanged(out), 20.0)
    print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


def _unchanged(stdout: str) -> list:
    found = outcomes(stdout)
    changed = [step for mark, step in found if mark != "·"]
    if changed:
        sys.exit(f"a step changed the host ({', '.join(changed)}): not a no-change run")
    return found


if __name__ == "__main__":
    sys.exit(main())
