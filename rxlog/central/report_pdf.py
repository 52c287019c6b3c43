"""The evidence report as a PDF for NHS managers (reportlab, imported lazily).

Tables suppress small numbers: a count of 1 to 4 is shown as ``<5`` (a count that
small about one practice can identify patients; domain.md, governance). Run charts are
NHS "Making Data Count" XmR charts: grey points are common-cause variation, blue
special cause of improvement, orange special cause of concern.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from rxlog.central.report_data import QS120_BANDS, QS120_TARGET_DAYS, ReportData, Series, Totals
from rxlog.central.spc import (
    COMMON,
    CONCERN,
    FAIL,
    HIT_AND_MISS,
    IMPROVEMENT,
    NEUTRAL_HIGH,
    NEUTRAL_LOW,
    PASS,
)
from rxlog.central.suppression import extend, protect, show
from rxlog.errors import StorageError
from rxlog.scales import HARM, SIGNIFICANCE
from rxlog.text import pdf_text, plain

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"
MDC_IMPROVE = "#41B6E6"  # Making Data Count: special cause, improvement
MDC_CONCERN = "#ED8B00"  # special cause, concern
MDC_COMMON = "#A6A6A6"


@dataclass(frozen=True)
class ReportOptions:
    out: Path
    title: str = "Rotational pharmacy technician pilot: evidence report"
    organisation: str = "Medway and Swale rotational pharmacy technician pilot"


def sup(n: int | None) -> str:
    """A count for a table: ``<5`` for 1 to 4 (small-number suppression)."""
    if n is None:
        return ""
    if 1 <= n <= 4:
        return "<5"
    return f"{n:,}"


def hours(minutes: int) -> str:
    if not minutes:
        return "0"
    return f"{minutes / 60:,.0f}" if minutes >= 600 else f"{minutes / 60:,.1f}"


def money(pence: int) -> str:
    return f"£{pence / 100:,.2f}"


def pct(part: int | float, whole: int | float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def pct_of_count(part: int, whole: int) -> str:
    """A share of a count; hidden (``*``) when either count is 1 to 4, since the
    percentage would give the small number away."""
    if 1 <= part <= 4 or 1 <= whole <= 4:
        return "*"
    return pct(part, whole)


def month_label(m: str) -> str:
    import calendar

    return f"{calendar.month_abbr[int(m[5:])]} {m[:4]}"


def write_report(data: ReportData, opts: ReportOptions) -> Path:
    """Build the PDF and put it at ``opts.out`` atomically."""
    out = Path(opts.out)
    if out.suffix.lower() != ".pdf":
        from rxlog.errors import ValidationError

        raise ValidationError(f"{out.name}: the report file name must end in .pdf", "out")
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _build(data, opts, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StorageError(f"cannot write {out}: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


# -- building ------------------------------------------------------------------------
def _styles() -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet

    base = getSampleStyleSheet()
    blue = colors.HexColor(NHS_DARK_BLUE)
    return {
        "title": ParagraphStyle(
            "t",
            parent=base["Title"],
            fontSize=18,
            leading=22,
            textColor=blue,
            alignment=0,
            spaceAfter=4,
        ),
        "subtitle": ParagraphStyle(
            "st",
            parent=base["Normal"],
            fontSize=11,
            leading=14,
            textColor=colors.HexColor(NHS_DARK_GREY),
            spaceAfter=10,
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=base["Heading1"],
            fontSize=14,
            leading=17,
            textColor=blue,
            spaceBefore=10,
            spaceAfter=6,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base["Heading2"],
            fontSize=11,
            leading=14,
            textColor=blue,
            spaceBefore=6,
            spaceAfter=4,
        ),
        "body": ParagraphStyle("b", parent=base["Normal"], fontSize=9, leading=12, spaceAfter=5),
        "small": ParagraphStyle(
            "s",
            parent=base["Normal"],
            fontSize=7.5,
            leading=9.5,
            textColor=colors.HexColor(NHS_DARK_GREY),
        ),
        "kpi_value": ParagraphStyle(
            "kv",
            parent=base["Normal"],
            fontSize=16,
            leading=19,
            textColor=colors.HexColor(NHS_BLUE),
            fontName="Helvetica-Bold",
        ),
        "kpi_label": ParagraphStyle(
            "kl",
            parent=base["Normal"],
            fontSize=8,
            leading=10,
            textColor=colors.HexColor(NHS_DARK_GREY),
        ),
        "cell": ParagraphStyle("c", parent=base["Normal"], fontSize=8, leading=10),
    }


def _table(
    rows: list[list[Any]], widths: list[float], numeric_from: int = 1, total_row: bool = False
) -> Any:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Table, TableStyle

    head = ParagraphStyle("th", fontName="Helvetica-Bold", fontSize=8, leading=9.5,
                          textColor=colors.white)  # fmt: skip
    rows = [
        [
            Paragraph(pdf_text(h), ParagraphStyle("thx", parent=head,
                                        alignment=TA_RIGHT if i >= numeric_from else TA_LEFT))
            if isinstance(h, str) else h
            for i, h in enumerate(rows[0])
        ],
        *[[plain(c) if isinstance(c, str) else c for c in row] for row in rows[1:]],
    ]  # fmt: skip
    t = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(NHS_BLUE)),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor(NHS_PALE_GREY)]),
        ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LINEBELOW", (0, -1), (-1, -1), 0.5, colors.HexColor(NHS_MID_GREY)),
    ]
    if total_row:
        style += [
            ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 8),
            ("LINEABOVE", (0, -1), (-1, -1), 0.75, colors.HexColor(NHS_DARK_BLUE)),
            ("BACKGROUND", (0, -1), (-1, -1), colors.white),
        ]
    t.setStyle(TableStyle(style))
    return t


def _kpis(data: ReportData, st: dict[str, Any], width: float) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    t = data.total
    rec = sum(sum(s.chart.values) for s in data.series if s.key == "REC_M")
    qn = sum(n for n, _ in data.qs120.values())
    qok = sum(ok for _, ok in data.qs120.values())
    items = [
        (hours(t.minutes), "technician hours logged"),
        (sup(t.entries), "activities recorded"),
        (sup(int(rec)), "patients with medicines reconciled"),
        (sup(t.interventions), "clinical interventions"),
        (hours(t.released_minutes), "clinician hours released"),
        _cost_kpi(data),
        (pct_of_count(qok, qn), "reconciliations within the NICE QS120 time"),
        (
            f"{data.returns:,}",
            f"returns from {data.technicians} technician(s), {data.sites} site(s)",
        ),
    ]
    cells = [
        [Paragraph(pdf_text(v), st["kpi_value"]), Paragraph(pdf_text(label), st["kpi_label"])]
        for v, label in items
    ]
    grid = [[cells[i], cells[i + 1], cells[i + 2], cells[i + 3]] for i in (0, 4)]
    col = width / 4
    inner = [[Table([[c[0]], [c[1]]], colWidths=[col - 8]) for c in row] for row in grid]
    t2 = Table(inner, colWidths=[col] * 4)
    t2.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(NHS_PALE_GREY)),
                ("BOX", (0, 0), (-1, -1), 0, colors.white),
                ("INNERGRID", (0, 0), (-1, -1), 3, colors.white),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return t2


def _findings_block(data: ReportData, st: dict[str, Any]) -> list[Any]:
    from reportlab.platypus import ListFlowable, ListItem, Paragraph

    from rxlog.central.findings import key_findings

    findings, caveats = key_findings(data)
    out: list[Any] = [Paragraph("Key findings", st["h2"])]

    def bullets(items: list[str]) -> Any:
        return ListFlowable(
            [ListItem(Paragraph(escape(x), st["body"]), leftIndent=10) for x in items],
            bulletType="bullet",
            start="•",
            leftIndent=10,
        )

    out.append(bullets(findings))
    if caveats:
        out.append(Paragraph("Caveats", st["h2"]))
        out.append(bullets(caveats))
    return out


def _cost_kpi(data: ReportData) -> tuple[str, str]:
    c = data.cost
    if c is None:
        return ("–", "cost avoided")
    basis = c.total("accepted")
    if basis is None:
        return ("not valued", "cost avoided: no unit cost set for the settings")
    low, high = c.total("accepted", "low"), c.total("accepted", "high")
    rng = f" (range {money(low or 0)}–{money(high or 0)})" if low != high else ""
    unvalued = c.unvalued_sectors()
    note = f"; {', '.join(unvalued)} care not valued" if unvalued else ""
    return (
        money(basis),
        f"cost avoided by accepted interventions{rng}, {c.table.report_price_year} prices{note}",
    )


MDC_NEUTRAL = "#490092"  # Making Data Count: special cause, neither better nor worse
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


def _spc_drawing(s: Series, width: float, height: float = 150) -> Any:
    from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, String
    from reportlab.lib import colors

    ch = s.chart
    d = Drawing(width, height)
    left, right, bottom, top = 46, 12, 40, 22
    pw, ph = width - left - right, height - bottom - top
    grey = colors.HexColor(NHS_MID_GREY)
    d.add(String(0, height - 12, s.title, fontName="Helvetica-Bold", fontSize=9,
                 fillColor=colors.HexColor(NHS_DARK_BLUE)))  # fmt: skip
    if not ch.points:
        d.add(String(left, bottom + ph / 2, "no data", fontSize=8))
        return d
    # Icons, top right: variation (last point's type) and assurance (against the target).
    icons = [_VARIATION_ICON[ch.variation]]
    if ch.assurance is not None:
        icons.append(_ASSURANCE_ICON[ch.assurance])
    xpos = width - right - 6
    for letter, colour, _ in reversed(icons):
        d.add(Circle(xpos, height - 8, 6.5, fillColor=colors.white,
                     strokeColor=colors.HexColor(colour), strokeWidth=1.6))  # fmt: skip
        d.add(String(xpos, height - 11, letter, fontName="Helvetica-Bold", fontSize=8,
                     textAnchor="middle", fillColor=colors.HexColor(colour)))  # fmt: skip
        xpos -= 17
    span = [p.value for p in ch.points] + [p.lower for p in ch.points]
    span += [p.upper for p in ch.points]
    if ch.target is not None:
        span.append(ch.target)
    ticks = nice_ticks(min(span), max(span))
    lo, hi = ticks[0], ticks[-1]
    n = len(ch.points)

    def x(i: float) -> float:
        return left + (pw * (i + 0.5) / n)

    def y(v: float) -> float:
        return bottom + ph * (v - lo) / (hi - lo)

    d.add(Line(left, bottom, left + pw, bottom, strokeColor=grey, strokeWidth=0.5))
    d.add(Line(left, bottom, left, bottom + ph, strokeColor=grey, strokeWidth=0.5))
    for v in ticks:
        tick = f"{v:,.0f}" if float(v).is_integer() else _fmt(v)
        d.add(String(left - 4, y(v) - 3, tick, fontSize=6.5, textAnchor="end", fillColor=grey))
        d.add(Line(left - 2, y(v), left, y(v), strokeColor=grey, strokeWidth=0.5))
    # Mean and limits, stepped: each phase's own.
    start = 0
    for phase in ch.phases:
        a, b = x(start - 0.5), x(start + phase.n - 0.5)
        for value, colour, dash in (
            (phase.upper, NHS_MID_GREY, [3, 2]),
            (phase.mean, "#231F20", None),
            (phase.lower, NHS_MID_GREY, [3, 2]),
        ):
            if lo <= value <= hi:
                d.add(Line(a, y(value), b, y(value), strokeColor=colors.HexColor(colour),
                           strokeWidth=0.8, strokeDashArray=dash))  # fmt: skip
        if len(ch.phases) > 1:
            d.add(String(a + 2, bottom + ph + 3, phase.name + (" (trial limits)" if phase.trial
                         else ""), fontSize=6, fillColor=grey))  # fmt: skip
        if start:
            d.add(Line(a, bottom, a, bottom + ph, strokeColor=grey, strokeWidth=0.5,
                       strokeDashArray=[1, 2]))  # fmt: skip
        start += phase.n
    if ch.target is not None:
        d.add(Line(left, y(ch.target), left + pw, y(ch.target),
                   strokeColor=colors.HexColor("#DA291C"), strokeWidth=0.8,
                   strokeDashArray=[6, 2]))  # fmt: skip
    d.add(PolyLine([c for i, p in enumerate(ch.points) for c in (x(i), y(p.value))],
                   strokeColor=grey, strokeWidth=0.8))  # fmt: skip
    for i, p in enumerate(ch.points):
        fill = colors.HexColor(_POINT_COLOUR[p.type])
        d.add(Circle(x(i), y(p.value), 2.6 if n <= 30 else 1.8, fillColor=fill, strokeColor=None))
    step = max(1, -(-n // 12))
    for i in range(0, n, step):
        label = ch.points[i].label
        text = month_label(label[:7])[:3] if s.period == "month" else label[8:10] + "/" + label[5:7]
        d.add(String(x(i), bottom - 10, text, fontSize=6, textAnchor="middle", fillColor=grey))
        if i == 0 or label[:4] != ch.points[i - step].label[:4]:
            d.add(String(x(i), bottom - 18, label[:4], fontSize=6, textAnchor="middle",
                         fillColor=grey))  # fmt: skip
    limits = "; ".join(
        f"{ph_.name + ': ' if ph_.name else ''}mean {_fmt(ph_.mean)}, limits {_fmt(ph_.lower)} "
        f"to {_fmt(ph_.upper)}"
        for ph_ in ch.phases
    )
    words = [ch.summary()]
    if ch.trial:
        words.append("trial limits (a phase has fewer than 13 points)")
    words += [w for _, _, w in icons]
    dark = colors.HexColor(NHS_DARK_GREY)
    d.add(String(left, 9, limits, fontSize=6, fillColor=dark))
    d.add(String(left, 1, "  ·  ".join(words), fontSize=6, fillColor=dark))
    return d


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}"


def _legend(width: float) -> Any:
    from reportlab.graphics.shapes import Circle, Drawing, Line, String
    from reportlab.lib import colors
    from reportlab.pdfbase.pdfmetrics import stringWidth

    d = Drawing(width, 40)
    xpos = 0.0
    for colour, label in (
        (MDC_COMMON, "common cause"),
        (MDC_IMPROVE, "special cause: improvement"),
        (MDC_CONCERN, "special cause: concern"),
        (MDC_NEUTRAL, "special cause: neutral measure"),
    ):
        d.add(Circle(xpos + 3, 32, 3, fillColor=colors.HexColor(colour), strokeColor=None))
        d.add(String(xpos + 9, 29.5, label, fontSize=7))
        xpos += 20 + stringWidth(label, "Helvetica", 7)
    xpos = 0.0
    for colour, dash, label in (
        ("#231F20", None, "mean"),
        (NHS_MID_GREY, [3, 2], "process limits (per phase)"),
        ("#DA291C", [6, 2], "target"),
    ):
        d.add(Line(xpos, 19, xpos + 14, 19, strokeColor=colors.HexColor(colour), strokeWidth=0.8,
                   strokeDashArray=dash))  # fmt: skip
        d.add(String(xpos + 17, 16.5, label, fontSize=7))
        xpos += 30 + stringWidth(label, "Helvetica", 7)
    d.add(String(0, 3.5, "icons: ~ common cause, + improvement, ! concern, H/L neutral high/"
                 "low; P target met, F missed, ? either", fontSize=7))  # fmt: skip
    return d


def _build(data: ReportData, opts: ReportOptions, path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
    )

    st = _styles()
    margin = 16 * mm
    width = A4[0] - 2 * margin
    period = (
        f"{month_label(data.months[0])} to {month_label(data.months[-1])}"
        if data.months
        else "no returns imported"
    )

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColorRGB(0.26, 0.33, 0.39)
        canvas.drawString(margin, 9 * mm, f"{opts.organisation} · {period}")
        canvas.drawRightString(
            A4[0] - margin, 9 * mm, f"Generated {data.generated_at} by RxLog · page {doc.page}"
        )
        canvas.setStrokeColorRGB(0, 0.37, 0.72)
        canvas.setLineWidth(2)
        canvas.line(margin, A4[1] - 10 * mm, A4[0] - margin, A4[1] - 10 * mm)
        canvas.restoreState()

    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=15 * mm,
        bottomMargin=16 * mm,
        title=opts.title,
        author="RxLog",
        subject=period,
        invariant=1,
    )
    P = Paragraph
    story: list[Any] = [
        P(pdf_text(opts.title), st["title"]),
        P(pdf_text(f"{opts.organisation} · {period}"), st["subtitle"]),
    ]
    if not data.returns:
        story.append(P("No returns have been imported for this period.", st["body"]))
        doc.build(story, onFirstPage=footer, onLaterPages=footer)
        return
    t = data.total
    story += [
        P(
            f"This report combines <b>{data.returns:,}</b> signed monthly returns from "
            f"<b>{data.technicians}</b> rotational pharmacy technician(s) working across "
            f"<b>{data.sites}</b> site(s). Every return was checked against its technician's "
            "registered signing key before import; where a month was reopened, only the latest "
            "version is counted.",
            st["body"],
        ),
        *_findings_block(data, st),
        _kpis(data, st, width),
        Spacer(1, 4),
        P(
            "Counts of 1 to 4 are shown as &lt;5, and a share of such a count as *, to protect "
            "patient confidentiality. Cost avoided is derived from clinician minutes released "
            "with the lead's unit-cost table (section 4).",
            st["small"],
        ),
    ]

    # 1. Activity mix
    story.append(P("1. Activity mix by sector and site", st["h1"]))
    sectors = sorted(data.by_sector)
    head = ["Category"] + [f"{s.title()} care: hours" for s in sectors] + ["All: hours", "Share"]
    rows = [head]
    cats = sorted(
        {c for c, _ in data.by_category},
        key=lambda c: -sum(data.by_category.get((c, s), Totals()).minutes for s in sectors),
    )
    for c in cats:
        per = [data.by_category.get((c, s), Totals()).minutes for s in sectors]
        rows.append(
            [
                data.category_titles.get(c, c),
                *[hours(m) for m in per],
                hours(sum(per)),
                pct(sum(per), t.minutes),
            ]
        )
    rows.append(
        [
            "All activity",
            *[hours(data.by_sector[s].minutes) for s in sectors],
            hours(t.minutes),
            "100%",
        ]
    )
    story.append(
        _table(
            rows,
            [width * 0.40] + [width * 0.6 / (len(sectors) + 2)] * (len(sectors) + 2),
            total_row=True,
        )
    )
    story.append(P("By site", st["h2"]))
    rows = [
        [
            "Site (ODS)",
            "Kind",
            "Sector",
            "Activities",
            "Hours",
            "Interventions",
            "Clinician hours released",
        ]
    ]
    sites = sorted(data.by_site.items(), key=lambda kv: -kv[1].minutes)
    # The headline totals are printed, so each count column is protected with its total.
    site_cells: dict[str, list[str]] = {}
    for attr in ("entries", "interventions"):
        colgrid = extend([[getattr(tot, attr)] for _, tot in sites])
        hid = protect(colgrid)
        site_cells[attr] = [show(colgrid[i][0], hid.get((i, 0))) for i in range(len(sites))]
    for i, ((site, kind, sector), s) in enumerate(sites):
        rows.append(
            [
                site,
                kind.replace("_", " "),
                sector,
                site_cells["entries"][i],
                hours(s.minutes),
                site_cells["interventions"][i],
                hours(s.released_minutes),
            ]
        )
    story.append(
        _table(
            rows, [width * w for w in (0.14, 0.14, 0.13, 0.13, 0.13, 0.15, 0.18)], numeric_from=3
        )
    )

    story.append(P("Most frequent activities", st["h2"]))
    rows = [["Code", "Activity", "Activities", "Patients/items", "Hours"]]
    for code, s in sorted(data.by_code.items(), key=lambda kv: -kv[1].minutes)[:15]:
        rows.append(
            [
                code,
                P(pdf_text(data.code_titles.get(code, code)), st["cell"]),
                sup(s.entries),
                sup(s.count),
                hours(s.minutes),
            ]
        )
    story.append(_table(rows, [width * w for w in (0.14, 0.46, 0.12, 0.16, 0.12)], numeric_from=2))

    # 2. Baseline vs pilot
    story.append(P("2. Baseline against pilot phase", st["h1"]))
    story.append(
        P(
            (
                "Phases are the pilot's own calendar, set by the lead (a month is in the pilot "
                "phase from the month the pilot starts). "
                if data.phases_from == "calendar"
                else "Phases are as each technician recorded them (no pilot calendar is set: "
                "rxlog central calendar set). "
            )
            + "To compare phases of different lengths, and sectors with different hours, "
            "figures are given per 100 hours of technician time logged.",
            st["body"],
        )
    )
    phases = sorted(data.by_phase, key=lambda p: (p != "baseline", p))
    rows = [["Measure", *[_phase_label(p) for p in phases]]]

    def per100(value: int, ph: str) -> str:
        m = data.by_phase[ph].minutes
        return f"{value * 6000 / m:,.1f}" if m else "–"

    rows.append(
        [
            "Returns with entries in the phase",
            *[f"{data.phase_returns.get(p, 0):,}" for p in phases],
        ]
    )
    rows.append(["Technician hours logged", *[hours(data.by_phase[p].minutes) for p in phases]])
    rows.append(
        ["Activities per 100 hours", *[per100(data.by_phase[p].entries, p) for p in phases]]
    )
    rows.append(
        ["Patients/items per 100 hours", *[per100(data.by_phase[p].count, p) for p in phases]]
    )
    rows.append(
        [
            "Interventions per 100 hours",
            *[per100(data.by_phase[p].interventions, p) for p in phases],
        ]
    )
    rows.append(
        [
            "Clinician minutes released per hour",
            *[
                f"{60 * data.by_phase[p].released_minutes / data.by_phase[p].minutes:,.1f}"
                if data.by_phase[p].minutes
                else "–"
                for p in phases
            ],
        ]
    )
    pw = width * 0.55 / max(1, len(phases))
    story.append(_table(rows, [width * 0.45] + [pw] * len(phases)))
    story.append(P("Within each sector", st["h2"]))
    cols = [(sec, ph) for sec in sorted({k[0] for k in data.by_sector_phase}) for ph in phases
            if (sec, ph) in data.by_sector_phase]  # fmt: skip
    rows = [["Measure", *[f"{sec.title()}: {_phase_label(ph).lower()}" for sec, ph in cols]]]

    def rate(value: int, tot: Totals) -> str:
        return f"{value * 6000 / tot.minutes:,.1f}" if tot.minutes else "–"

    sp = data.by_sector_phase
    rows.append(["Technician hours logged", *[hours(sp[k].minutes) for k in cols]])
    rows.append(["Activities per 100 hours", *[rate(sp[k].entries, sp[k]) for k in cols]])
    rows.append(["Patients/items per 100 hours", *[rate(sp[k].count, sp[k]) for k in cols]])
    rows.append(["Interventions per 100 hours", *[rate(sp[k].interventions, sp[k]) for k in cols]])
    rows.append(
        ["Clinician minutes released per hour",
         *[f"{60 * sp[k].released_minutes / sp[k].minutes:,.1f}" if sp[k].minutes else "–"
           for k in cols]]
    )  # fmt: skip
    cw = width * 0.6 / max(1, len(cols))
    story.append(_table(rows, [width * 0.4] + [cw] * len(cols)))
    story.append(P("Share of technician time by category", st["h2"]))
    rows = [["Category", *[_phase_label(p) for p in phases]]]
    for c in cats:
        rows.append(
            [
                data.category_titles.get(c, c),
                *[
                    pct(data.phase_category.get((p, c), 0), data.by_phase[p].minutes)
                    for p in phases
                ],
            ]
        )
    story.append(_table(rows, [width * 0.45] + [pw] * len(phases)))

    # 3. Interventions
    story.append(PageBreak())
    story.append(P("3. Interventions by significance and harm", st["h1"]))
    n_int = t.interventions
    story.append(
        P(
            f"<b>{pdf_text(sup(n_int))}</b> clinical interventions were recorded; "
            f"<b>{pdf_text(sup(data.graded))}</b> "
            "of them were graded for significance (Eadon, 1 to 6), as each technician's signed "
            "return counts them. Harm is the harm the error could have caused (NCC MERP "
            "categories A to I). Shares are of all interventions, so each table adds up to "
            '100% with its "not graded" row. Each return records the scale used with every '
            "graded value.",
            st["body"],
        )
    )
    # One grid with its margins: significance (rows) x harm (columns); its row totals are
    # the significance table, its column totals the harm table, its corner the total.
    # Small numbers are hidden in all three together, with complementary cells, so no
    # "<5" can be worked out by subtraction (rxlog.central.suppression).
    harms = [h for h in "ABCDEFGHI" if data.harm.get(h) or h in "ABCDE"]
    levels: list[int | None] = [*range(1, 7), None]
    harm_cols: list[str | None] = [*harms, None]
    inner = [[data.sig_by_harm.get((lv, h), 0) for h in harm_cols] for lv in levels]
    grid = extend(inner)
    hidden = protect(grid)
    last_r, last_c = len(levels), len(harm_cols)

    def cell(r: int, c: int) -> str:
        return show(grid[r][c], hidden.get((r, c)))

    def share(r: int, c: int) -> str:
        if (r, c) in hidden or (last_r, last_c) in hidden:
            return "*"
        return pct(grid[r][c], n_int)

    rows = [["Significance (Eadon)", "Interventions", "Share"]]
    for r, level in enumerate(levels):
        label = f"{level}: {SIGNIFICANCE[level]}" if level is not None else "Not graded"
        rows.append([P(label, st["cell"]), cell(r, last_c), share(r, last_c)])
    rows.append(["All interventions", cell(last_r, last_c), "100%" if n_int else "–"])
    left = _table(rows, [width * 0.40, width * 0.15, width * 0.1], total_row=True)
    rows = [["Harm (NCC MERP)", "Interventions", "Share"]]
    for col, h in enumerate(harm_cols):
        label = f"{h}: {HARM[h]}" if h is not None else "Not graded"
        rows.append([P(label, st["cell"]), cell(last_r, col), share(last_r, col)])
    rows.append(["All interventions", cell(last_r, last_c), "100%" if n_int else "–"])
    right = _table(rows, [width * 0.40, width * 0.15, width * 0.1], total_row=True)
    story.append(left)
    story.append(Spacer(1, 6))
    story.append(right)
    story.append(P("Significance by harm", st["h2"]))
    rows = [["Significance \\ harm", *harms, "No harm grade", "All"]]
    for r, level in enumerate(levels):
        if level is None and not grid[r][last_c]:
            continue
        label = str(level) if level is not None else "Not graded"
        rows.append([label, *[cell(r, col) for col in range(len(harm_cols))], cell(r, last_c)])
    rows.append(
        ["All", *[cell(last_r, col) for col in range(len(harm_cols))], cell(last_r, last_c)]
    )
    n_cols = len(harms) + 2
    story.append(_table(rows, [width * 0.2] + [width * 0.6 / n_cols] * n_cols, total_row=True))
    story.append(P("Outcome of interventions", st["h2"]))
    outcomes = [data.outcome.get(o, 0) for o in ("accepted", "declined", "pending")]
    ogrid = extend([[n] for n in [*outcomes, n_int - sum(outcomes)]])
    ohidden = protect(ogrid)
    rows = [["Outcome", "Interventions", "Share"]]
    for r, label in enumerate(("Accepted", "Declined", "Pending", "Not recorded")):
        state = ohidden.get((r, 0))
        rows.append([label, show(ogrid[r][0], state), "*" if state else pct(ogrid[r][0], n_int)])
    rows.append(["All interventions", show(n_int, ohidden.get((4, 0))), "100%" if n_int else "–"])
    story.append(_table(rows, [width * 0.40, width * 0.15, width * 0.1], total_row=True))
    story.append(
        P(
            "&lt;5: a count of 1 to 4. *: a count hidden so that no &lt;5 can be worked out "
            "from the totals (or a share of a hidden count).",
            st["small"],
        )
    )

    # 4. Time released and cost avoided
    story.append(P("4. Clinician time released and cost avoided", st["h1"]))
    story += _cost_section(data, st, width)

    # 5. QS120
    qs_block: list[Any] = [P("5. Timeliness of medicines reconciliation (NICE QS120)", st["h1"])]
    qs_block.append(
        P(
            "NICE QS120 asks for medicines reconciliation within 1 week of a practice receiving "
            "discharge information (primary care) and within 24 hours of admission (hospital). "
            "Measured from the date discharge information was received to the date of "
            "reconciliation.",
            st["body"],
        )
    )
    rows = [["Sector", "Target", "Not recorded", "Timed", "In time", "Share", *QS120_BANDS]]
    for sector in ("primary", "secondary"):
        n, ok = data.qs120.get(sector, (0, 0))
        target = QS120_TARGET_DAYS.get(sector, 7)
        rows.append(
            [
                sector.title(),
                "24 hours" if target == 1 else f"{target} days",
                sup(data.qs120_not_recorded.get(sector, 0)),
                sup(n),
                sup(ok),
                pct_of_count(ok, n),
                *[sup(data.qs120_bands.get((sector, b), 0)) for b in QS120_BANDS],
            ]
        )
    qs_block.append(
        _table(
            rows,
            [width * w for w in (0.11, 0.09, 0.11, 0.09, 0.09, 0.07, 0.11, 0.11, 0.11, 0.11)],
        )
    )
    qs_block.append(
        P(
            "Not recorded: reconciliations QS120 applies to with no date to time them from "
            "(a discharge reconciliation without the date the information was received; every "
            "admission reconciliation, since the return does not yet carry the admission "
            "time). Timeliness is counted per entry, not per patient.",
            st["small"],
        )
    )
    story.append(KeepTogether(qs_block))

    # 6. Run charts
    story.append(PageBreak())
    story.append(P("6. Run charts (statistical process control)", st["h1"]))
    story.append(
        P(
            "XmR charts by NHS England's <i>Making Data Count</i> method, as the NHS-R "
            "Community's NHSRplotthedots applies it. Rates per 100 hours logged are not moved "
            "by a missing return or a new starter the way totals are; volumes (hours, counts) "
            "have no better direction and are coloured neutral. Limits are recalculated at the "
            "pilot start (one set per phase): mean ± 2.66 × mean moving range, after screening "
            "out moving ranges of 3.267 × their mean or more. A point is special cause when it "
            "lies outside the limits, is one of 7 points rising or falling, is one of 2 of 3 "
            "points beyond 2 sigma on the same side, or is one of 7 or more points on one side "
            "of the mean. A phase of fewer than 13 points has trial limits. Top right of each "
            "chart: the variation icon (the latest point) and, where there is a target, the "
            "assurance icon.",
            st["body"],
        )
    )
    story.append(_legend(width))
    for period_kind, heading in (
        ("month", "Monthly points"),
        ("week", "Weekly points (Monday start)"),
    ):
        shown = [se for se in data.series if se.period == period_kind and se.key.rsplit("_", 1)[0]
                 in PDF_MEASURES[period_kind]]  # fmt: skip
        if not shown:
            continue
        story.append(P(heading, st["h2"]))
        for series in shown:
            story.append(KeepTogether([_spc_drawing(series, width), Spacer(1, 6)]))

    # 7. Data quality
    story.append(P("7. Data quality", st["h1"]))
    status = data.status
    expected = (
        sum(1 for tt in status.technicians for c in tt.cells.values() if c.state != "not expected")
        if status
        else 0
    )
    story.append(
        P(
            f"<b>{data.returns:,}</b> of <b>{expected:,}</b> expected returns received "
            f"({pct(data.returns, expected)}); <b>{len(data.missing)}</b> missing; "
            f"<b>{len(data.reopened)}</b> month(s) reopened and re-sent; "
            f"{len(data.mixed_taxonomy)} month(s) with entries under more than one taxonomy "
            "version.",
            st["body"],
        )
    )
    if data.missing:
        story.append(P("Missing returns", st["h2"]))
        rows = [["Technician", "GPhC", "Month"]]
        rows += [[n, g, month_label(m)] for n, g, m in data.missing[:60]]
        story.append(_table(rows, [width * 0.4, width * 0.2, width * 0.2], numeric_from=3))
        if len(data.missing) > 60:
            story.append(
                P(f"… and {len(data.missing) - 60} more (see `rxlog central status`).", st["small"])
            )
    if data.reopened:
        story.append(P("Reopened months (latest version counted)", st["h2"]))
        rows = [["Technician", "Month", "Version", "Reason given"]]
        rows += [
            [
                r["technician"],
                month_label(r["month"]),
                f"v{r['version']}",
                P(pdf_text(r["reason"] or "(none given)"), st["cell"]),
            ]
            for r in data.reopened[:60]
        ]
        story.append(_table(rows, [width * w for w in (0.3, 0.14, 0.1, 0.46)], numeric_from=4))
    if data.mixed_taxonomy:
        story.append(P("Mixed taxonomy versions", st["h2"]))
        rows = [["Month", "Entries by taxonomy version"]]
        rows += [
            [month_label(m), ", ".join(f"{v}: {sup(n)}" for v, n in sorted(vs.items()))]
            for m, vs in data.mixed_taxonomy
        ]
        story.append(_table(rows, [width * 0.2, width * 0.8], numeric_from=2))
    if data.rolled_up:
        story.append(P("Retired codes rolled up to their replacement", st["h2"]))
        rows = [["Code as logged", "Counted as", "Entries"]]
        rows += [[old, new, sup(n)] for (old, new), n in sorted(data.rolled_up.items())]
        story.append(_table(rows, [width * 0.25, width * 0.25, width * 0.15], numeric_from=2))
    if data.revoked_returns:
        story.append(P("Returns signed by a key revoked since import", st["h2"]))
        rows = [["Return", "Version", "Key"]]
        rows += [[r, f"v{v}", k] for r, v, k in data.revoked_returns]
        story.append(_table(rows, [width * 0.3, width * 0.1, width * 0.4], numeric_from=3))

    story.append(PageBreak())
    story.append(P("Appendix: the returns this report rests on", st["h1"]))
    rows = [["Technician", "GPhC", "Month", "Version", "Entries", "Manifest SHA-256"]]
    mono = ParagraphStyle("mono", parent=st["cell"], fontName="Courier", fontSize=6)
    for ret in data.returns_used:
        rows.append(
            [
                P(escape(ret["technician"]), st["cell"]),
                ret["gphc"],
                ret["month"],
                f"v{ret['version']}",
                f"{ret['rows']:,}",
                P(ret["manifest_sha256"], mono),
            ]
        )
    widths = [width * w for w in (0.16, 0.09, 0.08, 0.09, 0.08, 0.5)]
    story.append(_table(rows, widths, numeric_from=4))
    story.append(P("Returns not counted, and why", st["h2"]))
    if data.returns_excluded:
        rows = [["Technician", "GPhC", "Month", "Version", "Why", "Manifest SHA-256"]]
        for ret in data.returns_excluded:
            rows.append(
                [
                    P(escape(ret["technician"]), st["cell"]),
                    ret["gphc"],
                    ret["month"],
                    f"v{ret['version']}",
                    P(escape(ret["why"]), st["cell"]),
                    P(ret["manifest_sha256"], mono),
                ]
            )
        widths = [width * w for w in (0.14, 0.09, 0.08, 0.09, 0.1, 0.5)]
        story.append(_table(rows, widths, numeric_from=6))
    else:
        story.append(P("None: every return imported for the period is counted.", st["body"]))
    story.append(P("Sources and methods", st["h2"]))
    story.append(
        P(
            "Significance: Eadon H, Int J Pharm Pract 1992 (1–6). Harm: NCC MERP Index for "
            "Categorizing Medication Errors (A–I). Timeliness: NICE Quality Standard QS120 "
            "(Medicines optimisation). Run charts: NHS England, Making Data Count. Unit costs: "
            "the table named on each return; every figure in it cites its published source and "
            "year. Data: RxLog monthly returns, each signed with the technician's installation "
            "key (Ed25519) and verified on import.",
            st["small"],
        )
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)


def _cost_section(data: ReportData, st: dict[str, Any], width: float) -> list[Any]:
    from reportlab.platypus import Paragraph as P

    c = data.cost
    if c is None:
        return []
    tab = c.table
    out: list[Any] = []

    def m(pence: int | None) -> str:
        return "not valued" if pence is None else money(pence)

    basis = c.total("accepted")
    out.append(
        P(
            f"Cost avoided by <b>accepted</b> interventions: <b>{m(basis)}</b> "
            f"(range {m(c.total('accepted', 'low'))} to {m(c.total('accepted', 'high'))}), "
            f"at {escape(tab.report_price_year)} prices. Declined interventions released "
            f"{hours(c.minutes('declined'))} clinician hours ({m(c.total('declined'))}) and "
            f"pending ones {hours(c.minutes('pending'))} hours ({m(c.total('pending'))}); "
            "neither is counted in the headline. Interventions graded Eadon 1 (detrimental to "
            f"the patient) are never counted as cost avoided ({sup(c.detrimental)} such "
            f"intervention(s), {hours(c.detrimental_minutes)} hours).",
            st["body"],
        )
    )
    rows = [["Sector", "Outcome", "Interventions", "Clinician hours released", "Cost avoided",
             "Low", "High"]]  # fmt: skip
    for sector in sorted({s for s, _ in c.cells}):
        for outcome in ("accepted", "declined", "pending", "not recorded"):
            cell = c.cells.get((sector, outcome))
            if cell is None:
                continue
            rows.append([sector.title(), outcome, sup(cell.interventions), hours(cell.minutes),
                         m(cell.basis), m(cell.low), m(cell.high)])  # fmt: skip
    out.append(_table(rows, [width * w for w in (0.12, 0.14, 0.13, 0.17, 0.16, 0.14, 0.14)],
                      numeric_from=2))  # fmt: skip
    out.append(P("Unit costs (the lead's table " + escape(tab.version) + ")", st["h2"]))
    rows = [["Setting", "Figure", "£", "Minutes", "Price year", "Published source"]]
    for sector in ("primary", "secondary"):
        s = tab.settings.get(sector)
        if s is None:
            rows.append([sector.title(), P("not set: no published figure in the table", st["cell"]),
                         "–", "–", "–", P("the project lead sets it", st["cell"])])  # fmt: skip
            continue
        roles: dict[str, list[str]] = {}
        figs = {}
        for label, f in (("basis", s.basis), ("low", s.low), ("high", s.high)):
            roles.setdefault(f.key, []).append(label)
            figs[f.key] = f
        for key, f in figs.items():
            rows.append(
                [
                    P(f"{sector.title()} ({', '.join(roles[key])})", st["cell"]),
                    P(escape(f.title), st["cell"]),
                    f"{f.cost_gbp}",
                    f"{f.minutes}",
                    f.price_year,
                    P(escape(f.source), st["cell"]),
                ]
            )
    out.append(_table(rows, [width * w for w in (0.15, 0.24, 0.06, 0.09, 0.09, 0.37)],
                      numeric_from=2))  # fmt: skip
    notes = [
        "Cost avoided = clinician minutes released (from the signed rows) × cost per minute of "
        "the figure for the setting the minutes were released in; low and high use the "
        "table's bounds."
    ]
    if tab.index:
        notes.append(
            "Inflated to "
            + escape(tab.report_price_year)
            + " prices with "
            + "; ".join(
                f"{s.from_year}→{s.to_year} ×{s.factor} ({escape(s.source)})" for s in tab.index
            )  # fmt: skip
            + "."
        )
    else:
        notes.append(
            f"Not inflated: figures are at {escape(tab.price_year)} prices, because the table "
            "has no cited inflation index to a later year."
        )
    for sector in c.unvalued_sectors():
        notes.append(
            f"{sector.title()} care: {hours(c.minutes('accepted', sector))} clinician hours "
            "released by accepted interventions are not valued, because the table has no "
            f"published figure for {sector} care; the project lead sets one in "
            "central-unit-costs.toml."
        )
    out.append(P(" ".join(notes), st["small"]))
    return out


def _phase_label(phase: str) -> str:
    return "No phase recorded" if phase == "(no phase)" else phase.title()


def _basis(version: str) -> str:
    try:
        from rxlog.export.unit_costs import load_unit_costs

        uc = load_unit_costs(version)
    except Exception:  # a table this installation does not ship: say so, don't guess
        return f"table {version} is not installed here; see the technician's return"
    b = uc.basis
    return f"{b.title}: £{b.cost_gbp} per {b.minutes} minutes ({b.source}, {b.year})"
