"""The shared libraries an ELF program needs (its DT_NEEDED entries), read directly."""

from __future__ import annotations

import struct
from pathlib import Path

PT_DYNAMIC, PT_LOAD, DT_NEEDED, DT_STRTAB = 2, 1, 1, 5


def needed(path: Path) -> list[str]:
    """DT_NEEDED of a 64-bit little-endian ELF file; [] for static programs."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return []
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    loads, dynamic = [], None
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz, _, _ = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize)
        if p_type == PT_LOAD:
            loads.append((p_vaddr, p_offset, p_filesz))
        elif p_type == PT_DYNAMIC:
            dynamic = (p_offset, p_filesz)
    if dynamic is None:
        return []
    entries, strtab = [], 0
    for off in range(dynamic[0], dynamic[0] + dynamic[1], 16):
        tag, val = struct.unpack_from("<qQ", data, off)
        if tag == 0:
            break
        if tag == DT_NEEDED:
            entries.append(val)
        elif tag == DT_STRTAB:
            strtab = val
    base = next(off + (strtab - va) for va, off, size in loads if va <= strtab < va + size)
    return [data[base + e:data.index(b"\0", base + e)].decode() for e in entries]


def closure(program: Path, search: list[Path]) -> dict[str, Path]:
    """Every library the program needs, transitively: soname → file found in `search`."""
    found: dict[str, Path] = {}
    todo = needed(program)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        for folder in search:
            candidate = folder / name
            if candidate.exists():
                found[name] = candidate.resolve()
                todo += needed(found[name])
                break
        else:
            raise FileNotFoundError(f"{program.name} needs {name}, found nowhere")
    return found
