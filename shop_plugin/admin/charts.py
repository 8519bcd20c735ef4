"""Charts drawn on the server: this module computes the geometry, templates/admin/_charts.html draws
the SVG (so every label goes through Jinja's autoescaping). No script; each chart has a <title>, a
<desc>, text labels on its values and a table of its data, so it reads without colour or sight."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

PALETTE = ("#2c6ecb", "#e3a008", "#8051ff", "#0e9f6e", "#e02424", "#6b7280", "#0694a2", "#d946ef", "#9a3412")
PATTERNS = ("", "4 2", "1 2", "6 2 1 2")  # dash patterns on segment outlines: series differ beyond colour


@dataclass
class Chart:
    kind: str
    title: str
    width: int
    height: int
    desc: str = ""
    bars: list[dict] = field(default_factory=list)
    ticks: list[dict] = field(default_factory=list)
    labels: list[dict] = field(default_factory=list)
    legend: list[dict] = field(default_factory=list)
    line: str = ""
    points: list[dict] = field(default_factory=list)
    table: dict = field(default_factory=dict)


def _nice_max(value: float) -> float:
    """A round top for the axis: 1, 2, 2.5 or 5 times a power of ten, at least `value`."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1.0
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _fmt(value: float, unit: str) -> str:
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{text}{unit}"


def bar_chart(rows: list[tuple[str, float | None]], *, title: str, unit: str = "", max_value: float | None = None,
              width: int = 640) -> Chart:
    """Horizontal bars, one per (label, value); None is drawn as "no data"."""
    label_w, bar_h, gap, top = 180, 18, 8, 8
    area = width - label_w - 70
    top_value = max_value or _nice_max(max((v or 0) for _, v in rows) if rows else 0)
    chart = Chart("bar", title, width, top + len(rows) * (bar_h + gap) + 8,
                  desc=f"{len(rows)} bars, scale 0 to {_fmt(top_value, unit)}")
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = 0 if value is None else max(1, round(area * min(value, top_value) / top_value))
        chart.bars.append({"x": label_w, "y": y, "w": w, "h": bar_h, "label": label, "label_x": label_w - 8,
                           "text": "no data" if value is None else _fmt(value, unit), "text_x": label_w + w + 6,
                           "text_y": y + bar_h - 5, "color": PALETTE[0], "dash": ""})
    chart.table = {"head": ["", title], "rows": [[b["label"], b["text"]] for b in chart.bars]}
    return chart


def stacked_bars(categories: list[str], series: dict[str, list[float]], *, title: str, width: int = 960,
                 height: int = 240, tick: Callable[[str], str] = str) -> Chart:
    """Vertical columns, one per category (e.g. a day), stacked by series (e.g. a reason);
    `tick` shortens a category for the axis (the data table keeps it whole)."""
    left, right, top, bottom = 40, 24, 10, 40
    totals = [sum(values[i] for values in series.values()) for i in range(len(categories))]
    top_value = _nice_max(max(totals, default=0))
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(categories), 1)
    chart = Chart("stacked", title, width, height, desc=f"{len(categories)} columns, {len(series)} series, "
                  f"highest total {_fmt(max(totals, default=0), '')}")
    chart.ticks = _ticks(top_value, left, top, plot_w, plot_h)
    every = max(1, len(categories) // 10)  # at most ~10 axis labels
    for i, category in enumerate(categories):
        x, base = left + i * step + step * 0.15, top + plot_h
        for j, (name, values) in enumerate(series.items()):
            if values[i] <= 0:
                continue
            h = plot_h * values[i] / top_value
            base -= h
            chart.bars.append({"x": round(x, 1), "y": round(base, 1), "w": round(step * 0.7, 1), "h": round(h, 1),
                               "color": PALETTE[j % len(PALETTE)], "dash": PATTERNS[j % len(PATTERNS)],
                               "label": f"{category} · {name}: {_fmt(values[i], '')}"})
        if i % every == 0:
            chart.labels.append({"x": round(x + step * 0.35, 1), "y": height - bottom + 16, "text": tick(category)})
    chart.legend = [{"name": name, "color": PALETTE[j % len(PALETTE)], "dash": PATTERNS[j % len(PATTERNS)]}
                    for j, name in enumerate(series)]
    chart.table = {"head": ["", *series, "total"],
                   "rows": [[c, *(_fmt(v[i], "") for v in series.values()), _fmt(totals[i], "")]
                            for i, c in enumerate(categories)]}
    return chart


def line_chart(points: list[tuple[str, float]], *, title: str, unit: str = "", width: int = 960,
               height: int = 200, tick: Callable[[str], str] = str) -> Chart:
    """One series over categories (e.g. days), with a dot and a label per point."""
    left, right, top, bottom = 40, 24, 10, 40
    top_value = _nice_max(max((v for _, v in points), default=0))
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(points) - 1, 1)
    chart = Chart("line", title, width, height, desc=f"{len(points)} points, scale 0 to {_fmt(top_value, unit)}")
    chart.ticks = _ticks(top_value, left, top, plot_w, plot_h)
    every = max(1, len(points) // 10)
    coords = []
    for i, (label, value) in enumerate(points):
        x, y = round(left + i * step, 1), round(top + plot_h - plot_h * value / top_value, 1)
        coords.append(f"{x},{y}")
        chart.points.append({"x": x, "y": y, "label": f"{label}: {_fmt(value, unit)}"})
        if i % every == 0:
            chart.labels.append({"x": x, "y": height - bottom + 16, "text": tick(label)})
    chart.line = " ".join(coords)
    chart.table = {"head": ["", title], "rows": [[label, _fmt(value, unit)] for label, value in points]}
    return chart


def _ticks(top_value: float, left: int, top: int, plot_w: float, plot_h: float) -> list[dict]:
    return [{"y": round(top + plot_h - plot_h * f, 1), "x1": left, "x2": round(left + plot_w, 1),
             "text": _fmt(top_value * f, "")} for f in (0, 0.5, 1)]
