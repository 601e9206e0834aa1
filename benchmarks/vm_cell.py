"""What a `%%vm` cell costs: a channel per cell (the earlier path) against one long-lived
command runner on the host (stacklab.hosts.session), measured in the same run.

    python benchmarks/vm_cell.py [--host ssh://user@host:port?key=FILE] [-n 200] [--first 7]

Without --host it starts a real OpenSSH server on loopback (tests/notebooks/loopback_sshd.py).
Each cell is `true` through the whole `%%vm` magic in an IPython shell, so its time is the
per-cell overhead. Two figures per path:

  first  a new notebook's first cell: connecting, logging in, (new path) starting the runner
  warm   every later cell on the open connection (median and p90)

The two paths alternate cell by cell so that a busy machine slows both alike. The targets
(issue 19): warm median <= 30 ms, first cell <= 400 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from loopback import loopback_target

ROOT = Path(__file__).resolve().parents[1]
WARM_TARGET_MS = 30.0
FIRST_TARGET_MS = 400.0
PATHS = {"channel": False, "session": True}  # name -> persistent


def _session(target, persistent: bool):
    from stacklab.hosts.transport import open_connection
    from stacklab.notebooks.session import Session
    from stacklab.notebooks.transport import CONNECT_TIMEOUT, CellTransport

    url = target.url + (f"?key={target.key_file}" if target.key_file else "")
    session = Session(spec=url)
    session._transport = CellTransport(open_connection(session.target(),
                                                       timeout=CONNECT_TIMEOUT),
                                       persistent=persistent)
    return session


def measure(target, n: int, firsts: int) -> dict[str, dict[str, list[float]]]:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from stacklab.notebooks.magics import StacklabMagics

    shell = InteractiveShell.instance()

    def cell(session) -> float:
        shell.register_magics(StacklabMagics(shell, session))
        started = time.perf_counter()
        with capture_output() as captured:
            shell.run_cell_magic("vm", "", "true\n")
        took = (time.perf_counter() - started) * 1000
        if captured.outputs or captured.stderr:
            raise SystemExit(f"the cell failed: {captured.stderr or captured.outputs}")
        return took

    times = {name: {"first": [], "warm": []} for name in PATHS}
    for _ in range(firsts):  # a new notebook each time: connect, (runner), first cell
        for name, persistent in PATHS.items():
            session = _session(target, persistent)
            times[name]["first"].append(cell(session))
            session.close()
    sessions = {name: _session(target, persistent) for name, persistent in PATHS.items()}
    for session in sessions.values():
        cell(session)  # warm up
    for i in range(n):
        order = list(PATHS) if i % 2 else list(reversed(PATHS))
        for name in order:
            times[name]["warm"].append(cell(sessions[name]))
    for name, session in sessions.items():
        transport = session.transport()
        times[name]["connections"] = [float(transport.connections_opened)]
        session.close()
    return times


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.9) - 1)]


def report(times: dict[str, dict[str, list[float]]]) -> None:
    print(f"{'path':8} {'warm median ms':>15} {'warm p90 ms':>12} {'first cell ms':>14} "
          f"{'connections':>12}")
    for name in PATHS:
        t = times[name]
        print(f"{name:8} {statistics.median(t['warm']):15.1f} {p90(t['warm']):12.1f} "
              f"{statistics.median(t['first']):14.1f} {t['connections'][0]:12.0f}")
    old, new = times["channel"], times["session"]
    warm = statistics.median(new["warm"])
    first = statistics.median(new["first"])
    print(f"warm median: {statistics.median(old['warm']) / warm:.1f}x faster "
          f"(channel/session); p90 {p90(old['warm']) / p90(new['warm']):.1f}x; "
          f"first cell {statistics.median(old['first']) / first:.2f}x")
    print(f"session path: warm {warm:.1f} ms "
          f"({'within' if warm <= WARM_TARGET_MS else 'OVER'} the {WARM_TARGET_MS:.0f} ms "
          f"target), first cell {first:.1f} ms "
          f"({'within' if first <= FIRST_TARGET_MS else 'OVER'} the {FIRST_TARGET_MS:.0f} ms "
          f"target)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", help="ssh://user@host:port?key=FILE (default: loopback sshd)")
    parser.add_argument("-n", type=int, default=200, help="warm cells per path (default 200)")
    parser.add_argument("--first", type=int, default=7,
                        help="new notebooks (first cells) per path (default 7)")
    args = parser.parse_args()
    print(f"load average at start (1, 5, 15 min): "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs")
    if args.host:
        from stacklab.hosts.target import Target

        report(measure(Target.from_url(args.host), args.n, args.first))
        return 0
    with loopback_target() as target:
        if target is None:
            return 2
        print(f"lab host: a loopback sshd ({target.url}); {args.n} warm cells and "
              f"{args.first} first cells per path")
        report(measure(target, args.n, args.first))
    return 0


if __name__ == "__main__":
    sys.exit(main())
