"""Who the class is: a student file, or --count N numbered students.

A student file has one student a line ('#' starts a comment), a name and optional
roster fields, as in the grading inventory::

    alice  email=alice@example.edu sis_id=S1001 section=A
    bob

or a CSV file with a header row naming the columns (name, and any of email, sis_id,
section). The roster fields go into the inventory, so `stacklab grade --gradebook` finds
each student in the LMS.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from stacklab.cloudclass.names import key_part, same_key
from stacklab.errors import StacklabError
from stacklab.grading.inventory import NAME, ROSTER_KEYS

MAX_NAME = 40  # a student's name goes into every resource name (CLASS-NAME-vol …)


@dataclass(frozen=True)
class Student:
    name: str
    email: str = ""
    sis_id: str = ""
    section: str = ""

    def roster(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in ROSTER_KEYS if getattr(self, k)}


def numbered(count: int) -> list[Student]:
    if not 1 <= count <= 500:
        raise StacklabError(f"--count {count}: give a number of students from 1 to 500")
    width = max(2, len(str(count)))
    return [Student(f"student{n:0{width}d}") for n in range(1, count + 1)]


def load_students(path: Path) -> list[Student]:
    """The students in file order; one error names a bad line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StacklabError(f"--students {path}: cannot read it "
                            f"({getattr(exc, 'strerror', None) or exc})") from None
    first = next((ln for ln in text.splitlines() if ln.strip() and not
                  ln.lstrip().startswith("#")), "")
    rows = _csv(path, text) if "," in first and "name" in first.lower() else _plain(path, text)
    if not rows:
        raise StacklabError(f"--students {path}: no students in it",
                            "one student a line: name [email=…] [sis_id=…] [section=…]")
    seen: dict[str, int] = {}
    keys: dict[str, tuple[str, int]] = {}  # same_key → the first student and line
    students = []
    for line, fields in rows:
        name = fields.get("name", "")
        if not NAME.match(name) or len(name) > MAX_NAME or "@" in name or "+" in name:
            raise StacklabError(f"{path}:{line}: '{name}' is not a usable student name",
                                f"letters, digits, '_', '.' and '-', up to {MAX_NAME}")
        if name in seen:
            raise StacklabError(f"{path}:{line}: '{name}' appears twice (first on line "
                                f"{seen[name]})")
        seen[name] = line
        other, first = keys.setdefault(same_key(name), (name, line))
        if other != name:
            raise StacklabError(f"{path}:{line}: '{name}' and '{other}' (line {first}) "
                                f"would share the key pair CLASS_{key_part(name)} (Nova "
                                "allows only letters, digits, '-' and '_' in it, and "
                                "compares names without case)",
                                "rename one of the two in the student file")
        students.append(Student(name, **{k: fields[k] for k in ROSTER_KEYS if fields.get(k)}))
    return students


def _plain(path: Path, text: str) -> list[tuple[int, dict[str, str]]]:
    rows = []
    for number, raw in enumerate(text.splitlines(), 1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        fields = {"name": words[0]}
        for word in words[1:]:
            key, sep, value = word.partition("=")
            if not sep or key not in ROSTER_KEYS or not value:
                raise StacklabError(f"{path}:{number}: '{word}' is not one of "
                                    f"{', '.join(k + '=…' for k in ROSTER_KEYS)}",
                                    "one student a line: name [email=…] [sis_id=…]")
            fields[key] = value
        rows.append((number, fields))
    return rows


def _csv(path: Path, text: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    unknown = [c for c in columns if c not in ("name", *ROSTER_KEYS)]
    if "name" not in columns or unknown:
        raise StacklabError(f"{path}:1: the header must name the columns name, "
                            f"{', '.join(ROSTER_KEYS)}" + (f" (not {unknown[0]})"
                                                           if unknown else ""))
    reader.fieldnames = columns
    return [(reader.line_num, {k: (v or "").strip() for k, v in row.items() if k})
            for row in reader if any((v or "").strip() for v in row.values() if v)]
