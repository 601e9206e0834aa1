"""How much a %%vm cell costs on top of the command itself, over a warm connection.

    python benchmarks/notebooks.py [--host ssh://user@host:port?key=FILE] [-n 200]

Without --host it starts a real OpenSSH server on loopback (tests/notebooks/loopback_sshd.py).
Three ways of running `true` on the same warm connection, interleaved so that a busy machine
slows them all alike, median of each:

  baseline   raw paramiko: open a channel, exec, wait for the exit status
  transport  the notebook's SSH transport: the cell's prelude, timeout(1), streamed reads
  magic      the whole `%%vm` cell in an IPython shell (parsing, output capture, display)

The figure the kit promises: magic - baseline <= 50 ms per cell.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

from loopback import loopback_target

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 50.0


def measure(target, n: int) -> dict[str, list[float]]:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from stacklab.notebooks.magics import StacklabMagics, cell_script
    from stacklab.notebooks.session import Session

    shell = InteractiveShell.instance()
    session = Session(spec=target.url + (f"?key={target.key_file}" if target.key_file else ""))
    magics = StacklabMagics(shell, session)
    shell.register_magics(magics)
    transport = session.transport()
    transport.run("true", timeout=30, stdout=lambda _: None, stderr=lambda _: None)  # warm up
    ssh = transport.connection.client.get_transport()

    def baseline() -> None:
        channel = ssh.open_session()
        channel.exec_command("true")
        channel.recv_exit_status()
        channel.close()

    def via_transport() -> None:
        transport.run(cell_script("true"), timeout=30, stdout=lambda _: None,
                      stderr=lambda _: None)

    def via_magic() -> None:
        with capture_output():
            shell.run_cell_magic("vm", "", "true\n")

    times: dict[str, list[float]] = {"baseline": [], "transport": [], "magic": []}
    runs = {"baseline": baseline, "transport": via_transport, "magic": via_magic}
    order = list(runs)
    for _ in range(n):
        random.shuffle(order)  # so no kind always follows another's session teardown
        for name in order:
            run = runs[name]
            started = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - started) * 1000)
    times["connections"] = [float(transport.connections_opened)]
    session.close()
    return times


def report(times: dict[str, list[float]]) -> float:
    base = statistics.median(times["baseline"])
    print(f"{'':10} {'median ms':>10} {'p90 ms':>8} {'vs baseline':>12}")
    for name in ("baseline", "transport", "magic"):
        values = sorted(times[name])
        med, p90 = statistics.median(values), values[int(len(values) * 0.9) - 1]
        print(f"{name:10} {med:10.1f} {p90:8.1f} {med / base:11.2f}x")
    overhead = statistics.median(times["magic"]) - base
    verdict = "within" if overhead <= TARGET_MS else "OVER"
    print(f"per-cell overhead of %%vm over a raw exec: {overhead:.1f} ms "
          f"({verdict} the {TARGET_MS:.0f} ms target); SSH connections opened: "
          f"{times['connections'][0]:.0f}")
    return overhead


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", help="ssh://user@host:port?key=FILE (default: loopback sshd)")
    parser.add_argument("-n", type=int, default=200, help="cells per kind (default 200)")
    args = parser.parse_args()
    if args.host:
        from stacklab.hosts.target import Target

        report(measure(Target.from_url(args.host), args.n))
        return 0
    with loopback_target() as target:
        if target is None:
            return 2
        print(f"lab host: a loopback sshd ({target.url}), {args.n} cells per kind")
        report(measure(target, args.n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
