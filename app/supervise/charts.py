"""Server-rendered SVG charts: the 12-month trend, ranking bars and the hotspot map. Plain
markup (no script, no library), so they print and export as they look on screen."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BRAND = "#0b6e4f"
SECOND = "#d9822b"
RED = "#c0392b"
GRID = "#d8dee6"
MUTED = "#5b6b7c"


@dataclass
class Series:
    label: str
    values: Sequence[float | None]  # 0..1
    target: float
    color: str


def _pct(v: float) -> str:
    return f"{v * 100:.1f}%"


def trend(labels: Sequence[str], series: Sequence[Series], title: str,
          width: int = 720, height: int = 280) -> Markup:
    """Rates month by month against their targets: a line per rate, a dashed line per
    target, points below target in red with their value."""
    left, right, top, bottom = 44, 16, 34, 30
    values = [v for s in series for v in s.values if v is not None]
    low = min([*values, *(s.target for s in series)], default=0.8)
    floor = max(0.0, math.floor((low - 0.05) * 20) / 20)  # a 5 % step under the lowest
    span = 1.0 - floor or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(1, len(labels))

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return top + plot_h * (1.0 - (v - floor) / span)

    out = [f'<svg class="chart trend" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
           f"<title>{escape(title)}</title>"]
    steps = round(span / 0.05)
    for k in range(steps + 1):
        v = floor + k * 0.05
        if steps > 8 and k % 2:
            continue
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                   f'stroke="{GRID}" stroke-width="1"/>')
        out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" '
                   f'font-size="11" fill="{MUTED}">{v * 100:.0f}%</text>')
    for i, label in enumerate(labels):
        out.append(f'<text x="{x(i):.1f}" y="{height - 10}" text-anchor="middle" '
                   f'font-size="11" fill="{MUTED}">{escape(label)}</text>')
    for s in series:
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(s.target):.1f}" '
                   f'y2="{y(s.target):.1f}" stroke="{s.color}" stroke-width="1.2" '
                   f'stroke-dasharray="5 4" opacity="0.8"/>')
        segments: list[list[str]] = [[]]
        for i, v in enumerate(s.values):
            if v is None:
                segments.append([])
                continue
            segments[-1].append(f"{x(i):.1f},{y(v):.1f}")
        for seg in segments:
            if len(seg) > 1:
                out.append(f'<polyline points="{" ".join(seg)}" fill="none" '
                           f'stroke="{s.color}" stroke-width="2.2"/>')
        for i, v in enumerate(s.values):
            if v is None:
                continue
            below = v < s.target
            color = RED if below else s.color
            out.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="{4.5 if below else 3.5}" '
                       f'fill="{color}" stroke="#fff" stroke-width="1">'
                       f"<title>{escape(s.label)} {escape(labels[i])}: {_pct(v)}</title>"
                       f"</circle>")
            if below or i == len(s.values) - 1:
                out.append(f'<text x="{x(i):.1f}" y="{y(v) - 8:.1f}" text-anchor="middle" '
                           f'font-size="10.5" fill="{color}" font-weight="600" stroke="#fff" '
                           f'stroke-width="3" paint-order="stroke">{_pct(v)}</text>')
    # Legend
    lx = left
    for s in series:
        out.append(f'<line x1="{lx}" x2="{lx + 18}" y1="14" y2="14" stroke="{s.color}" '
                   f'stroke-width="2.5"/>')
        label = f"{s.label} (≥ {s.target * 100:.0f}%)"
        out.append(f'<text x="{lx + 24}" y="18" font-size="12" fill="#1d2733">'
                   f"{escape(label)}</text>")
        lx += 30 + 7.5 * len(label) + 20
    out.append("</svg>")
    return Markup("".join(out))


@dataclass
class Bar:
    label: str
    value: float | None
    note: str = ""


def _text_width(text: str, size: float = 12) -> float:
    """About how wide a label is drawn: a Chinese character takes a full em, a Latin
    letter or digit a little over half of one."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.6 for ch in text)


def fit(label: str, room: float, size: float = 12) -> str:
    """The label cut (with …) to fit ``room`` pixels, so it never runs into the bar."""
    if _text_width(label, size) <= room:
        return label
    while label and _text_width(label + "…", size) > room:
        label = label[:-1]
    return label + "…"


def bars(items: Sequence[Bar], target: float, title: str, width: int = 720) -> Markup:
    """Horizontal bars best to worst, a dashed target line, bars below target in red."""
    row, left, right, top = 22, 200, 120, 26
    height = top + row * max(1, len(items)) + 10
    values = [b.value for b in items if b.value is not None]
    floor = max(0.0, math.floor((min([*values, target], default=0.8) - 0.05) * 20) / 20)
    span = 1.0 - floor or 1.0
    plot_w = width - left - right

    def x(v: float) -> float:
        return left + plot_w * (v - floor) / span

    out = [f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
           f"<title>{escape(title)}</title>",
           f'<text x="{left}" y="14" font-size="11" fill="{MUTED}">{floor * 100:.0f}%</text>',
           f'<text x="{width - right}" y="14" font-size="11" fill="{MUTED}" '
           f'text-anchor="end">100%</text>']
    for i, b in enumerate(items):
        cy = top + i * row
        label = fit(b.label, left - 12)
        out.append(f'<text x="{left - 8}" y="{cy + 14}" text-anchor="end" font-size="12" '
                   f'fill="#1d2733">{escape(label)}</text>')
        if b.value is None:
            out.append(f'<text x="{left + 4}" y="{cy + 14}" font-size="11" fill="{MUTED}">—'
                       f"</text>")
            continue
        color = RED if b.value < target else BRAND
        w = max(1.0, x(b.value) - left)
        out.append(f'<rect x="{left}" y="{cy + 3}" width="{w:.1f}" height="{row - 7}" '
                   f'fill="{color}" rx="2"><title>{escape(b.label)}: {_pct(b.value)}</title>'
                   f"</rect>")
        out.append(f'<text x="{left + w + 6:.1f}" y="{cy + 14}" font-size="11" fill="{color}">'
                   f"{_pct(b.value)} {escape(b.note)}</text>")
    tx = x(target)
    out.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{top - 4}" y2="{height - 6}" '
               f'stroke="{MUTED}" stroke-dasharray="4 3"/>')
    out.append(f'<text x="{tx:.1f}" y="{top - 8}" font-size="10.5" fill="{MUTED}" '
               f'text-anchor="middle">{target * 100:.0f}%</text>')
    out.append("</svg>")
    return Markup("".join(out))


@dataclass
class Spot:
    lng: float
    lat: float
    count: int
    rank: int
    label: str


def hotspot_map(polygons: Sequence[dict], spots: Sequence[Spot], title: str,
                width: int = 720, height: int = 460, labelled: int = 20) -> Markup:
    """The places in scope as outlines and the hotspots as circles sized by their count,
    the first ``labelled`` numbered by rank. Equirectangular, north up."""
    rings = []
    for geometry in polygons:
        coords = geometry.get("coordinates") or []
        if geometry.get("type") == "Polygon":
            rings.append(coords[0])
        elif geometry.get("type") == "MultiPolygon":
            rings.extend(p[0] for p in coords)
    xs = [p[0] for r in rings for p in r] + [s.lng for s in spots]
    ys = [p[1] for r in rings for p in r] + [s.lat for s in spots]
    out = [f'<svg class="chart map" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
           f"<title>{escape(title)}</title>",
           f'<rect width="{width}" height="{height}" fill="#eef3f1"/>']
    if not xs:
        out.append("</svg>")
        return Markup("".join(out))
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    k = math.cos(math.radians((y0 + y1) / 2))
    pad = 14
    sx = (width - 2 * pad) / max((x1 - x0) * k, 1e-9)
    sy = (height - 2 * pad) / max(y1 - y0, 1e-9)
    scale = min(sx, sy)
    ox = pad + ((width - 2 * pad) - (x1 - x0) * k * scale) / 2
    oy = pad + ((height - 2 * pad) - (y1 - y0) * scale) / 2

    def px(lng: float, lat: float) -> tuple[float, float]:
        return ox + (lng - x0) * k * scale, oy + (y1 - lat) * scale

    for ring in rings:
        pts = " ".join("{:.1f},{:.1f}".format(*px(p[0], p[1])) for p in ring)
        out.append(f'<polygon points="{pts}" fill="#ffffff" stroke="#6f8aa6" '
                   f'stroke-width="1"/>')
    biggest = max((s.count for s in spots), default=1)
    for s in sorted(spots, key=lambda s: s.count):
        cx, cy = px(s.lng, s.lat)
        r = 4 + 14 * math.sqrt(s.count / biggest)
        out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{RED}" '
                   f'fill-opacity="0.45" stroke="{RED}" stroke-width="1">'
                   f"<title>{s.rank}. {escape(s.label)}: {s.count}</title></circle>")
    for s in sorted(spots, key=lambda s: -s.rank):  # the first drawn last, on top
        if s.rank > labelled:
            continue
        cx, cy = px(s.lng, s.lat)
        out.append(f'<text x="{cx:.1f}" y="{cy + 3.5:.1f}" text-anchor="middle" '
                   f'font-size="10" font-weight="700" fill="#fff" stroke="#7a1f16" '
                   f'stroke-width="2.2" paint-order="stroke">{s.rank}</text>')
    out.append("</svg>")
    return Markup("".join(out))
