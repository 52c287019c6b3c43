"""The evidence report's run charts: NHS "Making Data Count" XmR charts drawn with
reportlab graphics (imported where first needed). Grey points are common-cause variation,
blue special cause of improvement, orange special cause of concern, purple special cause
of a neutral measure; each phase has its own mean and limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rxlog.central.report_data import Series
from rxlog.central.spc import (
    COMMON,
    CONCERN,
    FAIL,
    HIT_AND_MISS,
    IMPROVEMENT,
    NEUTRAL_HIGH,
    NEUTRAL_LOW,
    PASS,
    Chart,
)
from rxlog.pdf_style import NHS_BLACK, NHS_DARK_BLUE, NHS_DARK_GREY, NHS_MID_GREY, NHS_RED

MDC_IMPROVE = "#41B6E6"  # Making Data Count: special cause, improvement
MDC_CONCERN = "#ED8B00"  # special cause, concern
MDC_COMMON = "#A6A6A6"
MDC_NEUTRAL = "#490092"  # special cause, neither better nor worse
_POINT_COLOUR = {
    COMMON: MDC_COMMON,
    IMPROVEMENT: MDC_IMPROVE,
    CONCERN: MDC_CONCERN,
    NEUTRAL_HIGH: MDC_NEUTRAL,
    NEUTRAL_LOW: MDC_NEUTRAL,
}
_VARIATION_ICON = {  # letter and colour of the variation icon (last point's type)
    COMMON: ("~", MDC_COMMON, "common cause"),
    IMPROVEMENT: ("+", MDC_IMPROVE, "special cause: improvement"),
    CONCERN: ("!", MDC_CONCERN, "special cause: concern"),
    NEUTRAL_HIGH: ("H", MDC_NEUTRAL, "special cause: high"),
    NEUTRAL_LOW: ("L", MDC_NEUTRAL, "special cause: low"),
}
_ASSURANCE_ICON = {
    PASS: ("P", MDC_IMPROVE, "target consistently met"),
    FAIL: ("F", MDC_CONCERN, "target consistently missed"),
    HIT_AND_MISS: ("?", MDC_COMMON, "target met and missed at random"),
}

# The charts the PDF draws (the JSON and the BI feed carry every measure in both periods).
PDF_MEASURES = {
    "month": ("HOURS", "REC", "REC_RATE", "INT", "INT_RATE", "RELEASED_RATE", "QS120"),
    "week": ("REC_RATE", "INT_RATE", "RELEASED_RATE", "QS120"),
}


def month_label(m: str) -> str:
    """``2026-03`` as ``Mar 2026``."""
    import calendar

    return f"{calendar.month_abbr[int(m[5:])]} {m[:4]}"


def nice_ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    """Round axis ticks (1, 2, 2.5 or 5 x a power of ten) covering ``lo``..``hi``."""
    import math

    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step) * step
    ticks = []
    v = first
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    if ticks[-1] < hi:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}"


@dataclass(frozen=True)
class _Plot:
    """Where the plot area of one chart lies and how values map onto it."""

    left: float
    bottom: float
    width: float
    height: float
    lo: float
    hi: float
    n: int

    def x(self, i: float) -> float:
        return self.left + (self.width * (i + 0.5) / self.n)

    def y(self, v: float) -> float:
        return self.bottom + self.height * (v - self.lo) / (self.hi - self.lo)


def _colour(hex_: str) -> Any:
    from reportlab.lib import colors

    return colors.HexColor(hex_)


def spc_drawing(s: Series, width: float, height: float = 150, numbers: bool = True) -> Any:
    """One XmR chart with its title, icons, stepped limits, points, axis labels and a
    caption of its limits and signals (without the means' and limits' values where
    ``numbers`` is false: they would give a small count away; report_cells)."""
    from reportlab.graphics.shapes import Drawing, String

    ch = s.chart
    d = Drawing(width, height)
    left, right, bottom, top = 46, 12, 40, 22
    d.add(String(0, height - 12, s.title, fontName="Helvetica-Bold", fontSize=9,
                 fillColor=_colour(NHS_DARK_BLUE)))  # fmt: skip
    if not ch.points:
        d.add(String(left, bottom + (height - bottom - top) / 2, "no data", fontSize=8))
        return d
    icons = _icons(d, ch, width - right - 6, height)
    span = [p.value for p in ch.points] + [p.lower for p in ch.points]
    span += [p.upper for p in ch.points]
    if ch.target is not None:
        span.append(ch.target)
    ticks = nice_ticks(min(span), max(span))
    plot = _Plot(left, bottom, width - left - right, height - bottom - top,
                 ticks[0], ticks[-1], len(ch.points))  # fmt: skip
    _axes(d, plot, ticks)
    _limits(d, plot, ch)
    _points(d, plot, ch)
    _period_labels(d, plot, s)
    _caption(d, plot, ch, [w for _, _, w in icons], numbers)
    return d


def _icons(d: Any, ch: Chart, xpos: float, height: float) -> list[tuple[str, str, str]]:
    """Top right: the variation icon (last point's type) and the assurance icon."""
    from reportlab.graphics.shapes import Circle, String
    from reportlab.lib import colors

    icons = [_VARIATION_ICON[ch.variation]]
    if ch.assurance is not None:
        icons.append(_ASSURANCE_ICON[ch.assurance])
    for letter, colour, _ in reversed(icons):
        d.add(Circle(xpos, height - 8, 6.5, fillColor=colors.white,
                     strokeColor=_colour(colour), strokeWidth=1.6))  # fmt: skip
        d.add(String(xpos, height - 11, letter, fontName="Helvetica-Bold", fontSize=8,
                     textAnchor="middle", fillColor=_colour(colour)))  # fmt: skip
        xpos -= 17
    return icons


def _axes(d: Any, plot: _Plot, ticks: list[float]) -> None:
    from reportlab.graphics.shapes import Line, String

    grey = _colour(NHS_MID_GREY)
    left, bottom = plot.left, plot.bottom
    d.add(Line(left, bottom, left + plot.width, bottom, strokeColor=grey, strokeWidth=0.5))
    d.add(Line(left, bottom, left, bottom + plot.height, strokeColor=grey, strokeWidth=0.5))
    for v in ticks:
        tick = f"{v:,.0f}" if float(v).is_integer() else fmt(v)
        y = plot.y(v)
        d.add(String(left - 4, y - 3, tick, fontSize=6.5, textAnchor="end", fillColor=grey))
        d.add(Line(left - 2, y, left, y, strokeColor=grey, strokeWidth=0.5))


def _limits(d: Any, plot: _Plot, ch: Chart) -> None:
    """Mean and limits, stepped (each phase its own), and the target line."""
    from reportlab.graphics.shapes import Line, String

    grey = _colour(NHS_MID_GREY)
    top = plot.bottom + plot.height
    start = 0
    for phase in ch.phases:
        a, b = plot.x(start - 0.5), plot.x(start + phase.n - 0.5)
        for value, colour, dash in (
            (phase.upper, NHS_MID_GREY, [3, 2]),
            (phase.mean, NHS_BLACK, None),
            (phase.lower, NHS_MID_GREY, [3, 2]),
        ):
            if plot.lo <= value <= plot.hi:
                d.add(Line(a, plot.y(value), b, plot.y(value), strokeColor=_colour(colour),
                           strokeWidth=0.8, strokeDashArray=dash))  # fmt: skip
        if len(ch.phases) > 1:
            d.add(String(a + 2, top + 3, phase.name + (" (trial limits)" if phase.trial
                         else ""), fontSize=6, fillColor=grey))  # fmt: skip
        if start:
            d.add(Line(a, plot.bottom, a, top, strokeColor=grey, strokeWidth=0.5,
                       strokeDashArray=[1, 2]))  # fmt: skip
        start += phase.n
    if ch.target is not None:
        y = plot.y(ch.target)
        d.add(Line(plot.left, y, plot.left + plot.width, y, strokeColor=_colour(NHS_RED),
                   strokeWidth=0.8, strokeDashArray=[6, 2]))  # fmt: skip


def _points(d: Any, plot: _Plot, ch: Chart) -> None:
    from reportlab.graphics.shapes import Circle, PolyLine

    d.add(PolyLine([c for i, p in enumerate(ch.points) for c in (plot.x(i), plot.y(p.value))],
                   strokeColor=_colour(NHS_MID_GREY), strokeWidth=0.8))  # fmt: skip
    radius = 2.6 if plot.n <= 30 else 1.8
    for i, p in enumerate(ch.points):
        d.add(Circle(plot.x(i), plot.y(p.value), radius,
                     fillColor=_colour(_POINT_COLOUR[p.type]), strokeColor=None))  # fmt: skip


def _period_labels(d: Any, plot: _Plot, s: Series) -> None:
    """Under the axis: month (or day/month of a week's Monday), and the year where it
    changes; at most about 12 labels."""
    from reportlab.graphics.shapes import String

    grey = _colour(NHS_MID_GREY)
    points = s.chart.points
    step = max(1, -(-plot.n // 12))
    for i in range(0, plot.n, step):
        label = points[i].label
        text = month_label(label[:7])[:3] if s.period == "month" else label[8:10] + "/" + label[5:7]
        x = plot.x(i)
        d.add(String(x, plot.bottom - 10, text, fontSize=6, textAnchor="middle", fillColor=grey))
        if i == 0 or label[:4] != points[i - step].label[:4]:
            d.add(String(x, plot.bottom - 18, label[:4], fontSize=6, textAnchor="middle",
                         fillColor=grey))  # fmt: skip


def _caption(d: Any, plot: _Plot, ch: Chart, icon_words: list[str], numbers: bool) -> None:
    from reportlab.graphics.shapes import String

    limits = "; ".join(
        f"{ph_.name + ': ' if ph_.name else ''}mean {fmt(ph_.mean)}, limits {fmt(ph_.lower)} "
        f"to {fmt(ph_.upper)}"
        for ph_ in ch.phases
    )
    if not numbers:
        limits = "means and limits as drawn; their values are not printed, to protect small numbers"
    words = [ch.summary()]
    if ch.trial:
        words.append("trial limits (a phase has fewer than 13 points)")
    words += icon_words
    dark = _colour(NHS_DARK_GREY)
    d.add(String(plot.left, 9, limits, fontSize=6, fillColor=dark))
    d.add(String(plot.left, 1, "  ·  ".join(words), fontSize=6, fillColor=dark))


def legend(width: float) -> Any:
    """The key to the points, lines and icons, drawn once above the charts."""
    from reportlab.graphics.shapes import Circle, Drawing, Line, String
    from reportlab.pdfbase.pdfmetrics import stringWidth

    d = Drawing(width, 40)
    xpos = 0.0
    for colour, label in (
        (MDC_COMMON, "common cause"),
        (MDC_IMPROVE, "special cause: improvement"),
        (MDC_CONCERN, "special cause: concern"),
        (MDC_NEUTRAL, "special cause: neutral measure"),
    ):
        d.add(Circle(xpos + 3, 32, 3, fillColor=_colour(colour), strokeColor=None))
        d.add(String(xpos + 9, 29.5, label, fontSize=7))
        xpos += 20 + stringWidth(label, "Helvetica", 7)
    xpos = 0.0
    for colour, dash, label in (
        (NHS_BLACK, None, "mean"),
        (NHS_MID_GREY, [3, 2], "process limits (per phase)"),
        (NHS_RED, [6, 2], "target"),
    ):
        d.add(Line(xpos, 19, xpos + 14, 19, strokeColor=_colour(colour), strokeWidth=0.8,
                   strokeDashArray=dash))  # fmt: skip
        d.add(String(xpos + 17, 16.5, label, fontSize=7))
        xpos += 30 + stringWidth(label, "Helvetica", 7)
    d.add(String(0, 3.5, "icons: ~ common cause, + improvement, ! concern, H/L neutral high/"
                 "low; P target met, F missed, ? either", fontSize=7))  # fmt: skip
    return d
