"""Recordings of a real lab host: every command the graders sent and what the host answered.

:class:`RecordingConnection` wraps the kit's own connection (:mod:`stacklab.hosts.transport`)
while the graders run, and keeps each command line, its input, exit code, stdout and stderr.
:class:`Redactor` swaps every secret for a stable placeholder before anything is written:
the settings' passwords (by name: ``<<mysql.root_password>>``), and whatever stands
where a secret stands (``password = …``, a URL's ``user:…@``, ``IDENTIFIED BY '…'``: an
unknown one becomes ``<<unknown secret>>``), Fernet tokens and keys, private keys.
:class:`ReplayConnection` answers the graders from a recording, the placeholders put back
from the test's settings; a command it has no answer for is answered as a shell would
("not found", exit 127) and listed in ``misses``, so a test can name it.

The file (tests/recordings/solved-2025.1.json) also says where it came from: the kit's
version, the OpenStack release, the provider, the settings (secrets as placeholders) and
what the graders found. Re-record with tests/recordings/record.py (README.md beside it).
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import operator
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from stacklab.grading.prefetch import COLLECTOR
from stacklab.grading.redact import secret_places
from stacklab.grading.remote import HERE as REMOTE_PROGRAMS
from stacklab.hosts.transport import Connection, Exit

HERE = Path(__file__).resolve().parent
SOLVED = HERE / "solved-2025.1.json"
FORMAT = 1
RECORD_COMMAND = ("STACKLAB_STATE_DIR=<lab state> .venv/bin/python tests/recordings/record.py "
                  "(tests/recordings/README.md)")

# The settings that hold secrets, in the order a shared value is named by (the first)
SECRET_PATHS = ("mysql.root_password", "mysql.service_password", "rabbitmq.password",
                "openstack.admin_password", "openstack.service_password",
                "openstack.metadata_secret", "identity.password")
MIN_ANYWHERE = 8  # a known secret this long is swapped wherever it appears

# No ':' or '=' right after a word like 'secret' in these: that is where secrets stand
UNKNOWN = "<<unknown secret>>"
PRIVATE_KEY = "<<private-key>>"
FERNET_TOKEN = "<<fernet-token>>"
FERNET_KEY = "<<fernet-key>>"
_NAMED = re.compile(r"<<([a-z_]+\.[a-z_]+)>>")
_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE "
                  r"KEY-----\n?|\Z)", re.S)
_FERNET_KEY = re.compile(r"(?<![A-Za-z0-9_=-])[A-Za-z0-9_-]{43}=(?![A-Za-z0-9_=-])")
# What a replay puts where a token or key was: of the same shape, valid for nothing
FAKE = {
    PRIVATE_KEY: ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE"
                  "bm9uZQAAAAAAAAAB\n-----END OPENSSH PRIVATE KEY-----\n"),
    FERNET_TOKEN: "gAAAAABreplayed-token-placeholder-not-a-real-token-000000000000",
    FERNET_KEY: "cmVwbGF5ZWQtZmVybmV0LWtleS1wbGFjZWhvbGRlci0=",
}


class RecordingError(Exception):
    """A recording that cannot serve these settings (or is not a recording)."""


def secret_values(settings) -> dict[str, str]:
    return {path: operator.attrgetter(path)(settings) for path in SECRET_PATHS}


def named(path: str) -> str:
    return f"<<{path}>>"


class Redactor:
    """Swaps secrets for placeholders (:meth:`hide`) and back (:meth:`show`)."""

    def __init__(self, settings) -> None:
        self.values = secret_values(settings)
        self.by_value: dict[str, str] = {}
        for path, value in self.values.items():
            self.by_value.setdefault(value, path)

    def groups(self) -> dict[str, str]:
        """Each secret setting -> the one whose placeholder stands for its value."""
        return {path: self.by_value[value] for path, value in self.values.items()}

    def hide(self, text: str, *, unknown: bool = True) -> str:
        """`text` with placeholders for secrets. unknown=False keeps secrets the settings do
        not hold (the graders' own input: it must come back exactly from :meth:`show`)."""
        if not text:
            return text
        if unknown:
            text = _PEM.sub(PRIVATE_KEY, text)
        for value, path in sorted(self.by_value.items(), key=lambda kv: -len(kv[0])):
            if len(value) >= MIN_ANYWHERE:
                text = text.replace(value, named(path))
        for start, end in reversed(secret_places(text)):
            value = text[start:end]
            if value in self.by_value:
                text = text[:start] + named(self.by_value[value]) + text[end:]
            elif unknown and value.startswith("gAAAAA"):
                text = text[:start] + FERNET_TOKEN + text[end:]
            elif unknown and not value.startswith("<<") and might_be_secret(text, start, value):
                text = text[:start] + UNKNOWN + text[end:]
        if unknown:
            text = _FERNET_KEY.sub(FERNET_KEY, text)
        return text

    def show(self, text: str) -> str:
        """The placeholders of `text` replaced by this settings' values (and fakes)."""
        if not text or "<<" not in text:
            return text
        for placeholder, fake in FAKE.items():
            text = text.replace(placeholder, fake)
        return _NAMED.sub(lambda m: self.values[m[1]] if m[1] in self.values else m[0], text)


def might_be_secret(text: str, start: int, value: str) -> bool:
    """Whether an unknown value found where a secret stands may be one: not when the place's
    pattern ran on past the end of its line (``#password =`` then the next line), not in a
    comment line of a sample config (``#token_ttl = 600``), not a plain number."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start]
    if not before.strip(" \t'\""):
        return False
    return not before.lstrip().startswith(("#", ";")) and not value.isdigit()


@dataclass(frozen=True)
class Answer:
    """One command and what the host said (as recorded: placeholders for secrets)."""

    command: str
    stdin: str | None  # the input sent (placeholders for secrets), None for none
    rc: int
    stdout: str
    stderr: str
    seconds: float = 0.0
    timed_out: bool = False

    def to_json(self) -> dict[str, Any]:
        data = {"command": self.command, "stdin": self.stdin, "rc": self.rc,
                "stdout": self.stdout, "stderr": self.stderr,
                "seconds": round(self.seconds, 2)}
        if self.timed_out:
            data["timed_out"] = True
        return data


class RecordingConnection(Connection):
    """A kit connection that keeps every command it runs and the answer (secrets hidden)."""

    def __init__(self, inner: Connection, redactor: Redactor) -> None:
        self.inner = inner
        self.redactor = redactor
        self.description = inner.description
        self.answers: list[Answer] = []
        self._lock = threading.Lock()  # the snapshot runs in a thread of its own

    @property  # type: ignore[override]
    def connections_opened(self) -> int:
        return self.inner.connections_opened

    def execute(self, command: str, *, stdin: bytes = b"", timeout: float | None = None,
                stdout, stderr) -> Exit:
        out: list[bytes] = []
        err: list[bytes] = []

        def keep(chunks: list[bytes], sink):
            def feed(data: bytes) -> None:
                chunks.append(data)
                sink(data)
            return feed

        done = self.inner.execute(command, stdin=stdin, timeout=timeout,
                                  stdout=keep(out, stdout), stderr=keep(err, stderr))
        hide = self.redactor.hide
        answer = Answer(
            command=hide(command, unknown=False),
            stdin=hide(stdin.decode(errors="replace"), unknown=False) if stdin else None,
            rc=done.code, stdout=hide(b"".join(out).decode(errors="replace")),
            stderr=hide(b"".join(err).decode(errors="replace")),
            seconds=done.seconds, timed_out=done.timed_out)
        with self._lock:
            self.answers.append(answer)
        return done

    def close(self) -> None:
        self.inner.close()


@dataclass
class Recording:
    about: dict[str, Any]
    settings: dict[str, Any]
    secrets: dict[str, str]
    answers: list[Answer]
    result: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = SOLVED) -> Recording:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise RecordingError(f"{path}: cannot read the recording ({exc}); re-record: "
                                 f"{RECORD_COMMAND}") from None
        if data.get("format") != FORMAT:
            raise RecordingError(f"{path}: format {data.get('format')!r}, this kit reads "
                                 f"{FORMAT}; re-record: {RECORD_COMMAND}")
        return cls(about=data["about"], settings=data["settings"], secrets=data["secrets"],
                   answers=[Answer(**a) for a in data["answers"]], result=data["result"])

    def save(self, path: Path) -> None:
        data = {"format": FORMAT, "about": self.about, "result": self.result,
                "secrets": self.secrets, "settings": self.settings,
                "answers": [a.to_json() for a in self.answers]}
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")

    @property
    def provider(self) -> str:
        return self.about["provider"]

    def settings_differences(self, settings) -> list[str]:
        """The settings keys whose value differs from the recording's (secrets aside), and
        the secrets the recording saw equal that these settings hold apart."""
        now, then = _flat(settings_document(settings)), _flat(self.settings)
        differ = [key for key in sorted(set(now) | set(then))
                  if key not in NOT_COMPARED and not key.startswith(NOT_COMPARED_SECTIONS)
                  and now.get(key) != then.get(key)]
        values = secret_values(settings)
        for path, same_as in self.secrets.items():
            if values.get(path) != values.get(same_as):
                differ.append(f"{path} (the recorded host had it equal to {same_as})")
        return differ


# How the kit reaches the host, not what the graders judge (the e2e suite picks a free port)
NOT_COMPARED = ("providers.container.ssh_port", "kinds.container.ssh_port")
# `stacklab class` on a school's cloud: no grader reads it (a new key there needs no new
# recording)
NOT_COMPARED_SECTIONS = ("cloud.",)


def settings_document(settings) -> dict[str, Any]:
    """The settings as JSON, each secret as its placeholder."""
    document = settings.model_dump(mode="json")
    for path in SECRET_PATHS:
        *parents, last = path.split(".")
        node = document
        for part in parents:
            node = node[part]
        node[last] = named(path)
    return document


def _flat(document: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in document.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def stdin_key(stdin: str | None) -> str:
    """A short name for an input, for messages (the input itself may be long)."""
    if stdin is None:
        return "no input"
    first = next((line for line in stdin.splitlines() if line.strip()), "")
    return f"input {hashlib.sha256(stdin.encode()).hexdigest()[:12]} ({first[:60]!r}…)"


COLLECTOR_SOURCE = (REMOTE_PROGRAMS / "collector.py").read_text()


def collector_commands(command: str, stdin: bytes) -> list[str] | None:
    """The commands a run's collector program (stacklab.grading.prefetch) asks for, or None
    when `command` is not that program."""
    text = stdin.decode(errors="replace")
    if command != COLLECTOR or not text.startswith(COLLECTOR_SOURCE):
        return None
    call = text[len(COLLECTOR_SOURCE):].strip().splitlines()[-1].strip()  # main('{…}')
    return json.loads(ast.literal_eval(call[len("main("):-1]))["commands"]


class ReplayConnection(Connection):
    """Answers each command from a recording, secrets put back from `settings`.

    A command asked more often than recorded gets its last answer again. Tests break the
    host by editing answers (:meth:`edit`): the rest stays what the real host said.
    """

    description = "replayed"

    def __init__(self, recording: Recording, settings, *, check_settings: bool = True) -> None:
        if check_settings:
            differ = recording.settings_differences(settings)
            if differ:
                raise RecordingError(
                    "the settings differ from the recorded host's: " + ", ".join(differ[:8])
                    + ("…" if len(differ) > 8 else "") + f"; re-record: {RECORD_COMMAND}")
        self.recording = recording
        self.settings = settings
        self.redactor = Redactor(settings)
        self.table: dict[tuple[str, str | None], list[Answer]] = {}
        for answer in recording.answers:
            self.table.setdefault((answer.command, answer.stdin), []).append(answer)
        self.log: list[str] = []  # every command asked, as sent
        self.asked: list[tuple[str, str | None]] = []  # (command, input) as recorded
        self.misses: list[tuple[str, str | None]] = []
        self._served: dict[tuple[str, str | None], int] = {}
        self._lock = threading.Lock()
        self.collector_runs = 0

    def collector_reply(self, index: int, command: str) -> dict[str, Any]:
        answer = self.answer(command)
        if answer is None or answer.timed_out:
            return {"i": index, "unanswered": "not recorded"}
        show = self.redactor.show
        return {"i": index, "rc": answer.rc, "s": answer.seconds,
                "out": base64.b64encode(show(answer.stdout).encode()).decode(),
                "err": base64.b64encode(show(answer.stderr).encode()).decode()}

    def key(self, command: str, stdin: bytes) -> tuple[str, str | None]:
        hide = self.redactor.hide
        return hide(command, unknown=False), (hide(stdin.decode(errors="replace"), unknown=False)
                               if stdin else None)

    def answer(self, command: str, stdin: bytes = b"") -> Answer | None:
        key = self.key(command, stdin)
        with self._lock:
            self.log.append(command)
            self.asked.append(key)
            answers = self.table.get(key)
            if not answers:
                self.misses.append(key)
                return None
            served = self._served.get(key, 0)
            self._served[key] = served + 1
            return answers[min(served, len(answers) - 1)]

    def execute(self, command: str, *, stdin: bytes = b"", timeout: float | None = None,
                stdout, stderr) -> Exit:
        collected = collector_commands(command, stdin)
        if collected is not None:  # the collector: each command answered as if asked alone
            self.collector_runs += 1
            for index, asked in enumerate(collected):
                stdout(json.dumps(self.collector_reply(index, asked)).encode() + b"\n")
            return Exit(0, 0.0)
        answer = self.answer(command, stdin)
        if answer is None:
            stderr(f"replay: no recording for: {command}\n".encode())
            return Exit(127, 0.0)
        show = self.redactor.show
        stdout(show(answer.stdout).encode())
        stderr(show(answer.stderr).encode())
        return Exit(answer.rc, answer.seconds, answer.timed_out)

    def edit(self, match: str | Callable[[str], bool],
             change: Callable[[Answer], Answer]) -> int:
        """Change the answers to the commands `match` names (the exact command line with
        its placeholders, or a test of it): how a test breaks one thing of the real host.
        Returns how many answers changed; none is an error (the recording moved on)."""
        test = match if callable(match) else (lambda c: c == match)
        changed = 0
        for key, answers in self.table.items():
            if test(key[0]):
                self.table[key] = [change(a) for a in answers]
                changed += len(answers)
        if not changed:
            raise RecordingError(f"no recorded command matches {match!r}")
        return changed

    def add(self, command: str, rc: int = 0, stdout: str = "", stderr: str = "") -> None:
        """An answer to a command the solved host was never asked (a mistake can lead the
        graders down another path: e.g. a refused login makes them list the users)."""
        self.table[(command, None)] = [Answer(command, None, rc, stdout, stderr)]

    def answer_with(self, match: str | Callable[[str], bool], **fields: Any) -> int:
        """Give the commands `match` names other fields (rc, stdout, stderr)."""
        return self.edit(match, lambda a: replace(a, **fields))

    def missing_report(self) -> str:
        """The commands asked that the recording has no answer for, one per line."""
        return "\n".join(f"  {command!r} with {stdin_key(stdin)}"
                         for command, stdin in dict.fromkeys(self.misses))

    def sshd_table(self) -> dict:
        """The recording as tests/integration/grading/sshd_lab.py serves it: keys
        "command\\0md5(stdin)" (or "command\\0none"), the secrets put back."""
        show = self.redactor.show
        table: dict = {"_reads_stdin": []}
        for (command, stdin), answers in self.table.items():
            real = show(command)
            last = answers[-1]
            digest = hashlib.md5(show(stdin).encode()).hexdigest() if stdin else "none"
            table[f"{real}\0{digest}"] = [last.rc, show(last.stdout), show(last.stderr)]
            if stdin is not None and real not in table["_reads_stdin"]:
                table["_reads_stdin"].append(real)
        return table
