"""The evidence report as a PDF for NHS managers (reportlab, imported lazily).

Tables suppress small numbers: a count of 1 to 4 is shown as ``<5`` (a count that
small about one practice can identify patients; domain.md, governance). Run charts are
NHS "Making Data Count" XmR charts (:mod:`rxlog.central.report_charts`). The report is
built one function per section, each returning its flowables; the styles are the one
house kit (:mod:`rxlog.pdf_style`) the technician's return uses too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rxlog.central.report_cells import (
    chart_numbers_shown,
    cost_hidden,
    graded_state,
    outcome_counts,
    outcome_hidden,
    qs120_hidden,
    qs120_share_shown,
    qs120_system,
    quality_hidden,
    rate_hidden,
    reconciled,
    sig_harm,
    site_column,
    top_codes,
    top_count_states,
)
from rxlog.central.report_charts import PDF_MEASURES, legend, month_label, spc_drawing
from rxlog.central.report_data import QS120_BANDS, QS120_TARGET_DAYS, ReportData, Totals
from rxlog.central.suppression import show
from rxlog.errors import StorageError
from rxlog.pdf_style import NHS_PALE_GREY, Kit, hours, money
from rxlog.scales import HARM, SIGNIFICANCE
from rxlog.text import pdf_text

__all__ = ["ReportOptions", "hours", "money", "month_label", "sup", "write_report"]


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


def pct(part: int | float, whole: int | float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def pct_of_count(part: int, whole: int) -> str:
    """A share of a count; hidden (``*``) when either count is 1 to 4, since the
    percentage would give the small number away."""
    if 1 <= part <= 4 or 1 <= whole <= 4:
        return "*"
    return pct(part, whole)


def write_report(data: ReportData, opts: ReportOptions) -> Path:
    """Build the PDF and put it at ``opts.out`` atomically."""
    out = Path(opts.out)
    if out.suffix.lower() != ".pdf":
        from rxlog.errors import ValidationError

        raise ValidationError(f"{out.name}: the report file name must end in .pdf", "out")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot write {out}: {exc.strerror or exc}") from None
    from rxlog.storage import durable

    with durable.replacing(out) as tmp:  # reportlab writes the private temp file
        _build(data, opts, tmp)
    return out


@dataclass(frozen=True)
class _Report:
    """What every section is given: the figures, the styles and the text width."""

    data: ReportData
    kit: Kit
    width: float

    def p(self, markup: str, style: str = "body") -> Any:
        """A paragraph of the report's own markup (values in it already escaped)."""
        return self.kit.markup(markup, getattr(self.kit, style))

    def table(self, rows: list[list[Any]], fractions: tuple[float, ...] | list[float],
              numeric_from: int = 1, total_row: bool = False) -> Any:  # fmt: skip
        """A house-style table whose column widths are fractions of the text width; one
        of up to 20 rows is kept on one page (a longer one repeats its header)."""
        from reportlab.platypus import KeepTogether

        widths = [self.width * f for f in fractions]
        t = self.kit.table(rows, widths, numeric_from=numeric_from, total_row=total_row)
        return KeepTogether([t]) if len(rows) <= 20 else t


SMALL_NOTE = (
    "&lt;5: a count of 1 to 4. *: a count hidden so that no &lt;5 can be worked out "
    "from the totals (or a share of a hidden count)."
)


# -- the document --------------------------------------------------------------------
def _build(data: ReportData, opts: ReportOptions, path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    margin = 16 * mm
    r = _Report(data, Kit(size=9, space_after=5), A4[0] - 2 * margin)
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
    story: list[Any] = [
        r.p(pdf_text(opts.title), "title"),
        r.p(pdf_text(f"{opts.organisation} · {period}"), "subtitle"),
    ]
    if not data.returns:
        story.append(r.p("No returns have been imported for this period."))
    else:
        for section in SECTIONS:
            story += section(r)
    doc.build(_headings_kept(story), onFirstPage=footer, onLaterPages=footer)


def _is_heading(f: Any) -> bool:
    style = getattr(f, "style", None)
    return bool(getattr(style, "keepWithNext", False))


def _headings_kept(story: list[Any]) -> list[Any]:
    """A heading and the table kept whole after it go to the next page together
    (reportlab's keepWithNext does not join a heading to a KeepTogether); before a long
    table (which splits, repeating its header) a heading only needs room for a few rows,
    not for the whole table, which would leave the rest of the page blank."""
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak, KeepTogether, Table

    out: list[Any] = []
    for f in story:
        held: list[Any] = []
        while out and _is_heading(out[-1]):
            held.insert(0, out.pop())
        if held and isinstance(f, KeepTogether):
            out.append(KeepTogether([*held, *f._content]))
        elif held and isinstance(f, Table):
            for h in held:
                h.keepWithNext = 0
            out += [CondPageBreak(45 * mm), *held, f]
        else:
            out += [*held, f]
    return out


# -- opening page --------------------------------------------------------------------
def _opening(r: _Report) -> list[Any]:
    from reportlab.platypus import Spacer

    data = r.data
    return [
        r.p(
            f"This report combines <b>{data.returns:,}</b> signed monthly returns from "
            f"<b>{data.technicians}</b> rotational pharmacy technician(s) working across "
            f"<b>{data.sites}</b> site(s). Every return was checked against its technician's "
            "registered signing key before import; where a month was reopened, only the latest "
            "version is counted."
        ),
        *_findings_block(r),
        _kpis(r),
        Spacer(1, 4),
        r.p(
            "Counts of 1 to 4 are shown as &lt;5, and a share of such a count as *, to protect "
            "patient confidentiality. Cost avoided is derived from clinician minutes released "
            "with the lead's unit-cost table (section 4).",
            "small",
        ),
    ]


def _findings_block(r: _Report) -> list[Any]:
    from reportlab.platypus import ListFlowable, ListItem

    from rxlog.central.findings import key_findings

    findings, caveats = key_findings(r.data)
    out: list[Any] = [r.p("Key findings", "h2")]

    def bullets(items: list[str]) -> Any:
        return ListFlowable(
            [ListItem(r.kit.p(x), leftIndent=10) for x in items],
            bulletType="bullet",
            start="•",
            leftIndent=10,
        )

    out.append(bullets(findings))
    if caveats:
        out.append(r.p("Caveats", "h2"))
        out.append(bullets(caveats))
    return out


def _kpis(r: _Report) -> Any:
    from reportlab.platypus import Table, TableStyle

    data, kit = r.data, r.kit
    t = data.total
    rec = reconciled(data)
    qn = sum(n for n, _ in data.qs120.values())
    qok = sum(ok for _, ok in data.qs120.values())
    qs_share = pct_of_count(qok, qn) if qs120_share_shown(data, qs120_hidden(data), None) else "*"
    items = [
        (hours(t.minutes), "technician hours logged"),
        (sup(t.entries), "activities recorded"),
        (sup(int(rec)), "patients with medicines reconciled"),
        (sup(t.interventions), "clinical interventions"),
        (hours(t.released_minutes), "clinician hours released"),
        _cost_kpi(data),
        (qs_share, "reconciliations within the NICE QS120 time"),
        (
            f"{data.returns:,}",
            f"returns from {data.technicians} technician(s), {data.sites} site(s)",
        ),
    ]
    cells = [[kit.p(v, kit.big), kit.p(label, kit.label)] for v, label in items]
    grid = [[cells[i], cells[i + 1], cells[i + 2], cells[i + 3]] for i in (0, 4)]
    col = r.width / 4
    inner = [[Table([[c[0]], [c[1]]], colWidths=[col - 8]) for c in row] for row in grid]
    t2 = Table(inner, colWidths=[col] * 4)
    white = kit.colors.white
    t2.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), kit.colors.HexColor(NHS_PALE_GREY)),
                ("BOX", (0, 0), (-1, -1), 0, white),
                ("INNERGRID", (0, 0), (-1, -1), 3, white),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return t2


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


# -- 1. activity ---------------------------------------------------------------------
def _categories(data: ReportData) -> list[str]:
    """Activity categories, most hours first."""
    sectors = sorted(data.by_sector)
    return sorted(
        {c for c, _ in data.by_category},
        key=lambda c: -sum(data.by_category.get((c, s), Totals()).minutes for s in sectors),
    )


def _activity_section(r: _Report) -> list[Any]:
    data = r.data
    sectors = sorted(data.by_sector)
    head = ["Category"] + [f"{s.title()} care: hours" for s in sectors] + ["All: hours", "Share"]
    rows = [head]
    for c in _categories(data):
        per = [data.by_category.get((c, s), Totals()).minutes for s in sectors]
        rows.append([data.category_titles.get(c, c), *[hours(m) for m in per], hours(sum(per)),
                     pct(sum(per), data.total.minutes)])  # fmt: skip
    rows.append(["All activity", *[hours(data.by_sector[s].minutes) for s in sectors],
                 hours(data.total.minutes), "100%"])  # fmt: skip
    n = len(sectors) + 2
    return [
        r.p("1. Activity mix by sector and site", "h1"),
        r.table(rows, [0.40] + [0.6 / n] * n, total_row=True),
        r.p("By site", "h2"),
        _site_table(r),
        r.p("Most frequent activities", "h2"),
        _top_codes_table(r),
    ]


def _site_table(r: _Report) -> Any:
    rows: list[list[Any]] = [
        ["Site (ODS)", "Kind", "Sector", "Activities", "Hours", "Interventions",
         "Clinician hours released"]
    ]  # fmt: skip
    # The headline totals are printed, so each count column is protected with its total.
    sites, entries = site_column(r.data, "entries")
    _, interventions = site_column(r.data, "interventions")
    for i, ((site, kind, sector), s) in enumerate(sites):
        rows.append([site, kind.replace("_", " "), sector, entries[i], hours(s.minutes),
                     interventions[i], hours(s.released_minutes)])  # fmt: skip
    return r.table(rows, (0.14, 0.14, 0.13, 0.13, 0.13, 0.15, 0.18), numeric_from=3)


def _top_codes_table(r: _Report) -> Any:
    data = r.data
    rows: list[list[Any]] = [["Code", "Activity", "Activities", "Patients/items", "Hours"]]
    codes, hidden = top_codes(data)
    counts = top_count_states(data)  # against patients reconciled and the QS120 table
    for i, (code, s) in enumerate(codes):
        title = r.p(pdf_text(data.code_titles.get(code, code)), "cell")
        rows.append([code, title, show(s.entries, hidden.get(i)), show(s.count, counts.get(i)),
                     hours(s.minutes)])  # fmt: skip
    return r.table(rows, (0.14, 0.46, 0.12, 0.16, 0.12), numeric_from=2)


# -- 2. phases -----------------------------------------------------------------------
def _phase_label(phase: str) -> str:
    return "No phase recorded" if phase == "(no phase)" else phase.title()


def _phases(data: ReportData) -> list[str]:
    return sorted(data.by_phase, key=lambda p: (p != "baseline", p))


def _rate(value: int, tot: Totals, hidden: str | None = None) -> str:
    """A count per 100 hours; ``*`` where the count is hidden, since the rate times the
    hours printed beside it would give the count back."""
    if hidden:
        return "*"
    return f"{value * 6000 / tot.minutes:,.1f}" if tot.minutes else "–"


def _released_per_hour(tot: Totals) -> str:
    return f"{60 * tot.released_minutes / tot.minutes:,.1f}" if tot.minutes else "–"


def _rate_rows(cols: list[tuple[Any, Totals]], hidden: dict[Any, str]) -> list[list[Any]]:
    """The rows a phase or sector-by-phase table shares: hours and rates per 100 h.
    ``cols``: (cell, totals) of each column, ``hidden`` the rates hidden
    (rxlog.central.report_cells.rate_hidden)."""

    def rates(attr: str) -> list[str]:
        return [_rate(getattr(t, attr), t, hidden.get((attr, k))) for k, t in cols]

    return [
        ["Technician hours logged", *[hours(t.minutes) for _, t in cols]],
        ["Activities per 100 hours", *rates("entries")],
        ["Patients/items per 100 hours", *rates("count")],
        ["Interventions per 100 hours", *rates("interventions")],
        ["Clinician minutes released per hour", *[_released_per_hour(t) for _, t in cols]],
    ]


def _phase_section(r: _Report) -> list[Any]:
    data = r.data
    phases = _phases(data)
    rows: list[list[Any]] = [["Measure", *[_phase_label(p) for p in phases]]]
    rows.append(["Returns with entries in the phase",
                 *[f"{data.phase_returns.get(p, 0):,}" for p in phases]])  # fmt: skip
    hidden = rate_hidden(data)
    rows += _rate_rows([(("phase", p), data.by_phase[p]) for p in phases], hidden)
    pw = 0.55 / max(1, len(phases))
    return [
        r.p("2. Baseline against pilot phase", "h1"),
        r.p(
            (
                "Phases are the pilot's own calendar, set by the lead (a month is in the pilot "
                "phase from the month the pilot starts). "
                if data.phases_from == "calendar"
                else "Phases are as each technician recorded them (no pilot calendar is set: "
                "rxlog central calendar set). "
            )
            + "To compare phases of different lengths, and sectors with different hours, "
            "figures are given per 100 hours of technician time logged. *: a rate of a count "
            "hidden to protect small numbers (the rate times the hours would give it back)."
        ),
        r.table(rows, [0.45] + [pw] * len(phases)),
        r.p("Within each sector", "h2"),
        _sector_phase_table(r, phases, hidden),
        r.p("Share of technician time by category", "h2"),
        _phase_category_table(r, phases),
    ]


def _sector_phase_table(r: _Report, phases: list[str], hidden: dict[Any, str]) -> Any:
    sp = r.data.by_sector_phase
    cols = [(sec, ph) for sec in sorted({k[0] for k in sp}) for ph in phases if (sec, ph) in sp]
    rows: list[list[Any]] = [
        ["Measure", *[f"{sec.title()}: {_phase_label(ph).lower()}" for sec, ph in cols]]
    ]
    rows += _rate_rows([(("sp", *k), sp[k]) for k in cols], hidden)
    return r.table(rows, [0.4] + [0.6 / max(1, len(cols))] * len(cols))


def _phase_category_table(r: _Report, phases: list[str]) -> Any:
    data = r.data
    rows: list[list[Any]] = [["Category", *[_phase_label(p) for p in phases]]]
    for c in _categories(data):
        rows.append([data.category_titles.get(c, c),
                     *[pct(data.phase_category.get((p, c), 0), data.by_phase[p].minutes)
                       for p in phases]])  # fmt: skip
    return r.table(rows, [0.45] + [0.55 / max(1, len(phases))] * len(phases))


# -- 3. interventions ----------------------------------------------------------------
@dataclass(frozen=True)
class _SigHarm:
    """Significance (rows) x harm (columns) with its margins: its row totals are the
    significance table, its column totals the harm table, its corner the total. Small
    numbers are hidden in all three together, with complementary cells, so no "<5" can be
    worked out by subtraction (rxlog.central.suppression)."""

    harms: list[str]
    levels: list[int | None]
    grid: list[list[int]]
    hidden: dict[tuple[int, int], str]
    total: int

    @classmethod
    def of(cls, data: ReportData) -> _SigHarm:
        harms, levels, grid, hidden = sig_harm(data)
        return cls(harms, levels, grid, hidden, data.total.interventions)

    @property
    def last(self) -> tuple[int, int]:
        return len(self.levels), len(self.harms) + 1

    def cell(self, r: int, c: int) -> str:
        return show(self.grid[r][c], self.hidden.get((r, c)))

    def share(self, r: int, c: int) -> str:
        if (r, c) in self.hidden or self.last in self.hidden:
            return "*"
        return pct(self.grid[r][c], self.total)


def _interventions_section(r: _Report) -> list[Any]:
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak, Spacer

    data = r.data
    g = _SigHarm.of(data)
    return [
        CondPageBreak(110 * mm),  # the heading and the first table together, no blank page
        r.p("3. Interventions by significance and harm", "h1"),
        r.p(
            f"<b>{pdf_text(sup(g.total))}</b> clinical interventions were recorded; "
            f"<b>{pdf_text(show(data.graded, graded_state(data)))}</b> "
            "of them were graded for significance (Eadon, 1 to 6), as each technician's signed "
            "return counts them. Harm is the harm the error could have caused (NCC MERP "
            "categories A to I). Shares are of all interventions, so each table adds up to "
            '100% with its "not graded" row. Each return records the scale used with every '
            "graded value."
        ),
        _significance_table(r, g),
        Spacer(1, 6),
        _harm_table(r, g),
        r.p("Significance by harm", "h2"),
        _sig_by_harm_table(r, g),
        r.p("Outcome of interventions", "h2"),
        _outcome_table(r),
        r.p(SMALL_NOTE, "small"),
    ]


def _significance_table(r: _Report, g: _SigHarm) -> Any:
    last_r, last_c = g.last
    rows: list[list[Any]] = [["Significance (Eadon)", "Interventions", "Share"]]
    for i, level in enumerate(g.levels):
        label = f"{level}: {SIGNIFICANCE[level]}" if level is not None else "Not graded"
        rows.append([r.p(label, "cell"), g.cell(i, last_c), g.share(i, last_c)])
    rows.append(["All interventions", g.cell(last_r, last_c), "100%" if g.total else "–"])
    return r.table(rows, (0.40, 0.15, 0.1), total_row=True)


def _harm_table(r: _Report, g: _SigHarm) -> Any:
    last_r, last_c = g.last
    rows: list[list[Any]] = [["Harm (NCC MERP)", "Interventions", "Share"]]
    for col, h in enumerate([*g.harms, None]):
        label = f"{h}: {HARM[h]}" if h is not None else "Not graded"
        rows.append([r.p(label, "cell"), g.cell(last_r, col), g.share(last_r, col)])
    rows.append(["All interventions", g.cell(last_r, last_c), "100%" if g.total else "–"])
    return r.table(rows, (0.40, 0.15, 0.1), total_row=True)


def _sig_by_harm_table(r: _Report, g: _SigHarm) -> Any:
    last_r, last_c = g.last
    rows: list[list[Any]] = [["Significance \\ harm", *g.harms, "No harm grade", "All"]]
    for i, level in enumerate(g.levels):
        if level is None and not g.grid[i][last_c]:
            continue
        label = str(level) if level is not None else "Not graded"
        rows.append([label, *[g.cell(i, col) for col in range(last_c)], g.cell(i, last_c)])
    rows.append(["All", *[g.cell(last_r, col) for col in range(last_c)], g.cell(last_r, last_c)])
    n_cols = len(g.harms) + 2
    return r.table(rows, [0.2] + [0.6 / n_cols] * n_cols, total_row=True)


def _outcome_table(r: _Report) -> Any:
    data = r.data
    n_int = data.total.interventions
    counts = outcome_counts(data)
    ohidden = outcome_hidden(data)
    rows: list[list[Any]] = [["Outcome", "Interventions", "Share"]]
    for i, label in enumerate(("Accepted", "Declined", "Pending", "Not recorded")):
        state = ohidden.get((i, 0))
        rows.append([label, show(counts[i], state), "*" if state else pct(counts[i], n_int)])
    rows.append(["All interventions", show(n_int, ohidden.get((4, 0))), "100%" if n_int else "–"])
    return r.table(rows, (0.40, 0.15, 0.1), total_row=True)


# -- 4. time released and cost avoided -----------------------------------------------
def _not_valued(pence: int | None) -> str:
    return "not valued" if pence is None else money(pence)


def _cost_section(r: _Report) -> list[Any]:
    out: list[Any] = [r.p("4. Clinician time released and cost avoided", "h1")]
    c = r.data.cost
    if c is None:
        return out
    m = _not_valued
    detrimental = show(c.detrimental, cost_hidden(r.data).get(("det",)))
    out.append(
        r.p(
            f"Cost avoided by <b>accepted</b> interventions: <b>{m(c.total('accepted'))}</b> "
            f"(range {m(c.total('accepted', 'low'))} to {m(c.total('accepted', 'high'))}), "
            f"at {pdf_text(c.table.report_price_year)} prices. Declined interventions released "
            f"{hours(c.minutes('declined'))} clinician hours ({m(c.total('declined'))}) and "
            f"pending ones {hours(c.minutes('pending'))} hours ({m(c.total('pending'))}); "
            "neither is counted in the headline. Interventions graded Eadon 1 (detrimental to "
            f"the patient) are never counted as cost avoided ({pdf_text(detrimental)} such "
            f"intervention(s), {hours(c.detrimental_minutes)} hours)."
        )
    )
    out.append(_cost_table(r))
    out.append(r.p("Unit costs (the lead's table " + pdf_text(c.table.version) + ")", "h2"))
    out.append(_unit_cost_table(r))
    out.append(r.p(" ".join(_cost_notes(r)), "small"))
    return out


def _cost_table(r: _Report) -> Any:
    c = r.data.cost
    assert c is not None
    m = _not_valued
    hidden = cost_hidden(r.data)
    rows: list[list[Any]] = [["Sector", "Outcome", "Interventions", "Clinician hours released",
                              "Cost avoided", "Low", "High"]]  # fmt: skip
    for sector in sorted({s for s, _ in c.cells}):
        for outcome in ("accepted", "declined", "pending", "not recorded"):
            cell = c.cells.get((sector, outcome))
            if cell is None:
                continue
            n = show(cell.interventions, hidden.get(("cost", sector, outcome)))
            rows.append([sector.title(), outcome, n, hours(cell.minutes),
                         m(cell.basis), m(cell.low), m(cell.high)])  # fmt: skip
    return r.table(rows, (0.12, 0.14, 0.13, 0.17, 0.16, 0.14, 0.14), numeric_from=2)


def _unit_cost_table(r: _Report) -> Any:
    c = r.data.cost
    assert c is not None
    tab = c.table
    year = pdf_text(tab.report_price_year)
    rows: list[list[Any]] = [["Setting", "Figure", "Published source", "£", "Minutes",
                              "Price year", f"£ an hour, {year}"]]  # fmt: skip
    for sector in ("primary", "secondary"):
        s = tab.settings.get(sector)
        if s is None:
            rows.append([sector.title(), r.p("not set: no published figure in the table", "cell"),
                         r.p(f"the project lead sets [setting.{sector}] in "
                             "central-unit-costs.toml", "cell"), "–", "–", "–", "–"])  # fmt: skip
            continue
        roles: dict[str, list[str]] = {}
        for label, f in (("basis", s.basis), ("low", s.low), ("high", s.high)):
            roles.setdefault(f.key, []).append(label)
        for f in s.figures:
            hourly = money(tab.hourly_pence(f))
            rows.append([r.p(pdf_text(f"{sector.title()} ({', '.join(roles[f.key])})"), "cell"),
                         r.p(pdf_text(f.title), "cell"), r.p(pdf_text(f.source), "cell"),
                         f"{f.cost_gbp}", f"{f.minutes}", pdf_text(f.price_year),
                         hourly])  # fmt: skip
    return r.table(rows, (0.12, 0.22, 0.36, 0.05, 0.08, 0.08, 0.09), numeric_from=3)


def _cost_notes(r: _Report) -> list[str]:
    c = r.data.cost
    assert c is not None
    tab = c.table
    year = pdf_text(tab.report_price_year)
    notes = [
        "Cost avoided = clinician minutes released (from the signed rows) × cost per minute of "
        "the figure for the setting the minutes were released in, at the report's price year; "
        "low and high use the table's bounds. " + SMALL_NOTE
    ]
    applied = tab.applied_steps
    if applied:
        steps = "; ".join(f"{s.label} ({pdf_text(s.source)})" for s in applied)
        notes.append(f"Figures at earlier price years are inflated to {year} prices with: {steps}.")
    else:
        notes.append(
            f"Every figure is at {year} prices, its own published price year, so none is "
            "inflated; costs are not brought forward to the months reported."
        )
    for sector in c.unvalued_sectors():
        notes.append(
            f"{sector.title()} care: {hours(c.minutes('accepted', sector))} clinician hours "
            "released by accepted interventions are not valued, because the table has no "
            f"published figure for {sector} care; the project lead sets one under "
            f"[setting.{sector}] in central-unit-costs.toml."
        )
    return notes


# -- 5. QS120 ------------------------------------------------------------------------
def _qs120_section(r: _Report) -> list[Any]:
    from reportlab.platypus import KeepTogether

    data = r.data
    rows: list[list[Any]] = [
        ["Sector", "Target", "Not recorded", "Timed", "In time", "Share", *QS120_BANDS]
    ]
    values, hidden = qs120_system(data)[0], qs120_hidden(data)

    def cell(*key: str) -> str:
        return show(values[key], hidden.get(key))

    for sector in ("primary", "secondary"):
        n, ok = data.qs120.get(sector, (0, 0))
        target = QS120_TARGET_DAYS.get(sector, 7)
        share = pct(ok, n) if qs120_share_shown(data, hidden, sector) else "*"
        bands = [cell("band", sector, b) for b in QS120_BANDS]
        rows.append([sector.title(), "24 hours" if target == 1 else f"{target} days",
                     cell("nr", sector), cell("timed", sector), cell("in", sector), share,
                     *bands])  # fmt: skip
    block = [
        r.p("5. Timeliness of medicines reconciliation (NICE QS120)", "h1"),
        r.p(
            "NICE QS120 asks for medicines reconciliation within 1 week of a practice receiving "
            "discharge information (primary care) and within 24 hours of admission (hospital). "
            "Primary care: measured from the date discharge information was received to the "
            "date of reconciliation. Hospital: from the admission date and time to the time "
            "the reconciliation was done. Counted per patient."
        ),
        r.kit.table(
            rows,
            [r.width * f for f in (0.11, 0.09, 0.11, 0.09, 0.09, 0.07, 0.11, 0.11, 0.11, 0.11)],
        ),  # fmt: skip
        r.p(
            "Counts are patients: an entry for several patients counts each, timed by the one "
            "date or time it gives. Not recorded: patients of reconciliations QS120 applies to "
            "with nothing to time them from (a discharge reconciliation without the date the "
            "information was received; an admission reconciliation without the admission time, "
            "including all from returns made before RxLog carried it). Bands are days started: "
            "a hospital reconciliation within 24 hours is in 0-1 days. " + SMALL_NOTE,
            "small",
        ),
    ]
    return [KeepTogether(block)]


# -- 6. run charts -------------------------------------------------------------------
def _charts_section(r: _Report) -> list[Any]:
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

    out: list[Any] = [
        CondPageBreak(120 * mm),  # the method, the legend and a first chart together
        r.p("6. Run charts (statistical process control)", "h1"),
        r.p(
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
            "assurance icon."
        ),
        legend(r.width),
    ]
    for period_kind, heading in (
        ("month", "Monthly points"),
        ("week", "Weekly points (Monday start)"),
    ):
        shown = [se for se in r.data.series if se.period == period_kind
                 and se.key.rsplit("_", 1)[0] in PDF_MEASURES[period_kind]]  # fmt: skip
        if not shown:
            continue
        out.append(r.p(heading, "h2"))
        for series in shown:
            numbers = chart_numbers_shown(r.data, series.key)
            out.append(KeepTogether([spc_drawing(series, r.width, numbers=numbers), Spacer(1, 6)]))
    return out


# -- 7. data quality -----------------------------------------------------------------
def _quality_section(r: _Report) -> list[Any]:
    data = r.data
    expected = data.expected
    out: list[Any] = [
        r.p("7. Data quality", "h1"),
        r.p(
            f"<b>{data.returns:,}</b> of <b>{expected:,}</b> expected returns received "
            f"({pct(data.returns, expected)}); <b>{len(data.missing)}</b> missing; "
            f"<b>{len(data.reopened)}</b> month(s) reopened and re-sent; "
            f"{len(data.mixed_taxonomy)} month(s) with entries under more than one taxonomy "
            "version."
        ),
    ]
    out += _missing_table(r)
    out += _reopened_table(r)
    # Protected against the totals printed elsewhere (report_cells.quality_hidden).
    hidden = quality_hidden(data) if data.mixed_taxonomy or data.rolled_up else {}
    if data.mixed_taxonomy:
        rows: list[list[Any]] = [["Month", "Entries by taxonomy version"]]
        rows += [[month_label(m), ", ".join(f"{v}: {show(n, hidden.get(('taxonomy', m, v)))}"
                                            for v, n in sorted(vs.items()))]
                 for m, vs in data.mixed_taxonomy]  # fmt: skip
        out += [r.p("Mixed taxonomy versions", "h2"), r.table(rows, (0.2, 0.8), numeric_from=2)]
    if data.rolled_up:
        rows = [["Code as logged", "Counted as", "Entries"]]
        rows += [[old, new, show(n, hidden.get(("rolled", old, new)))]
                 for (old, new), n in sorted(data.rolled_up.items())]  # fmt: skip
        out += [r.p("Retired codes rolled up to their replacement", "h2"),
                r.table(rows, (0.25, 0.25, 0.15), numeric_from=2)]  # fmt: skip
    if hidden:
        out.append(r.p(SMALL_NOTE, "small"))
    if data.revoked_returns:
        rows = [["Return", "Version", "Key", "Why it is still counted"]]
        rows += [[ret, f"v{v}", r.kit.p(k, r.kit.cell),
                  r.kit.p(data.revoked_why.get(ret, ""), r.kit.cell)]
                 for ret, v, k in data.revoked_returns]  # fmt: skip
        out += [r.p("Returns signed by a key revoked since import", "h2"),
                r.table(rows, (0.25, 0.08, 0.22, 0.45), numeric_from=4)]  # fmt: skip
    return out


def _missing_table(r: _Report) -> list[Any]:
    missing = r.data.missing
    if not missing:
        return []
    rows: list[list[Any]] = [["Technician", "GPhC", "Month"]]
    rows += [[n, g, month_label(m)] for n, g, m in missing[:60]]
    out = [r.p("Missing returns", "h2"), r.table(rows, (0.4, 0.2, 0.2), numeric_from=3)]
    if len(missing) > 60:
        out.append(r.p(f"… and {len(missing) - 60} more (see `rxlog central status`).", "small"))
    return out


def _reopened_table(r: _Report) -> list[Any]:
    if not r.data.reopened:
        return []
    rows: list[list[Any]] = [["Technician", "Month", "Version", "Reason given"]]
    rows += [[ret["technician"], month_label(ret["month"]), f"v{ret['version']}",
              r.p(pdf_text(ret["reason"] or "(none given)"), "cell")]
             for ret in r.data.reopened[:60]]  # fmt: skip
    return [
        r.p("Reopened months (latest version counted)", "h2"),
        r.table(rows, (0.3, 0.14, 0.1, 0.46), numeric_from=4),
    ]


# -- appendix ------------------------------------------------------------------------
def _appendix(r: _Report) -> list[Any]:
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak

    return [
        CondPageBreak(90 * mm),
        r.p("Appendix: the returns this report rests on", "h1"),
        _returns_used_table(r),
        r.p("Returns not counted, and why", "h2"),
        *_returns_excluded(r),
        *_site_codes(r),
        r.p("Sources and methods", "h2"),
        r.p(
            "Significance: Eadon H, Int J Pharm Pract 1992 (1–6). Harm: NCC MERP Index for "
            "Categorizing Medication Errors (A–I). Timeliness: NICE Quality Standard QS120 "
            "(Medicines optimisation). Run charts: NHS England, Making Data Count. Unit costs: "
            "the table named on each return; every figure in it cites its published source and "
            "year. Data: RxLog monthly returns, each signed with the technician's installation "
            "key (Ed25519) and verified on import.",
            "small",
        ),
    ]


def _mono(r: _Report) -> Any:
    from reportlab.lib.styles import ParagraphStyle

    return ParagraphStyle("mono", parent=r.kit.cell, fontName="Courier", fontSize=6)


def _returns_used_table(r: _Report) -> Any:
    mono = _mono(r)
    # No entries per return: a month's returns would add up to the month's activities,
    # and give away a "<5" of the mixed-taxonomy table (or a phase's hidden rate). The
    # manifest's hash names the return; its row count is in the --json appendix.
    rows: list[list[Any]] = [["Technician", "GPhC", "Month", "Version", "Manifest SHA-256"]]
    for ret in r.data.returns_used:
        rows.append([r.kit.p(ret["technician"], r.kit.cell), ret["gphc"], ret["month"],
                     f"v{ret['version']}", r.kit.p(ret["manifest_sha256"], mono)])  # fmt: skip
    return r.table(rows, (0.16, 0.09, 0.08, 0.09, 0.58), numeric_from=5)


def _returns_excluded(r: _Report) -> list[Any]:
    if not r.data.returns_excluded:
        return [r.p("None: every return imported for the period is counted.")]
    from reportlab.platypus import TableStyle

    mono = _mono(r)
    # Each return on a line as in the table above, its reason on the line below it.
    rows: list[list[Any]] = [["Technician", "GPhC", "Month", "Version", "Manifest SHA-256"]]
    style: list[tuple[Any, ...]] = []
    for i, ret in enumerate(r.data.returns_excluded):
        rows.append([r.kit.p(ret["technician"], r.kit.cell), ret["gphc"], ret["month"],
                     f"v{ret['version']}", r.kit.p(ret["manifest_sha256"], mono)])  # fmt: skip
        rows.append([r.kit.p("Why: " + ret["why"], r.kit.cell), "", "", "", ""])
        first = 2 * i + 1
        shade = r.kit.zebra if i % 2 else r.kit.colors.white
        style += [("SPAN", (0, first + 1), (-1, first + 1)),
                  ("BACKGROUND", (0, first), (-1, first + 1), shade)]  # fmt: skip
    widths = [r.width * f for f in (0.16, 0.09, 0.08, 0.09, 0.58)]
    table = r.kit.table(rows, widths, numeric_from=5)
    table.setStyle(TableStyle(style))
    return [table]


def _site_codes(r: _Report) -> list[Any]:
    """The codes counted under another (one site, one code: a trust site under its trust)."""
    if not r.data.site_codes:
        return []
    rows: list[list[Any]] = [["Site code as logged", "Counted as", "Why"]]
    rows += [[code, org, "a trust site, counted under its trust"]
             for code, org in sorted(r.data.site_codes.items())]  # fmt: skip
    return [
        r.p("Site codes counted together", "h2"),
        r.p(
            "One site, one code: a trust site (the trust's code and 2 characters) is counted "
            "under its trust, since a return may name only the trust and its minutes cannot "
            "be put on one of the trust's sites. GP practices and PCNs are counted as logged. "
            "The combined dataset (central export) keeps each code as the technician logged it."
        ),
        r.table(rows, (0.2, 0.15, 0.5), numeric_from=3),
    ]


# The report, section by section, in print order (after the title).
SECTIONS = (
    _opening,
    _activity_section,
    _phase_section,
    _interventions_section,
    _cost_section,
    _qs120_section,
    _charts_section,
    _quality_section,
    _appendix,
)
