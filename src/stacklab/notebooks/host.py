"""`notebooks open --host`: a lab host named on the command line (a class's host made by
`stacklab class up`, say), checked before JupyterLab starts and handed to the kernels.

The host is a URL (``ssh://user@host[:port][?key=FILE&kind=KIND]``) or its line of a class's
plain inventory (``student01 ssh://ubuntu@203.0.113.10:22 key=FILE``); ``--key FILE`` gives
the private key when neither carries one, or replaces theirs. The kernels learn the host
from ``STACKLAB_NOTEBOOK_TARGET`` (see stacklab.notebooks.session), as a URL that
Target.from_url reads back to the same host.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote, urlencode

from stacklab.errors import StacklabError
from stacklab.hosts.target import Target


def host_target(host: str, key: Path | None, kinds: Collection[str]) -> Target:
    """The host `--host` (and `--key`) name, every part checked: one error names the bad one."""
    target = _parse(host)
    if target.kind not in kinds:
        raise StacklabError(f"--host '{host}': unknown kind of lab host '{target.kind}'",
                            f"known: {', '.join(kinds)} (e.g. ?kind=container)")
    if key is not None:
        target = replace(target, key_file=str(key.expanduser()))
    if target.key_file and not target.local:
        _readable_key(Path(target.key_file), "--key" if key is not None else
                      f"--host '{host}': its key")
    return target


def target_spec(target: Target) -> str:
    """The URL the kernels are given (STACKLAB_NOTEBOOK_TARGET): user, host, port, key and
    kind, quoted so that Target.from_url reads back each one as it is."""
    if target.local:
        return "local"
    host = f"[{target.hostname}]" if ":" in target.hostname else target.hostname
    query = {"kind": target.kind, **({"key": target.key_file} if target.key_file else {})}
    return f"ssh://{quote(target.user, safe='')}@{host}:{target.port}?{urlencode(query)}"


def _parse(host: str) -> Target:
    if len(host.split()) < 2:
        return Target.from_url(host)
    # a line of the class's inventory: read as `stacklab grade` reads it
    from stacklab.grading.inventory import PLAIN_LINE, parse_plain

    try:
        found = parse_plain(Path("--host"), host)
    except StacklabError as exc:
        problem = exc.message.split(": ", 1)[-1]
        raise StacklabError(f"--host '{host}': {problem}",
                            f"a URL (ssh://user@host:port) or one inventory line "
                            f"({PLAIN_LINE})") from None
    if len(found) != 1:
        raise StacklabError(f"--host: {len(found)} inventory lines in it",
                            "give the one line of the student whose host it is")
    return found[0]


def _readable_key(path: Path, what: str) -> None:
    if not path.exists():
        raise StacklabError(f"{what} {path}: no such file",
                            "the private key `stacklab class up` wrote for the student "
                            "(the class folder's keys/STUDENT)")
    if not path.is_file():
        raise StacklabError(f"{what} {path}: not a file", "give the private key's file")
    if not os.access(path, os.R_OK):
        raise StacklabError(f"{what} {path}: cannot be read by this user",
                            f"chmod 600 {path} as its owner, or run as its owner")
