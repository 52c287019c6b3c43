"""The return's PDF: a report for people (the project lead, an NHS manager).

A pure function of :class:`~rxlog.export.month_data.MonthData`; signing is separate
(:mod:`rxlog.returnformat.pdf`). It is the technician's own record, so its counts are
exact: small-number suppression (``<5``) is for what the lead publishes (the evidence
report) and stays here only as an option. Days are written one way ("Mon 2 Nov 2026"),
in plain words. No note text and no patient data is ever written here.
"""

from __future__ import annotations

import io
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from rxlog.export.month_data import QS120_PRIMARY_DAYS, MonthData, qs120_days, qs120_minutes
from rxlog.export.unit_costs import Figure
from rxlog.pdf_style import NHS_WARM_YELLOW, Kit, hours, unicode_fonts

SMALL = 5  # counts below this (and above 0) are suppressed


@dataclass(frozen=True)
class PdfOptions:
    signed_on: date
    fingerprint: str
    base_name: str
    suppress_small_counts: bool = False  # the technician's own counts are exact


def small(n: int, suppress: bool = True) -> str:
    """A count as shown in a summary table: 1-4 become ``<5``."""
    return "<5" if suppress and 0 < n < SMALL else f"{n:,}"


def _month_title(d: date) -> str:
    return d.strftime("%B %Y")


def _fingerprint_groups(fp: str) -> str:
    return " ".join(fp[i : i + 4] for i in range(0, len(fp), 4))


def _kit() -> Kit:
    """The house style at the return's size, in a Unicode font (names such as "Łukasz")."""
    return Kit(unicode_fonts(), size=9.5)


def _table(
    doc: Kit, header: list[str], rows: list[list[Any]], widths: list[float], total: bool = False
) -> Any:
    return doc.table([header, *rows], widths, total_row=total, size=9)


def _header(doc: Kit, data: MonthData, width: float) -> Any:
    from reportlab.platypus import Table, TableStyle

    version = f"Version {data.version}"
    if data.supersedes:
        version += f" (replaces version {data.supersedes})"
    inner = [
        [doc.p("RxLog monthly activity return", doc.banner_title)],
        [doc.p(f"{_month_title(data.first)}  ·  {version}", doc.banner_subtitle)],
    ]
    t = Table(inner, colWidths=[width])
    t.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), doc.blue),
                ("LEFTPADDING", (0, 0), (-1, -1), 12),
                ("TOPPADDING", (0, 0), (-1, 0), 12),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 12),
            ]
        )
    )
    return t


def _details(doc: Kit, data: MonthData, width: float) -> Any:
    from reportlab.platypus import Table, TableStyle

    sites = [
        f"{ods} {data.site_names.get(ods, '')} ({_kind(data.site_kinds.get(ods, ''))})"
        for ods in data.sites_used
    ]
    rows = [
        ("Technician", data.technician.name),
        ("GPhC registration", data.technician.gphc),
        *(
            [("Installation", f"{data.installation.name} ({data.installation.short})")]
            if data.installation is not None
            else []
        ),
        ("Sites", "\n".join(sites)),
        ("Month", f"{_month_title(data.first)} ({_day(data.first)} to {_day(data.last)})"),
        ("Return", f"{data.return_id}, version {data.version}"),
        ("Taxonomy", ", ".join(sorted({e.taxonomy_version for e in data.entries}))),
        ("Unit-cost table", data.unit_costs.version),
    ]
    if data.supersedes:
        rows.insert(
            len(rows) - 2,
            ("Replaces", f"version {data.supersedes}: {data.supersedes_reason or ''}"),
        )
    cells = [[doc.p(k, doc.cell), doc.p(v, doc.cell)] for k, v in rows]
    t = Table(cells, colWidths=[38 * 2.835, width - 38 * 2.835], hAlign="LEFT")
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (0, -1), doc.bold),
                ("TEXTCOLOR", (0, 0), (0, -1), doc.dark),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, doc.pale),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return t


def _kind(kind: str) -> str:
    from rxlog.identifiers import SITE_KIND_LABELS, SiteKind

    try:
        return SITE_KIND_LABELS[SiteKind(kind)]
    except ValueError:
        return kind or "site"


def _fitting(style: Any, text: str, width: float) -> Any:
    """``style``, made smaller if ``text`` would not fit on one line of ``width``
    (a cost avoided of £10,000.00 must not break into "£10,000.0" and "0")."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase.pdfmetrics import stringWidth

    needed = stringWidth(text, style.fontName, style.fontSize)
    if needed <= width:
        return style
    size = max(7.0, 0.95 * style.fontSize * width / needed)  # 5% spare for rounding
    return ParagraphStyle(
        f"{style.name}-fit", parent=style, fontSize=size, leading=style.leading, splitLongWords=0
    )


def _key_figures(doc: Kit, data: MonthData, width: float, suppress: bool) -> Any:
    from reportlab.platypus import Table, TableStyle

    minutes = sum(e.minutes for e in data.entries)
    interventions = sum(1 for e in data.entries if e.significance is not None)
    released = sum(e.released_minutes or 0 for e in data.entries)
    figures = [
        (f"{len(data.entries):,}", "entries logged"),
        (hours(minutes, exact=True), "hours of activity"),
        (small(interventions, suppress), "graded interventions"),
        (hours(released, exact=True), "hours released"),
        (f"£{data.total_cost_avoided:,.2f}", "cost avoided"),
    ]
    col = width / len(figures)
    row1 = [doc.p(v, _fitting(doc.big, v, col - 12)) for v, _ in figures]
    row2 = [doc.p(label, doc.small) for _, label in figures]
    t = Table([row1, row2], colWidths=[col] * len(figures))
    t.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), doc.pale),
                ("LINEABOVE", (0, 0), (-1, 0), 2, doc.blue),
                ("TOPPADDING", (0, 0), (-1, 0), 8),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 8),
            ]
        )
    )
    return t


def _by_category(doc: Kit, data: MonthData, width: float, suppress: bool) -> Any:
    from rxlog.taxonomy import current_taxonomy

    titles = current_taxonomy().categories
    n: Counter[str] = Counter()
    m: Counter[str] = Counter()
    for e in data.entries:
        n[e.category] += 1
        m[e.category] += e.minutes
    total = sum(m.values()) or 1
    rows = [
        [doc.p(titles.get(c, c), doc.cell), small(n[c], suppress), f"{m[c]:,}",
         hours(m[c], exact=True), f"{100 * m[c] / total:.0f}%"]
        for c in sorted(m, key=lambda c: (-m[c], c))
    ]  # fmt: skip
    total_h = hours(total, exact=True)
    rows.append(["Total", f"{sum(n.values()):,}", f"{sum(m.values()):,}", total_h, "100%"])
    w = width - 4 * 60
    return _table(
        doc, ["Category", "Entries", "Minutes", "Hours", "Time"], rows, [w] + [60] * 4, True
    )


def _by_sector(doc: Kit, data: MonthData, width: float, suppress: bool) -> Any:
    n: Counter[str] = Counter()
    m: Counter[str] = Counter()
    for e in data.entries:
        n[e.sector] += 1
        m[e.sector] += e.minutes
    label = {
        "primary": "Primary care (GP practice / PCN)",
        "secondary": "Secondary care (hospital)",
    }
    rows = [
        [label.get(s, s), small(n[s], suppress), f"{m[s]:,}", hours(m[s], exact=True)]
        for s in sorted(m)
    ]
    w = width - 3 * 60
    return _table(doc, ["Sector", "Entries", "Minutes", "Hours"], rows, [w] + [60] * 3)


def _daily_chart(doc: Kit, data: MonthData, width: float) -> Any:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String

    per_day: Counter[int] = Counter()
    for e in data.entries:
        per_day[e.date.day] += e.minutes
    days = list(range(1, data.last.day + 1))
    values = [per_day.get(d, 0) for d in days]
    height = 150
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 36, 24
    chart.width, chart.height = width - 48, height - 40
    chart.data = [values]
    chart.categoryAxis.categoryNames = [str(d) for d in days]
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.fillColor = doc.grey
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labels.fillColor = doc.grey
    chart.valueAxis.gridStrokeColor = doc.pale
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.strokeColor = doc.grey
    chart.categoryAxis.strokeColor = doc.grey
    chart.bars[0].fillColor = doc.blue
    chart.bars[0].strokeColor = None
    chart.barSpacing = 1
    for i, d in enumerate(days):
        if date(data.first.year, data.first.month, d).weekday() >= 5 and values[i]:
            chart.bars[(0, i)].fillColor = doc.colors.HexColor(NHS_WARM_YELLOW)
    drawing.add(chart)
    drawing.add(String(0, height - 10, "minutes", fontSize=7, fillColor=doc.grey))
    drawing.add(
        String(width - 2, 2, "day of the month", fontSize=7, fillColor=doc.grey, textAnchor="end")
    )
    return drawing


def _interventions(doc: Kit, data: MonthData, width: float, suppress: bool) -> list[Any]:
    from rxlog.scales import HARM, SIGNIFICANCE
    from rxlog.taxonomy import current_taxonomy

    tax = current_taxonomy()
    graded = [e for e in data.entries if e.significance is not None or e.harm is not None]
    # Every intervention has an outcome to count, graded or not.
    interventions = [
        e
        for e in data.entries
        if e.significance is not None
        or e.harm is not None
        or ((c := tax.get(e.code)) is not None and c.intervention)
    ]
    if not interventions:
        return [doc.p("No interventions were recorded this month.")]
    sig = Counter(e.significance for e in graded if e.significance is not None)
    harm = Counter(e.harm for e in graded if e.harm is not None)
    outcome = Counter(e.outcome or "not recorded" for e in interventions)
    w = width - 60
    out: list[Any] = []
    if not graded:
        out += [doc.p("None of this month's interventions was graded for significance or harm."),
                _gap(4)]  # fmt: skip
    scale = next((e.significance_scale for e in graded if e.significance_scale), "Eadon")
    rows = [
        [doc.p(f"{k}: {SIGNIFICANCE.get(k, '')}", doc.cell), small(sig[k], suppress)]
        for k in sorted(sig)
    ]
    if rows:
        out.append(_table(doc, [f"Significance ({scale})", "Entries"], rows, [w, 60]))
        out.append(_gap(6))
    hscale = next((e.harm_scale for e in graded if e.harm_scale), "NCC MERP")
    rows = [
        [doc.p(f"{k}: {HARM.get(k, '')}", doc.cell), small(harm[k], suppress)] for k in sorted(harm)
    ]
    if rows:
        out.append(_table(doc, [f"Potential harm ({hscale})", "Entries"], rows, [w, 60]))
        out.append(_gap(6))
    rows = [[k.capitalize(), small(outcome[k], suppress)] for k in sorted(outcome)]
    out.append(_table(doc, ["Outcome", "Entries"], rows, [w, 60]))
    out.append(_gap(4))
    out.append(
        doc.p(
            "Significance is how much the intervention mattered to the patient, from 1 "
            "(detrimental) to 6 (potentially life-saving), on the Eadon scale. Potential "
            "harm is what could have happened without it, from A (circumstances that could "
            "cause an error) to I (an error that could have contributed to death), in the "
            "NCC MERP categories. Outcome is whether the prescriber accepted the change.",
            doc.small,
        )
    )
    return out


def _released(doc: Kit, data: MonthData) -> list[Any]:
    uc = data.unit_costs
    released = sum(e.released_minutes or 0 for e in data.entries)
    lead = (
        f"Clinician time released: {released:,} minutes ({hours(released, exact=True)} hours). "
        f"Cost avoided: £{data.total_cost_avoided:,.2f}, "
    )
    basis = uc.basis
    if basis is not None:  # one figure for every sector (table 2026.1)
        return [
            doc.p(
                lead + "counting each minute released at the cost of a clinician's time: "
                f"£{basis.cost_gbp} for {basis.minutes} minutes (each entry rounded to the penny)."
            ),
            doc.p(
                f"Unit-cost table {uc.version}: {_figure_text(basis)}",
                doc.small,
            ),
        ]
    bases = uc.bases.items()
    rates = "; ".join(f"in {s} care, £{f.cost_gbp} for {f.minutes} minutes" for s, f in bases)
    years = sorted({f.price_year for f in uc.bases.values() if f.price_year})
    return [
        doc.p(
            lead + "counting each minute released at the cost of a clinician's time in the "
            f"setting it was released in: {rates} (each entry rounded to the penny)."
            + _split_by_sector(data)
        ),
        doc.p(
            f"Unit-cost table {uc.version}"
            + (f", at {' and '.join(years)} prices" if years else "")
            + ":",
            doc.small,
        ),
        *(doc.p(f"{s.capitalize()} care: {_figure_text(f)}", doc.small) for s, f in bases),
    ]


def _figure_text(f: Figure) -> str:
    """A basis figure as the PDF cites it: what it is, its cost, its source, its note."""
    return f"{f.title}, £{f.cost_gbp} for {f.minutes} minutes. Source: {f.source}." + (
        f" {f.note}" if f.note else ""
    )


def _split_by_sector(data: MonthData) -> str:
    """The cost avoided per setting, when more than one setting released time."""
    parts = []
    for sector in data.unit_costs.bases:
        minutes = sum(e.released_minutes or 0 for e in data.entries if e.sector == sector)
        if minutes:
            cost = data.cost_avoided_in(sector)
            parts.append(f"{sector} care: {minutes:,} minutes, £{cost:,.2f}")
    return " Of which " + "; ".join(parts) + "." if len(parts) > 1 else ""


def _qs120(doc: Kit, data: MonthData, width: float, suppress: bool) -> list[Any]:
    return _qs120_discharge(doc, data, width, suppress) + _qs120_admission(
        doc, data, width, suppress
    )


def _qs120_admission(doc: Kit, data: MonthData, width: float, suppress: bool) -> list[Any]:
    """Admission reconciliations against NICE QS120's 24 hours (patients, as counted)."""
    from rxlog.taxonomy import current_taxonomy

    tax = current_taxonomy()
    admissions = [
        e for e in data.entries if (c := tax.get(e.code)) is not None and c.needs_admission_time
    ]
    if not admissions:
        return []
    within = later = unknown = 0
    for e in admissions:
        n = 1 if e.count is None else e.count
        m = qs120_minutes(e)
        if m is None:
            unknown += n
        elif m <= 24 * 60:
            within += n
        else:
            later += n
    rows = [
        ["Within 24 hours of admission", small(within, suppress)],
        ["Later than 24 hours", small(later, suppress)],
        ["Admission time not recorded", small(unknown, suppress)],
        ["All admission reconciliations", small(within + later + unknown, suppress)],
    ]
    return [
        _gap(6),
        _table(doc, ["Admission reconciliations", "Patients"], rows, [width - 60, 60], True),
        _gap(4),
        doc.p(
            "NICE quality standard 120 asks that medicines are reconciled within 24 hours of "
            "a patient's admission to hospital; timed from the admission date and time to the "
            "time the reconciliation was done.",
            doc.small,
        ),
    ]


def _qs120_discharge(doc: Kit, data: MonthData, width: float, suppress: bool) -> list[Any]:
    timed = [(e, d) for e in data.entries if (d := qs120_days(e)) is not None]
    if not timed:
        return [doc.p("No reconciliations with a discharge-received date this month.")]
    within = [d for _e, d in timed if d <= QS120_PRIMARY_DAYS]
    later = [d for _e, d in timed if d > QS120_PRIMARY_DAYS]
    days = [d for _e, d in timed]
    rows = [
        [f"Within {QS120_PRIMARY_DAYS} days of receiving discharge information",
         small(len(within), suppress)],
        [f"Later than {QS120_PRIMARY_DAYS} days", small(len(later), suppress)],
        ["All reconciliations with a discharge date", small(len(timed), suppress)],
    ]  # fmt: skip
    median = statistics.median(days)
    sentence = (
        f"median {median:g} day{'' if median == 1 else 's'} "
        "from discharge information received to reconciliation."
    )
    # A percentage next to a total gives a suppressed count away: 67% of 3 is 2.
    if suppress and any(0 < len(x) < SMALL for x in (within, later)):
        sentence = sentence[0].upper() + sentence[1:]
    else:
        sentence = (
            f"{100 * len(within) / len(timed):.0f}% within {QS120_PRIMARY_DAYS} days; " + sentence
        )
    return [
        _table(doc, ["Reconciliations after discharge", "Entries"], rows, [width - 60, 60], True),
        _gap(4),
        doc.p(sentence),
        doc.p(
            "NICE quality standard 120 (medicines optimisation) asks that medicines are "
            f"reconciled within {QS120_PRIMARY_DAYS} days of a GP practice receiving the "
            "patient's discharge information.",
            doc.small,
        ),
    ]


def _day(d: date) -> str:
    """The report's one date format for a day: "Mon 2 Nov 2026"."""
    return f"{d:%a} {d.day} {d:%b %Y}"


def _days_off_text(data: MonthData) -> str:
    """Working days away or on a bank holiday, runs of the same reason joined:
    "Mon 2 Nov 2026 to Wed 4 Nov 2026 annual leave; Wed 25 Dec 2026 bank holiday: ..."."""
    days = [(d, why) for d, why in sorted(data.days_off.items()) if d.weekday() < 5]
    runs: list[tuple[date, date, str]] = []
    for d, why in days:
        if runs and runs[-1][2] == why and (d - runs[-1][1]).days <= 3:
            runs[-1] = (runs[-1][0], d, why)
        else:
            runs.append((d, d, why))
    return "; ".join(
        f"{_day(a)} {why}" if a == b else f"{_day(a)} to {_day(b)} {why}" for a, b, why in runs
    )


def _gaps(doc: Kit, data: MonthData) -> list[Any]:
    missing = data.working_days_without_entries()
    away = _days_off_text(data)
    n_away = sum(1 for d in data.days_off if d.weekday() < 5)
    out = []
    if not missing:
        out.append(
            doc.p(
                "Every working day (Monday to Friday) in a placement has entries"
                + (", apart from the days away and bank holidays below." if away else ".")
            )
        )
    else:
        by_week: dict[int, list[date]] = defaultdict(list)
        for d in missing:
            by_week[d.isocalendar()[1]].append(d)
        text = "; ".join(", ".join(_day(d) for d in days) for days in by_week.values())
        out.append(
            doc.p(
                f"{len(missing)} working day{'s' if len(missing) != 1 else ''} (Monday to "
                f"Friday, inside a placement) with no entries: {text}. Days away and bank "
                "holidays are not counted here."
            )
        )
    if away:
        out.append(_gap(4))
        out.append(
            doc.p(
                f"Days away and bank holidays ({n_away} working "
                f"day{'s' if n_away != 1 else ''}): {away}."
            )
        )
    return out


def _signoff(doc: Kit, data: MonthData, options: PdfOptions, width: float) -> Any:
    from reportlab.platypus import Table, TableStyle

    lines = [
        doc.p("Sign-off", doc.h2),
        doc.p(
            f"I confirm that this return is a true and complete record of my activity in "
            f"{_month_title(data.first)}, and that it contains no patient-identifiable data."
        ),
        _gap(6),
        doc.p(f"Name: {data.technician.name}"),
        doc.p(f"GPhC registration: {data.technician.gphc}"),
        doc.p(f"Signed on: {_day(options.signed_on)}"),
        doc.p(f"Key fingerprint (SHA-256): {_fingerprint_groups(options.fingerprint)}", doc.small),
        _gap(4),
        doc.p(
            "This PDF carries a digital signature (PAdES) made with the technician's RxLog "
            "installation certificate; any change to the file breaks it. The CSV and this PDF "
            "are listed with their SHA-256 in the signed manifest; check them with "
            "'rxlog verify'.",
            doc.small,
        ),
    ]  # fmt: skip
    t = Table([[lines]], colWidths=[width])
    t.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1, doc.blue),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return t


def _section(doc: Kit, title: str, *flowables: Any) -> Any:
    from reportlab.platypus import KeepTogether

    return KeepTogether([doc.p(title, doc.h2), *flowables])


def _gap(h: float) -> Any:
    from reportlab.platypus import Spacer

    return Spacer(1, h)


def write_pdf(data: MonthData, options: PdfOptions) -> bytes:
    """The (unsigned) PDF's bytes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    doc = _kit()
    buf = io.BytesIO()
    margin = 16 * mm
    template = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=18 * mm,
        title=f"RxLog return {data.main_site} {data.month} v{data.version}",
        author=data.technician.name,
        subject=f"Monthly activity return {data.return_id} version {data.version}",
        creator="RxLog",
        invariant=1,
    )
    width = A4[0] - 2 * margin
    story = (_nil_story if data.nil else _story)(doc, data, options, width)
    footer = f"RxLog return {data.return_id} v{data.version}  ·  {options.base_name}.pdf"

    def on_page(canvas: Any, tmpl: Any) -> None:
        canvas.saveState()
        canvas.setFont(doc.font, 7.5)
        canvas.setFillColor(doc.grey)
        canvas.setStrokeColor(doc.pale)
        canvas.line(margin, 13 * mm, A4[0] - margin, 13 * mm)
        canvas.drawString(margin, 9 * mm, footer)
        canvas.drawRightString(A4[0] - margin, 9 * mm, f"Page {tmpl.page}")
        canvas.restoreState()

    template.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue()


def _nil_story(doc: Kit, data: MonthData, options: PdfOptions, width: float) -> list[Any]:
    from reportlab.platypus import KeepTogether

    return [
        _header(doc, data, width),
        _gap(10),
        _details(doc, data, width),
        _gap(10),
        doc.p("Nil return: nothing this month", doc.h2),
        doc.p(
            "Nothing was logged on this installation in this month, and the technician "
            "signs that there is nothing to declare from it. This return is not "
            "\u201cnot sent\u201d: it is a return with no activity.",
            doc.cell,
        ),
        _gap(8),
        KeepTogether([_signoff(doc, data, options, width)]),
    ]


def _story(doc: Kit, data: MonthData, options: PdfOptions, width: float) -> list[Any]:
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak, KeepTogether

    suppress = options.suppress_small_counts
    return [
        _header(doc, data, width),
        _gap(10),
        _details(doc, data, width),
        _gap(10),
        _key_figures(doc, data, width, suppress),
        _gap(4),
        doc.p(
            "Counts of 1 to 4 are shown as <5 to protect patients at small sites; the CSV "
            "return holds exact counts." if suppress else "These are your exact counts. "
            "The project lead's published reports hide counts under 5 to protect patients "
            "at small sites.",
            doc.small,
        ),
        _section(doc, "Activity by category", _by_category(doc, data, width, suppress)),
        _section(doc, "Activity by sector", _by_sector(doc, data, width, suppress)),
        KeepTogether(
            [
                doc.p("Daily activity", doc.h2),
                _daily_chart(doc, data, width),
                doc.p("Minutes logged each day; weekend days in yellow.", doc.small),
            ]
        ),
        CondPageBreak(60 * mm),
        doc.p("Interventions", doc.h2),
        *_interventions(doc, data, width, suppress),
        _section(doc, "Clinician time released and cost avoided", *_released(doc, data)),
        _section(
            doc,
            "How soon reconciliations followed discharge and admission",
            *_qs120(doc, data, width, suppress),
        ),
        _section(doc, "Days without entries", *_gaps(doc, data)),
        _gap(8),
        KeepTogether([_signoff(doc, data, options, width)]),
    ]  # fmt: skip
