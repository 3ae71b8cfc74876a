"""Server-drawn SVG for the wall screen (no script needed, sharp at any size): a half-circle gauge per rate and
a row of small bars for the week, in the light-on-dark colours of the board. Drawn like reports/charts.py."""

import math
from collections.abc import Sequence
from html import escape

TRACK = "#2b3445"
GOOD, FAIR, POOR = "#32d583", "#fdb022", "#f97066"
TEXT = "#f2f4f7"
FONT = "Noto Sans CJK SC, Noto Serif CJK SC, sans-serif"


# Colours of the store's own PDCA marks (reports.rules.evaluate): met, needs improvement, below target.
MARK_COLOURS = {"met": GOOD, "improve": FAIR, "below": POOR}


def colour_for(mark: str) -> str:
    return MARK_COLOURS.get(mark, TRACK)


def _point(cx: float, cy: float, r: float, fraction: float) -> tuple[float, float]:
    angle = math.pi * (1 - fraction)  # from the left end (0 %) over the top to the right end (100 %)
    return cx + r * math.cos(angle), cy - r * math.sin(angle)


def gauge(*, value: float | None, label: str, mark: str) -> str:
    """A half-circle gauge of a 0–100 value with the figure in the middle; '—' when there is no value yet."""
    width, height, cx, cy, r = 240, 140, 120, 124, 100
    start_x, start_y = _point(cx, cy, r, 0)
    end_x, end_y = _point(cx, cy, r, 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" font-family="{FONT}">',
        f'<path d="M {start_x:.1f} {start_y:.1f} A {r} {r} 0 0 1 {end_x:.1f} {end_y:.1f}" fill="none" '
        f'stroke="{TRACK}" stroke-width="22" stroke-linecap="round"/>',
    ]
    if value is not None:
        fraction = max(0.0, min(float(value), 100.0)) / 100
        x, y = _point(cx, cy, r, fraction)
        parts.append(
            f'<path d="M {start_x:.1f} {start_y:.1f} A {r} {r} 0 0 1 {x:.1f} {y:.1f}" fill="none" '
            f'stroke="{colour_for(mark)}" stroke-width="22" stroke-linecap="round"/>'
        )
    shown = "—" if value is None else f"{float(value):g}"
    parts.append(
        f'<text x="{cx}" y="{cy - 14}" text-anchor="middle" font-size="46" font-weight="bold" '
        f'fill="{TEXT}">{escape(shown)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def week_bars(*, days: Sequence[str], values: Sequence[float | None], marks: Sequence[str], label: str) -> str:
    """Seven small bars (0–100) under a gauge: how today compares with the days before; gaps where no value."""
    width, height, top, bottom = 240, 70, 6, 18
    plot_h = height - top - bottom
    step = width / max(len(days), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" font-family="{FONT}">'
    ]
    for i, (day, value, mark) in enumerate(zip(days, values, marks, strict=False)):
        x = i * step + step * 0.2
        if value is not None:
            h = plot_h * max(0.0, min(float(value), 100.0)) / 100
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{step * 0.6:.1f}" height="{h:.1f}" '
                f'fill="{colour_for(mark)}"/>'
            )
        parts.append(
            f'<text x="{x + step * 0.3:.1f}" y="{height - 4}" text-anchor="middle" font-size="11" '
            f'fill="#98a2b3">{escape(day[-2:])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
