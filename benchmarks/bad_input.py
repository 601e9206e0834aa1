"""Benchmark of the input checks: how long the kit takes to refuse or read what users
hand over, so that "fail early" stays cheap.

Run:  .venv/bin/python benchmarks/bad_input.py

Figures:
  - an Ansible INI inventory of nested groups (each level's two groups contain both of
    the level below), by depth: reading it is linear in the number of groups;
  - a plain inventory of 10,000 lines whose last line is bad: time to the error;
  - the redaction filter over a 1 MB report text with the tutorial's secrets registered.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "unit" / "grading"))

from test_grading_inventory import nested_groups  # noqa: E402

from stacklab.errors import StacklabError  # noqa: E402
from stacklab.grading.inventory import load_inventory  # noqa: E402
from stacklab.grading.redact import redact  # noqa: E402


def timed(func) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def main() -> int:
    folder = Path(tempfile.mkdtemp())
    for depth in (16, 64, 128, 256):
        path = folder / f"deep{depth}.ini"
        path.write_text(nested_groups(depth))
        print(f"nested INI groups, {depth} levels ({2 * depth} groups): "
              f"{timed(lambda p=path: load_inventory(p)) * 1000:.1f} ms")
    plain = folder / "class.txt"
    plain.write_text("".join(f"s{i} ssh://vagrant@10.1.{i // 250}.{i % 250 + 1}\n"
                             for i in range(9999)) + "this is not a host line\n")

    def refuse() -> None:
        try:
            load_inventory(plain)
        except StacklabError:
            return
        raise SystemExit("the bad line was accepted")

    print(f"10,000-line inventory, bad last line: refused in {timed(refuse) * 1000:.0f} ms")
    text = ("connection = mysql+pymysql://nova:nova@127.0.0.1/nova\n"
            "nova-compute on cloud-controller: up; password = 'nova'\n") * 10_000
    seconds = timed(lambda: redact(text, ["nova", "Pa55word-long", "p;t-pass77"]))
    print(f"redaction of {len(text) / 1e6:.1f} MB with 3 secrets: {seconds * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
