"""Benchmark of the graders: one host, and a class of 30 hosts graded at once.

Run as root (network namespaces):  .venv/bin/python benchmarks/grading.py [--hosts 30]

The hosts are real sshd servers, each in its own network namespace, answering every command
with a recording of a solved lab host (tests/integration/grading/sshd_lab.py). Figures:
  - all 14 labs on one host: wall time and SSH connections the host's sshd accepted;
  - the same checks in process against the recorded host (no SSH): the graders' own cost;
  - a class of N hosts with --jobs N against one host through the same class runner, and
    their ratio, with the CPU time spent grading (client) and serving (sshd + replies):
    on this 2-core machine both sides share the cores, which bounds the ratio from below.
Each figure twice, in the same run: with every grader command in its turn (STACKLAB_PREFETCH=0,
the baseline) and with the commands asked at once in one collector program on the host
(stacklab.grading.prefetch; the recorded hosts answer it as they answer each command).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "unit" / "grading"))
sys.path.insert(0, str(ROOT / "tests" / "integration" / "grading"))

from grading_helpers import grade_recorded  # noqa: E402
from recorded_host import RecordedConnection, RecordedHost  # noqa: E402
from sshd_lab import USER, SshLab, add_collector, available, record  # noqa: E402

from stacklab.catalog import select  # noqa: E402
from stacklab.grading.classrun import grade_class  # noqa: E402
from stacklab.grading.control import RunControl  # noqa: E402
from stacklab.grading.prefetch import CommandMemory, PrefetchingConnection  # noqa: E402
from stacklab.grading.runner import run_checks, run_on_host  # noqa: E402
from stacklab.hosts.backend import as_testinfra_host  # noqa: E402
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
    # the prefetch memory of this benchmark only (the class runner's workers inherit it)
    os.environ["STACKLAB_STATE_DIR"] = tempfile.mkdtemp(prefix="stacklab-bench-state-")
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

    # what a run asks, learned as `stacklab grade` learns it, and the collector's answer
    learning = PrefetchingConnection(RecordedConnection(state), [])
    labs = select(None)
    run_on_host(as_testinfra_host(learning), "recorded://learn", labs, name="learn",
                url="recorded", kind="vagrant", control=RunControl(summary=False))
    memory = CommandMemory()
    key = CommandMemory.key("vagrant", [lab.number for lab in labs], True)
    memory.remember(key, learning.asked)
    add_collector(table, memory.commands(key))
    print(f"commands asked at once by the collector: {len(memory.commands(key))}")

    figures = {}
    with SshLab(args.hosts, table, first=100 - args.hosts + 1 if args.hosts < 100 else 1) as lab:
        targets = [Target(hostname=h.address, port=h.port, user=USER, key_file=str(lab.key),
                          name=f"student{h.index:02d}", host_key=lab.host_key)
                   for h in lab.hosts]
        for way in ("baseline", "prefetch"):
            os.environ["STACKLAB_PREFETCH"] = "1" if way == "prefetch" else "0"
            figures[way] = measure(lab, targets, args, memory if way == "prefetch" else None)
        cpu = children_cpu()
    server_cpu = children_cpu() - cpu  # sshd and its sessions, counted once they exit
    print(f"CPU time serving all the sshd hosts of this benchmark: {server_cpu:.1f} s "
          "(both paths)")
    for way, (single, base_time, class_time, client_cpu) in figures.items():
        print(f"{way:9}: one host {single:.2f} s; class runner 1 host {base_time:.2f} s, "
              f"{args.hosts} hosts {class_time:.2f} s, ratio {class_time / base_time:.2f}x "
              f"(target <= 2x); grading CPU {client_cpu / args.hosts:.2f} s per host")
    cores = os.cpu_count() or 1
    single_b, _, class_b, cpu_b = figures["baseline"]
    single_p, base_p, class_p, cpu_p = figures["prefetch"]
    print(f"prefetch / baseline: one host {single_p / single_b:.2f}, class of {args.hosts} "
          f"{class_p / class_b:.2f}, grading CPU {cpu_p / cpu_b:.2f}")
    projected = max(base_p, cpu_p / cores)
    print(f"projection for hosts that are separate machines (only the grading CPU is this "
          f"machine's), prefetch: max(one host {base_p:.2f} s, grading CPU / {cores} cores "
          f"{cpu_p / cores:.2f} s) = {projected:.2f} s, ratio {projected / base_p:.2f}x")
    print(f"load average now (1, 5, 15 min): {load()} (other work on this machine inflates "
          "every wall time above)")
    return 0


def measure(lab, targets, args, memory):
    """(one host's median wall, class of 1, class of N, grading CPU of the class of N)."""
    one = lab.hosts[0]
    single = []
    for _ in range(args.repeat):
        before = one.connections()
        started = time.monotonic()
        result = run_checks(targets[0], memory=memory)
        single.append(time.monotonic() - started)
        opened = one.connections() - before
        assert result.all_passed, [c.key for c in result.checks if not c.passed]
    print(f"[{'prefetch' if memory else 'baseline'}] one host over SSH, all labs: median "
          f"{statistics.median(single):.2f} s (runs: {', '.join(f'{s:.2f}' for s in single)}); "
          f"SSH connections per run: {opened} (sshd log), {result.connections} (runner)")
    started = time.monotonic()
    baseline = grade_class(targets[:1], jobs=1, timeout=300)
    base_time = time.monotonic() - started
    assert baseline.hosts[0].all_passed
    before = {h.index: h.connections() for h in lab.hosts}
    started = time.monotonic()
    cpu = children_cpu()
    report = grade_class(targets, jobs=args.hosts, timeout=300)
    class_time = time.monotonic() - started
    client_cpu = children_cpu() - cpu
    graded = sum(h.all_passed for h in report.hosts)
    connections = [h.connections() - before[h.index] for h in lab.hosts]
    print(f"[{'prefetch' if memory else 'baseline'}] class of {args.hosts}: {class_time:.2f} s, "
          f"{graded}/{args.hosts} hosts fully graded, SSH connections per host: "
          f"min {min(connections)} max {max(connections)}")
    return statistics.median(single), base_time, class_time, client_cpu


if __name__ == "__main__":
    sys.exit(main())
