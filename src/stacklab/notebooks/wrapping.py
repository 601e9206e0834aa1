"""Long shell command lines, wrapped for reading: `a b c \\` + newline + `    d e`.

A backslash-newline outside quotes, comments and here-documents is only whitespace to the
shell, so the wrapped script runs exactly as the one-liner does; a line is broken only
there. Lines inside a here-document or a multi-line quoted string are left as they are.
"""

from __future__ import annotations

import re

WIDTH = 68  # columns a wrapped line aims for: it fits beside the 2012 text in JupyterLab
# at 1400 px with the file browser open (a word longer than that still gets a line)
INDENT = "    "  # continuation lines
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")


def wrap_script(script: str, width: int = WIDTH) -> str:
    """The script with every line longer than ``width`` broken at its top-level spaces."""
    out: list[str] = []
    quote = ""  # the quote a line ends inside ('' = none), carried to the next line
    heredoc: list[str] = []  # terminators still to come, first first
    for line in script.split("\n"):
        if heredoc:
            out.append(line)
            if line.strip() == heredoc[0]:  # `<<-` allows leading tabs; strip covers it
                heredoc.pop(0)
            continue
        starts_quoted = bool(quote)
        breaks, quote = _break_points(line, quote)
        heredoc.extend(m.group(2) for m in _HEREDOC.finditer(line))
        if len(line) <= width or starts_quoted or not breaks:
            out.append(line)
            continue
        out.extend(_fill(line, breaks, width))
    return "\n".join(out)


def _break_points(line: str, quote: str) -> tuple[list[int], str]:
    """Indexes of the spaces where the line may break, and the quote it ends inside."""
    points: list[int] = []
    i = 0
    while i < len(line):
        char = line[i]
        if quote == "'":
            if char == "'":
                quote = ""
        elif char == "\\":
            i += 1  # the escaped character is never special
        elif quote == '"':
            if char == '"':
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1] in " \t;|&("):
            break  # a comment runs to the end of the line: no break inside it
        elif char == " " and i > 0 and line[i - 1] != " " and line[:i].strip():
            points.append(i)
        i += 1
    return points, quote


def _good(line: str, point: int) -> bool:
    """A break that keeps an option with its value: before `-x`/`--x`, a pipe or `&&`, or
    after `;`."""
    after = line[point + 1:point + 3]
    return after.startswith(("-", "|", "&&")) or line[point - 1] == ";"


def _fill(line: str, breaks: list[int], width: int) -> list[str]:
    """Greedy: each piece as long as fits, ending in ` \\` (at an option or a pipe where
    one fits); later pieces indented."""
    lead = line[: len(line) - len(line.lstrip())]
    pieces: list[str] = []
    start, prefix = 0, ""
    fits: list[int] = []  # the break points of the current piece so far
    for point in [*breaks, len(line)]:
        if fits and len(prefix) + point - start + 2 > width:
            good = [p for p in fits if _good(line, p)]
            cut = good[-1] if good and good[-1] - start > (width - len(prefix)) // 3 else fits[-1]
            pieces.append(prefix + line[start:cut].rstrip() + " \\")
            start, prefix = cut + 1, lead + INDENT
            while start < len(line) and line[start] == " ":
                start += 1
            fits = [p for p in fits if p > cut]
        if point < len(line):
            fits.append(point)
    pieces.append(prefix + line[start:])
    return pieces
