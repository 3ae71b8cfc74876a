"""Small server-side SVG charts (grouped bars, lines) for the PDF, where no JavaScript runs."""

from collections.abc import Sequence
from html import escape

COLOURS = ("#1849a9", "#f79009", "#0f6b4f", "#b42318", "#6941c6")
FONT = "Noto Sans CJK SC, Noto Serif CJK SC, sans-serif"
WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 28, 64


def _scale_max(series: Sequence[tuple[str, Sequence]], fixed: float | None) -> float:
    """A round top of the value axis that four grid steps divide into whole numbers."""
    if fixed:
        return fixed
    values = [float(v) for _name, vals in series for v in vals if v is not None]
    top = max(values, default=0)
    scale = 1
    while True:
        for base in (4, 8, 12, 20, 40, 60, 80):
            if base * scale >= top:
                return base * scale
        scale *= 10


def _frame(title: str, top: float, unit: str) -> list[str]:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'font-family="{FONT}" font-size="11">',
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    plot_h = HEIGHT - TOP - BOTTOM
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e7ec"/>')
        label = f"{value:g}{unit}"
        parts.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#475467">{label}</text>')
    return parts


def _legend(series, parts: list[str]) -> None:
    x = LEFT
    for i, (name, _vals) in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        parts.append(f'<rect x="{x}" y="{HEIGHT - 14}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="{HEIGHT - 5}">{escape(str(name))}</text>')
        x += 24 + 12 * len(str(name))


def bar_chart(
    *, title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence]], unit: str = "", top=None
) -> str:
    """Grouped vertical bars: one group per label, one bar per series; missing values leave a gap."""
    top = _scale_max(series, top)
    parts = _frame(title, top, unit)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(labels), 1)
    bar_w = min(28.0, group_w * 0.8 / max(len(series), 1))
    for g, label in enumerate(labels):
        x0 = LEFT + g * group_w + (group_w - bar_w * len(series)) / 2
        for s, (_name, values) in enumerate(series):
            value = values[g] if g < len(values) else None
            if value is None:
                continue
            h = plot_h * min(float(value), top) / top
            x = x0 + s * bar_w
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[s % len(COLOURS)]}"/>'
            )
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{TOP + plot_h - h - 2:.1f}" text-anchor="middle" '
                f'font-size="9">{float(value):g}</text>'
            )
        cx = LEFT + g * group_w + group_w / 2
        if len(labels) > 6:  # many groups: slanted, so long Chinese labels do not run into each other
            parts.append(
                f'<text x="{cx:.1f}" y="{TOP + plot_h + 10}" text-anchor="end" font-size="8" '
                f'transform="rotate(-30 {cx:.1f} {TOP + plot_h + 10})">{escape(str(label)[:10])}</text>'
            )
        else:
            parts.append(
                f'<text x="{cx:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle">{escape(str(label)[:10])}</text>'
            )
    _legend(series, parts)
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    *, title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence]], unit: str = "", top=None
) -> str:
    """One polyline per series over the labels; missing values break the line."""
    top = _scale_max(series, top)
    parts = _frame(title, top, unit)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(labels) - 1, 1)
    for s, (_name, values) in enumerate(series):
        colour = COLOURS[s % len(COLOURS)]
        points = [
            (LEFT + i * step, TOP + plot_h - plot_h * min(float(v), top) / top)
            for i, v in enumerate(values)
            if v is not None
        ]
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
            parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>' for x, y in points)
    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{LEFT + i * step:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle" font-size="9">'
            f"{escape(str(label))}</text>"
        )
    _legend(series, parts)
    parts.append("</svg>")
    return "".join(parts)
