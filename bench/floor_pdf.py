"""The export floor's PDF: the return's document made the plainest way.

The same pages as RxLog's return PDF (A4, three pages for a 2,000-entry month): the
blue banner, the details table, the key figures, activity by category and by sector,
the daily bar chart with weekends coloured, the interventions' significance, harm and
outcome tables, time released and cost avoided, the QS120 table, the days without
entries and the sign-off box, a footer on every page, in the same embedded TrueType
font (DejaVu Sans, regular and bold). Written with reportlab's own calls straight from
the database rows; none of RxLog's code runs in it (``Static`` is worked out before the
clock starts: names and taxonomy facts a document like this needs).
"""

from __future__ import annotations

import io
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

# The scales' words printed beside each grade (Eadon 1992; the NCC MERP index).
SIGNIFICANCE = {
    1: "Detrimental to patient", 2: "No significance to patient",
    3: "Significant, no improvement in care", 4: "Significant, improves the standard of care",
    5: "Very significant, prevents major organ failure or similar",
    6: "Potentially life-saving",
}  # fmt: skip
HARM = {
    "A": "Circumstances or events with the capacity to cause error",
    "B": "Error occurred but did not reach the patient", "C": "Reached the patient, caused no harm",
    "D": "Reached the patient, needed monitoring or intervention to preclude harm",
    "E": "Temporary harm, needed intervention", "F": "Temporary harm, needed a longer stay",
    "G": "Permanent harm", "H": "Needed intervention to sustain life",
    "I": "Could have contributed to death",
}  # fmt: skip


# fmt: off
@dataclass(frozen=True)
class Static:
    """What the document says that is not in the month's rows."""

    name: str
    gphc: str
    site: str
    site_name: str
    month: date  # its first day
    return_id: str
    category_of: dict[str, str]  # code -> category title
    interventions: frozenset[str]  # the codes that are interventions
    pence_per_minute: float
    fingerprint: str
    font_files: tuple[str, str]  # regular, bold


@lru_cache(maxsize=1)
def _fonts(regular: str, bold: str) -> tuple[str, str]:
    """Registered once a process, as any program using reportlab does."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("FloorSans", regular))
    pdfmetrics.registerFont(TTFont("FloorSans-Bold", bold))
    return "FloorSans", "FloorSans-Bold"


def _styles(font: str, bold: str) -> dict:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    blue, dark, grey = colors.HexColor("#005EB8"), colors.HexColor("#003087"), colors.grey
    body = ParagraphStyle("b", fontName=font, fontSize=9.5, leading=12.5)
    return {
        "body": body,
        "h2": ParagraphStyle("h2", parent=body, fontName=bold, fontSize=11.5, leading=14.5,
                             textColor=dark, spaceBefore=6, spaceAfter=4, keepWithNext=1),
        "small": ParagraphStyle("s", parent=body, fontSize=8, leading=10, textColor=grey),
        "cell": ParagraphStyle("c", parent=body, fontSize=8.5, leading=10.5),
        "big": ParagraphStyle("g", parent=body, fontName=bold, fontSize=16, leading=19,
                              textColor=blue),
        "title": ParagraphStyle("t", parent=body, fontName=bold, fontSize=20, leading=24,
                                textColor=colors.white),
        "sub": ParagraphStyle("u", parent=body, fontSize=11, leading=14, textColor=colors.white),
        "blue": blue, "dark": dark, "grey": grey, "pale": colors.HexColor("#E8EDEE"),
    }  # fmt: skip


def _table(s: dict, font: str, bold: str, rows: list, widths: list, total: bool = False):
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    style = [
        ("FONT", (0, 0), (-1, 0), bold, 9), ("FONT", (0, 1), (-1, -1), font, 9),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white), ("BACKGROUND", (0, 0), (-1, 0), s["blue"]),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, s["pale"]]),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, s["pale"]),
    ]  # fmt: skip
    if total:
        style += [("FONT", (0, -1), (-1, -1), bold, 9), ("LINEABOVE", (0, -1), (-1, -1), 0.75,
                                                         s["dark"])]  # fmt: skip
    t = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    t.setStyle(TableStyle(style))
    return t


def _chart(s: dict, rows: list[dict], first: date, width: float):
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    per_day: Counter = Counter()
    for r in rows:
        per_day[int(r["date"][8:10])] += r["minutes"]
    last = ((first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day
    values = [per_day.get(d, 0) for d in range(1, last + 1)]
    drawing = Drawing(width, 150)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 36, 24, width - 48, 110
    chart.data = [values]
    chart.categoryAxis.categoryNames = [str(d) for d in range(1, last + 1)]
    chart.categoryAxis.labels.fontSize = 6.5
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = s["pale"]
    chart.bars[0].fillColor = s["blue"]
    chart.bars[0].strokeColor = None
    for i in range(last):
        if first.replace(day=i + 1).weekday() >= 5 and values[i]:
            chart.bars[(0, i)].fillColor = colors.HexColor("#FFB81C")
    drawing.add(chart)
    drawing.add(String(0, 140, "minutes", fontSize=7))
    drawing.add(String(width - 2, 2, "day of the month", fontSize=7, textAnchor="end"))
    return drawing


def _hours(minutes: int) -> str:
    return f"{minutes / 60:,.1f}"


def _figures(rows: list[dict], st: Static) -> dict:
    minutes = sum(r["minutes"] for r in rows)
    released = sum(r["released_minutes"] or 0 for r in rows)
    cats: Counter = Counter()
    cat_minutes: Counter = Counter()
    sectors: Counter = Counter()
    for r in rows:
        c = st.category_of.get(r["code"], r["code"])
        cats[c] += 1
        cat_minutes[c] += r["minutes"]
        sectors[r["sector"]] += r["minutes"]
    graded = [r for r in rows if r["significance"] is not None]
    days = [
        (date.fromisoformat(r["date"]) - date.fromisoformat(r["discharge_received"])).days
        for r in rows
        if r["discharge_received"]
    ]
    return {
        "minutes": minutes, "released": released, "cats": cats, "cat_minutes": cat_minutes,
        "sectors": sectors, "sig": Counter(r["significance"] for r in graded),
        "harm": Counter(r["harm"] for r in graded if r["harm"]),
        "outcome": Counter(r["outcome"] or "not recorded" for r in rows
                           if r["code"] in st.interventions),
        "days": days, "cost": released * st.pence_per_minute / 100,
        "logged": {r["date"] for r in rows},
    }  # fmt: skip


def _top(s: dict, f: dict, rows: list, st: Static, width: float, fonts: tuple) -> list:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph as P
    from reportlab.platypus import Spacer, Table, TableStyle

    banner = Table(
        [
            [P("RxLog monthly activity return", s["title"])],
            [P(f"{st.month:%B %Y}  ·  Version 1", s["sub"])],
        ],
        colWidths=[width],
    )
    banner.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), s["blue"]),
                                ("LEFTPADDING", (0, 0), (-1, -1), 12)]))  # fmt: skip
    details = [("Technician", st.name), ("GPhC registration", st.gphc),
               ("Installation", "vm (lnhjgfjm)"),
               ("Sites", f"{st.site} {st.site_name} (GP practice)"),
               ("Month", f"{st.month:%B %Y} ({st.month:%a} 1 {st.month:%b %Y} to the last)"),
               ("Return", f"{st.return_id}, version 1"),
               ("Replaces", "the previous version: benchmark run"),
               ("Taxonomy", ", ".join(sorted({r['taxonomy_version'] for r in rows}))),
               ("Unit-cost table", "2024/25")]  # fmt: skip
    det = Table([[P(k, s["cell"]), P(v, s["cell"])] for k, v in details],
                colWidths=[108, width - 108], hAlign="LEFT")  # fmt: skip
    det.setStyle(TableStyle([("FONTNAME", (0, 0), (0, -1), fonts[1]),
                             ("LINEBELOW", (0, 0), (-1, -1), 0.25, s["pale"])]))  # fmt: skip
    figs = [
        (f"{len(rows):,}", "entries logged"),
        (_hours(f["minutes"]), "hours of activity"),
        (f"{sum(f['sig'].values()):,}", "graded interventions"),
        (_hours(f["released"]), "hours released"),
        (f"£{f['cost']:,.2f}", "cost avoided"),
    ]
    fit = ParagraphStyle("fit", parent=s["big"], fontSize=13)  # the cost, on one line
    key = Table([[P(v, fit if v[0] == "£" else s["big"]) for v, _ in figs],
                 [P(k, s["small"]) for _, k in figs]],
                colWidths=[width / 5] * 5)  # fmt: skip
    key.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), s["pale"]),
                             ("LINEABOVE", (0, 0), (-1, 0), 2, s["blue"])]))  # fmt: skip
    return [banner, Spacer(1, 10), det, Spacer(1, 10), key, Spacer(1, 4),
            P("These are your exact counts. The project lead's published reports hide counts "
              "under 5 to protect patients at small sites.", s["small"])]  # fmt: skip


def _middle(s: dict, f: dict, rows: list, st: Static, width: float, fonts: tuple) -> list:
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak, KeepTogether, Spacer
    from reportlab.platypus import Paragraph as P

    total = f["minutes"] or 1
    cat_rows = [[P(c, s["cell"]), f"{f['cats'][c]:,}", f"{m:,}", _hours(m),
                 f"{100 * m / total:.0f}%"] for c, m in f["cat_minutes"].most_common()]  # fmt: skip
    cat_rows.append(["Total", f"{len(rows):,}", f"{total:,}", _hours(total), "100%"])
    sec_rows = [[k, f"{m:,}", _hours(m)] for k, m in sorted(f["sectors"].items())]
    t = lambda rows_, widths, total_=False: _table(s, *fonts, rows_, widths, total_)  # noqa: E731
    w = width - 60
    return [
        KeepTogether([P("Activity by category", s["h2"]),
                      t([["Category", "Entries", "Minutes", "Hours", "Time"], *cat_rows],
                        [width - 240, 60, 60, 60, 60], True)]),
        KeepTogether([P("Activity by sector", s["h2"]),
                      t([["Sector", "Minutes", "Hours"], *sec_rows], [width - 120, 60, 60])]),
        KeepTogether([P("Daily activity", s["h2"]), _chart(s, rows, st.month, width),
                      P("Minutes logged each day; weekend days in yellow.", s["small"])]),
        CondPageBreak(60 * mm), P("Interventions", s["h2"]),
        t([["Significance (Eadon 1992 (1-6))", "Entries"],
           *[[P(f"{k}: {SIGNIFICANCE[k]}", s["cell"]), f"{n:,}"]
             for k, n in sorted(f["sig"].items())]], [w, 60]), Spacer(1, 6),
        t([["Potential harm (NCC MERP index (A-I))", "Entries"],
           *[[P(f"{k}: {HARM[k]}", s["cell"]), f"{n:,}"] for k, n in sorted(f["harm"].items())]],
          [w, 60]), Spacer(1, 6),
        t([["Outcome", "Entries"], *[[k.capitalize(), f"{n:,}"]
                                     for k, n in sorted(f["outcome"].items())]], [w, 60]),
        Spacer(1, 4),
        P("Significance is how much the intervention mattered to the patient, from 1 "
          "(detrimental) to 6 (potentially life-saving), on the Eadon scale. Potential harm "
          "is what could have happened without it, from A (circumstances that could cause an "
          "error) to I (an error that could have contributed to death), in the NCC MERP "
          "categories. Outcome is whether the prescriber accepted the change.", s["small"]),
    ]  # fmt: skip


def _bottom(s: dict, f: dict, st: Static, width: float, fonts: tuple) -> list:
    from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle
    from reportlab.platypus import Paragraph as P

    days = f["days"]
    within = sum(1 for d in days if d <= 7)
    q = [["Reconciliations after discharge", "Entries"],
         ["Within 7 days of receiving discharge information", f"{within:,}"],
         ["Later than 7 days", f"{len(days) - within:,}"],
         ["All reconciliations with a discharge date", f"{len(days):,}"]]
    median = statistics.median(days) if days else 0
    first = st.month
    missing = [first + timedelta(days=i) for i in range(31)
               if (first + timedelta(days=i)).month == first.month
               and (first + timedelta(days=i)).weekday() < 5
               and (first + timedelta(days=i)).isoformat() not in f["logged"]]  # fmt: skip
    sign = Table([[[P("Sign-off", s["h2"]),
                    P(f"I confirm that this return is a true and complete record of my "
                      f"activity in {first:%B %Y}, and that it contains no patient-identifiable "
                      "data.", s["body"]), Spacer(1, 6), P(f"Name: {st.name}", s["body"]),
                    P(f"GPhC registration: {st.gphc}", s["body"]),
                    P(f"Signed on: {date.today():%a} {date.today().day} {date.today():%b %Y}",
                      s["body"]),
                    P(f"Key fingerprint (SHA-256): {st.fingerprint}", s["small"]), Spacer(1, 4),
                    P("This PDF carries a digital signature (PAdES) made with the technician's "
                      "RxLog installation certificate; any change to the file breaks it. The "
                      "CSV and this PDF are listed with their SHA-256 in the signed manifest; "
                      "check them with 'rxlog verify'.", s["small"])]]],
                 colWidths=[width])  # fmt: skip
    sign.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1, s["blue"]),
                              ("LEFTPADDING", (0, 0), (-1, -1), 10)]))  # fmt: skip
    return [
        KeepTogether([P("Clinician time released and cost avoided", s["h2"]),
                      P(f"Clinician time released: {f['released']:,} minutes "
                        f"({_hours(f['released'])} hours). Cost avoided: £{f['cost']:,.2f}, "
                        "counting each minute released at the cost of a clinician's time in "
                        "the setting it was released in: in primary care, £33 for 10 minutes; "
                        "in secondary care, £33 for 60 minutes (each entry rounded to the "
                        "penny).", s["body"]),
                      # unit-cost table 2026.2 (resources/unit-costs-2026.2.toml), as printed
                      P("Unit-cost table 2026.2, at 2023/24 prices:", s["small"]),
                      P("Primary care: GP, per surgery consultation lasting 10 minutes, "
                        "excluding direct care staff costs, without qualification costs, £33 "
                        "for 10 minutes. Source: PSSRU/CHE, Unit Costs of Health and Social "
                        "Care 2024 Manual, Table 9.4.2 'Unit costs for a GP', row 'Per surgery "
                        "consultation lasting 10 minutes' (p. 73); "
                        "https://kar.kent.ac.uk/109563/. The published figures for this "
                        "consultation run from £33 to £45, depending on whether direct care "
                        "staff costs and qualification costs are included; the lowest is used "
                        "so that cost avoided is not overstated.", s["small"]),
                      P("Secondary care: Hospital-based doctor, foundation doctor FY1, cost "
                        "per working hour (without qualification costs), £33 for 60 minutes. "
                        "Source: PSSRU/CHE, Unit Costs of Health and Social Care 2024 Manual, "
                        "Table 11.3.2 'Annual and unit costs for hospital-based doctors', row "
                        "'Cost per working hour' (p. 106); https://kar.kent.ac.uk/109563/. "
                        "Hospital doctor time runs from £33 an hour (foundation doctor FY1) to "
                        "£79 (registrar, including qualifications) in the lead's report; the "
                        "lowest is used so that cost avoided is not overstated.", s["small"])]),
        KeepTogether([P("How soon reconciliations followed discharge and admission", s["h2"]),
                      _table(s, *fonts, q, [width - 60, 60], True), Spacer(1, 4),
                      P(f"{100 * within / max(len(days), 1):.0f}% within 7 days; median "
                        f"{median:g} days from discharge information received to "
                        "reconciliation.", s["body"]),
                      P("NICE quality standard 120 (medicines optimisation) asks that medicines "
                        "are reconciled within 7 days of a GP practice receiving the patient's "
                        "discharge information.", s["small"])]),
        KeepTogether([P("Days without entries", s["h2"]),
                      P(f"{len(missing)} working days with no entries: "
                        + ", ".join(f"{d:%a} {d.day} {d:%b %Y}" for d in missing) + "."
                        if missing else "Every working day (Monday to Friday) in a placement "
                        "has entries.", s["body"])]),
        Spacer(1, 8), KeepTogether([sign]),
    ]  # fmt: skip


def floor_pdf(rows: list[dict], st: Static) -> bytes:
    """The return's document for ``rows``, unsigned."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    fonts = _fonts(*st.font_files)
    s = _styles(*fonts)
    buf = io.BytesIO()
    margin = 16 * mm
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=margin, rightMargin=margin,
                            topMargin=margin, bottomMargin=18 * mm, invariant=1,
                            title=f"Monthly return {st.return_id}", author=st.name)  # fmt: skip
    width = A4[0] - 2 * margin
    f = _figures(rows, st)

    def footer(canvas, tmpl) -> None:  # noqa: ANN001
        canvas.saveState()
        canvas.setFont(fonts[0], 7.5)
        canvas.line(margin, 13 * mm, A4[0] - margin, 13 * mm)
        canvas.drawString(margin, 9 * mm, f"RxLog return {st.return_id} v1  ·  r.pdf")
        canvas.drawRightString(A4[0] - margin, 9 * mm, f"Page {tmpl.page}")
        canvas.restoreState()

    story = (_top(s, f, rows, st, width, fonts) + _middle(s, f, rows, st, width, fonts)
             + _bottom(s, f, st, width, fonts))  # fmt: skip
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
# fmt: on
