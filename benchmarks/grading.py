"""Benchmark of the graders: one host, and a class of 30 hosts graded at once.

Run as root (network namespaces):  .venv/bin/python benchmarks/grading.py [--hosts 30]

The hosts are real sshd servers, each in its own network namespace, answering every command
with a recording of a solved lab host (tests/integration/grading/sshd_lab.py). Figures:
  - all 14 labs on one host: wall time and SSH connections the host's sshd accepted;
  - the same checks in process against the recorded host (no SSH): the graders' own cost;
  - a class of N hosts with --jobs N against one host through the same class runner, and
    their ratio, with the CPU time spent grading (client) and serving (sshd + replies):
    on this 2-core machine both sides share the cores, which bounds the ratio from below.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "unit" / "grading"))
sys.path.insert(0, str(ROOT / "tests" / "integration" / "grading"))

from grading_helpers import grade_recorded  # noqa: E402
from recorded_host import RecordedHost  # noqa: E402
from sshd_lab import USER, SshLab, available, record  # noqa: E402

from stacklab.grading.classrun import grade_class  # noqa: E402
from stacklab.grading.runner import run_checks  # noqa: E402
from stacklab.hosts.target import Target  # noqa: E402
from stacklab.settings import load_settings  # noqa: E402


def children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average at start (1, 5, 15 min): {load()}")
    why = available()
    if why:
        print(f"cannot run: {why}")
        return 2

    state = RecordedHost(load_settings())
    in_process = []
    for _ in range(args.repeat):
        started = time.monotonic()
        result = grade_recorded(state)
        in_process.append(time.monotonic() - started)
    table = record(state, lambda: grade_recorded(state))
    commands = len([k for k in table if k != "_reads_stdin"])
    print(f"checks per host: {len(result.checks)} in {len(result.labs)} labs, "
          f"{result.max_points:g} points; {commands} distinct commands per run")
    print(f"in process, recorded host (no SSH): median {statistics.median(in_process):.2f} s")

    with SshLab(args.hosts, table, first=100 - args.hosts + 1 if args.hosts < 100 else 1) as lab:
        targets = [Target(hostname=h.address, port=h.port, user=USER, key_file=str(lab.key),
                          name=f"student{h.index:02d}", host_key=lab.host_key)
                   for h in lab.hosts]
        one = lab.hosts[0]
        single = []
        for _ in range(args.repeat):
            before = one.connections()
            started = time.monotonic()
            result = run_checks(targets[0])
            single.append(time.monotonic() - started)
            opened = one.connections() - before
            assert result.all_passed, [c.key for c in result.checks if not c.passed]
        print(f"one host over SSH, all labs: median {statistics.median(single):.2f} s "
              f"(runs: {', '.join(f'{s:.2f}' for s in single)}); SSH connections per run: "
              f"{opened} (sshd log), {result.connections} (runner)")

        started = time.monotonic()
        cpu = children_cpu()
        baseline = grade_class(targets[:1], jobs=1, timeout=300)
        base_time = time.monotonic() - started
        base_cpu = children_cpu() - cpu
        assert baseline.hosts[0].all_passed

        before = {h.index: h.connections() for h in lab.hosts}
        started = time.monotonic()
        cpu = children_cpu()
        report = grade_class(targets, jobs=args.hosts, timeout=300)
        class_time = time.monotonic() - started
        client_cpu = children_cpu() - cpu
        graded = sum(h.all_passed for h in report.hosts)
        connections = [h.connections() - before[h.index] for h in lab.hosts]
        cpu = children_cpu()
    server_cpu = children_cpu() - cpu  # sshd and its sessions, counted once they exit
    print(f"class runner, 1 host  (--jobs 1):  {base_time:.2f} s, client CPU {base_cpu:.2f} s")
    print(f"class runner, {args.hosts} hosts (--jobs {args.hosts}): {class_time:.2f} s, "
          f"{graded}/{args.hosts} hosts fully graded, SSH connections per host: "
          f"min {min(connections)} max {max(connections)}")
    print(f"ratio {args.hosts} hosts / 1 host: {class_time / base_time:.2f}x (target <= 2x)")
    cores = os.cpu_count() or 1
    per_host = client_cpu / args.hosts
    print(f"CPU time: grading {client_cpu:.1f} s ({per_host:.2f} s per host), serving the "
          f"{args.hosts} sshd hosts {server_cpu:.1f} s (every sshd session of this benchmark); "
          f"here both share {cores} cores")
    projected = max(base_time, client_cpu / cores)
    print(f"projection for hosts that are separate machines (only the grading CPU is this "
          f"machine's): max(one host {base_time:.2f} s, grading CPU / {cores} cores "
          f"{client_cpu / cores:.2f} s) = {projected:.2f} s, ratio {projected / base_time:.2f}x")
    print(f"load average now (1, 5, 15 min): {load()} (other work on this machine inflates "
          "every wall time above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
