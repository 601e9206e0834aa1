"""Record a solved lab host's answers to every grader command (labs 3-14) for the tests.

    STACKLAB_STATE_DIR=<lab state> .venv/bin/python tests/recordings/record.py \
        [--host ssh://user@host:port] [--out tests/recordings/solved-2025.1.json]

It grades the host the kit's way (`stacklab check`'s run, the kit's SSH connection and host
key check) with the connection wrapped in a recorder, and writes every command, its input
and its answer, secrets swapped for placeholders (recording.py). The graders only read: the
host is not changed. A host where a check is red or could not be judged is not recorded
(exit 1, naming the checks): the recording must be of a solved host.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from recording import SOLVED, Recording, RecordingConnection, Redactor, settings_document

import stacklab
from stacklab.errors import StacklabError
from stacklab.grading import transport
from stacklab.grading.model import Outcome
from stacklab.grading.runner import run_checks
from stacklab.hosts.target import Target, default_target
from stacklab.settings import load_settings

LABS = "3-14"


def record(target: Target, out: Path, labs: str = LABS) -> int:
    settings = load_settings(target.kind)
    redactor = Redactor(settings)
    recorder = RecordingConnection(transport.connect(target), redactor)
    try:
        result = run_checks(target, labs, client=recorder, include_hidden=True)
    finally:
        recorder.close()
    judged = {c.key: c.status for c in result.checks}
    red = {k: s for k, s in judged.items() if s not in (Outcome.PASSED, Outcome.NOT_VERIFIED,
                                                         Outcome.NOT_APPLICABLE)}
    print(f"{len(recorder.answers)} commands; {sum(s == Outcome.PASSED for s in judged.values())}"
          f" of {len(judged)} checks passed, host status {result.status}")
    if red or result.status != "ok":
        print(f"not recorded: the host is not solved ({result.reason or 'red checks'}): "
              + ", ".join(f"{k} {s}" for k, s in sorted(red.items())), file=sys.stderr)
        return 1
    recording = Recording(
        about={"what": "a lab host solved up to lab 14: every grader command and its answer",
               "kit_version": stacklab.__version__ if hasattr(stacklab, "__version__")
               else _version(), "release": settings.openstack.release,
               "provider": target.kind, "labs": labs,
               "recorded_at": datetime.datetime.now(datetime.timezone.utc)
               .strftime("%Y-%m-%d %H:%M UTC"),
               "how": "tests/recordings/record.py (tests/recordings/README.md)"},
        result={"status": result.status, "points": result.points,
                "max_points": result.max_points,
                "checks": {c.key: c.status.value if hasattr(c.status, "value") else c.status
                           for c in sorted(result.checks, key=lambda c: c.key)}},
        secrets=redactor.groups(), settings=settings_document(settings),
        answers=sorted(recorder.answers, key=lambda a: (a.command, a.stdin or "")))
    recording.save(out)
    print(f"wrote {out}")
    return 0


def _version() -> str:
    from importlib.metadata import version
    return version("stacklab")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", help="ssh://user@host:port (default: the lab host that "
                                       "`stacklab up` started, from STACKLAB_STATE_DIR)")
    parser.add_argument("--out", type=Path, default=SOLVED, help=f"default: {SOLVED}")
    parser.add_argument("--labs", default=LABS, help=f"default: {LABS} (the tests replay "
                                                     "all of them)")
    args = parser.parse_args(argv)
    try:
        target = Target.from_url(args.host) if args.host else default_target()
        return record(target, args.out, args.labs)
    except (StacklabError, transport.HostUnreachable) as exc:
        print(f"record: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
