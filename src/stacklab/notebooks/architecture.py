"""Lab 2's live picture: which OpenStack services the lab host has, and which are up.

:func:`collect` reads the host in one command (systemd unit states, and the OpenStack
service lists when the admin credentials and the CLI are there); :func:`states` decides
each box's state from those facts; :func:`draw` returns the SVG, in the spirit of the
tutorial's Figure 2. The boxes and their units are data (data/architecture.yaml).
"""

from __future__ import annotations

import json
import shlex
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

State = Literal["up", "partial", "down", "absent", "unknown"]

COLOURS: dict[str, tuple[str, str, str]] = {  # state: (fill, stroke, words)
    "up": ("#d7f0d8", "#2e7d32", "up"),
    "partial": ("#fff1c7", "#b26a00", "partly up"),
    "down": ("#ffd9d9", "#c62828", "down"),
    "absent": ("#f4f4f4", "#9e9e9e", "not installed"),
    "unknown": ("#e8eaf6", "#5c6bc0", "state unknown"),
}
LISTS = {  # section name: (command, the state column)
    "compute": ("openstack compute service list -f json -c Binary -c State", "State"),
    "network": ("openstack network agent list -f json -c Binary -c Alive", "Alive"),
    "volume": ("openstack volume service list -f json -c Binary -c State", "State"),
}


@cache
def layout() -> dict[str, Any]:
    text = resources.files("stacklab.notebooks").joinpath("data/architecture.yaml").read_text()
    return yaml.safe_load(text)


@dataclass
class HostFacts:
    units: dict[str, tuple[str, str]] = field(default_factory=dict)  # unit: (load, active)
    services: dict[str, list[bool]] = field(default_factory=dict)  # binary: [up, ...]
    lists_read: bool = False  # False when the OpenStack lists could not be read
    note: str = ""


def collect_script(rc_file: str) -> str:
    """One bash script that prints every fact the picture needs, one per line."""
    units = sorted({u for c in layout()["components"] for u in c.get("units", [])})
    lines = ["set +e", f"for u in {' '.join(units)}; do",
             '  s=$(systemctl show -p LoadState -p ActiveState --value "$u.service" 2>/dev/null'
             " | tr '\\n' ' ')",
             '  echo "unit $u ${s:-unknown unknown}"', "done",
             f'if [ -r "$HOME"/{shlex.quote(rc_file)} ] && command -v openstack >/dev/null; then',
             f'  . "$HOME"/{shlex.quote(rc_file)}']
    for name, (command, _) in LISTS.items():
        lines.append(f"  echo \"list {name} $({command} 2>/dev/null | tr -d '\\n')\"")
    lines += ["else", "  echo 'nolists'", "fi"]
    return "\n".join(lines) + "\n"


def parse(output: str) -> HostFacts:
    facts = HostFacts()
    for line in output.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "unit":
            name, *state = rest.split()
            load, active = ([*state, "unknown", "unknown"])[:2]
            facts.units[name] = (load, active)
        elif kind == "list":
            name, _, payload = rest.partition(" ")
            try:
                rows = json.loads(payload) if payload.strip() else None
            except ValueError:
                rows = None
            if rows is None:
                facts.note = "the OpenStack service lists could not be read"
                continue
            facts.lists_read = True
            column = LISTS[name][1]
            for row in rows:
                facts.services.setdefault(row.get("Binary", "?"), []).append(
                    _is_up(row.get(column)))
        elif kind == "nolists":
            facts.note = "no admin credentials or openstack CLI on the host yet"
    return facts


def _is_up(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("up", ":-)", "true")


def state_of(component: dict[str, Any], facts: HostFacts) -> tuple[State, str]:
    """A box's state and a short reason (which units or services are not up)."""
    seen, bad = [], []
    unknown = 0
    for unit in component.get("units", []):
        load, active = facts.units.get(unit, ("unknown", "unknown"))
        if load == "loaded":
            seen.append(unit)
            if active != "active":
                bad.append(f"{unit}: {active}")
        elif load == "unknown":
            unknown += 1
    for binary in component.get("services", []):
        for up in facts.services.get(binary, []):
            seen.append(binary)
            if not up:
                bad.append(f"{binary}: XXX")
    if not seen:
        return ("unknown", "systemd not readable") if unknown else ("absent", "")
    if not bad:
        return "up", ""
    return ("down" if len(bad) >= len(seen) else "partial"), ", ".join(bad)


def states(facts: HostFacts) -> dict[str, tuple[State, str]]:
    return {c["id"]: state_of(c, facts) for c in layout()["components"]}


def summary(facts: HostFacts) -> str:
    """The picture in words: one line per box (for text views and screen readers)."""
    lines = []
    for component in layout()["components"]:
        state, why = state_of(component, facts)
        lines.append(f"{component['label']} ({component['project']}): "
                     f"{COLOURS[state][2]}{f' ({why})' if why else ''}")
    return "\n".join(lines + ([facts.note] if facts.note else []))


def collect(session) -> HostFacts:
    """Read the facts from the session's host (one command over the notebook's connection)."""
    if session.dry_run:
        return HostFacts(note="dry run: no lab host, so every state is unknown")
    said: list[str] = []
    rc = session.settings().openstack.admin_rc_file
    session.transport().run(collect_script(rc), timeout=120, stdout=said.append,
                            stderr=lambda _text: None)
    return parse("".join(said))


def draw(facts: HostFacts, title: str = "The lab host, live") -> str:
    """The SVG picture (a string), boxes coloured by state."""
    spec = layout()
    w, h = spec["width"], spec["height"]
    bw, bh = spec["box"]["width"], spec["box"]["height"]
    svg = ET.Element("svg", xmlns="http://www.w3.org/2000/svg", width=str(w), height=str(h),
                     viewBox=f"0 0 {w} {h}", role="img", **{"font-family": "sans-serif"})
    ET.SubElement(svg, "title").text = title
    defs = ET.SubElement(svg, "defs")
    marker = ET.SubElement(defs, "marker", id="arrow", viewBox="0 0 10 10", refX="10",
                           refY="5", markerWidth="7", markerHeight="7", orient="auto")
    ET.SubElement(marker, "path", d="M0,0 L10,5 L0,10 z", fill="#607d8b")
    boxes = {c["id"]: c for c in spec["components"]}
    boxes["client"] = spec["client"]
    for a, b in spec["links"]:
        _link(svg, boxes[a], boxes[b], bw, bh)
    client = spec["client"]
    _box(svg, client, bw, bh, ("#ffffff", "#37474f", ""), "", "client")
    for component in spec["components"]:
        state, why = state_of(component, facts)
        _box(svg, component, bw, bh, COLOURS[state], why or COLOURS[state][2],
             f"component {component['id']} {state}")
    _legend(svg, h, facts.note)
    ET.indent(svg)
    return ET.tostring(svg, encoding="unicode")


def _centre(box: dict[str, Any], bw: int, bh: int) -> tuple[float, float]:
    return box["x"] + bw / 2, box["y"] + bh / 2


def _link(svg: ET.Element, a: dict[str, Any], b: dict[str, Any], bw: int, bh: int) -> None:
    (x1, y1), (x2, y2) = _centre(a, bw, bh), _centre(b, bw, bh)
    # from box edge to box edge: shorten the centre line by where it leaves each box
    def edge(dx: float, dy: float) -> float:
        tx = (bw / 2) / abs(dx) if dx else float("inf")
        ty = (bh / 2) / abs(dy) if dy else float("inf")
        return min(tx, ty)

    dx, dy = x2 - x1, y2 - y1
    s, e = edge(dx, dy), 1 - edge(dx, dy)
    ET.SubElement(svg, "line", x1=f"{x1 + dx * s:.1f}", y1=f"{y1 + dy * s:.1f}",
                  x2=f"{x1 + dx * e:.1f}", y2=f"{y1 + dy * e:.1f}", stroke="#607d8b",
                  **{"stroke-width": "1.5", "marker-end": "url(#arrow)"})


def _box(svg: ET.Element, box: dict[str, Any], bw: int, bh: int,
         colours: tuple[str, str, str], status: str, css: str) -> None:
    fill, stroke, _ = colours
    g = ET.SubElement(svg, "g", {"class": css})
    ET.SubElement(g, "rect", x=str(box["x"]), y=str(box["y"]), width=str(bw), height=str(bh),
                  rx="8", fill=fill, stroke=stroke, **{"stroke-width": "2"})
    cx = str(box["x"] + bw // 2)
    rows = [(box["label"], "13", "bold", "#212121"),
            (box.get("project") or box.get("detail", ""), "11", "normal", "#212121"),
            (f"2012: {box['was']}", "10", "normal", "#616161")]
    if box.get("project"):
        rows.append((_clip(status, 30), "11", "normal", stroke))
    for k, (text, size, weight, colour) in enumerate(rows):
        ET.SubElement(g, "text", x=cx, y=str(box["y"] + 20 + 17 * k), fill=colour,
                      **{"text-anchor": "middle", "font-size": size,
                         "font-weight": weight}).text = text


def _legend(svg: ET.Element, h: int, note: str) -> None:
    x = 12
    for _state, (fill, stroke, words) in COLOURS.items():
        ET.SubElement(svg, "rect", x=str(x), y=str(h - 30), width="14", height="14", fill=fill,
                      stroke=stroke)
        ET.SubElement(svg, "text", x=str(x + 20), y=str(h - 19),
                      **{"font-size": "11"}).text = words
        x += 120
    if note:
        ET.SubElement(svg, "text", x=str(x + 10), y=str(h - 19), fill="#616161",
                      **{"font-size": "11", "font-style": "italic"}).text = note


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
