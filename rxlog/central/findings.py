"""The report's opening page: key findings in words, every figure computed from the
signed rows (through ``ReportData``), each with its caveats. Plain text (no markup)."""

from __future__ import annotations

from rxlog.central.report_data import ReportData
from rxlog.central.spc import COMMON, CONCERN, IMPROVEMENT
from rxlog.pdf_style import money


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def _n(v: int) -> str:
    """A count in a sentence: small numbers (1 to 4) are not printed."""
    return "fewer than 5" if 1 <= v <= 4 else f"{v:,}"


def key_findings(data: ReportData) -> tuple[list[str], list[str]]:
    """(findings, caveats), each a list of sentences, one part of the report at a time."""
    findings: list[str] = []
    caveats: list[str] = []
    for part in (_returns, _activity, _interventions, _cost, _rates, _qs120, _completeness):
        more, warn = part(data)
        findings += more
        caveats += warn
    return findings, caveats


Sentences = tuple[list[str], list[str]]


def _returns(data: ReportData) -> Sentences:
    expected = data.expected
    return [
        f"{data.returns:,} signed monthly returns were received from {data.technicians} "
        f"technician(s): {_pct(data.returns, expected)} of the {expected:,} technician-months "
        f"expected; {len(data.missing)} technician-month(s) are missing."
    ], []


def _activity(data: ReportData) -> Sentences:
    t = data.total
    if not t.minutes:
        return [], []
    prim = data.by_sector.get("primary")
    share = _pct(prim.minutes if prim else 0, t.minutes)
    return [
        f"Technicians logged {t.minutes / 60:,.0f} hours of activity, {share} of it in "
        "primary care."
    ], []


def _interventions(data: ReportData) -> Sentences:
    t = data.total
    if not t.interventions:
        return [], []
    from rxlog.central.report_cells import graded_state, outcome_hidden
    from rxlog.central.suppression import SECONDARY

    # Neither the count graded (the interventions less section 3's "Not graded" row) nor
    # the share accepted (the share times the interventions gives the count back) is
    # printed where the table it comes from hides it.
    graded = f", {_n(data.graded)} of them graded for significance"
    if graded_state(data) == SECONDARY:
        graded = ""
    acc = data.outcome.get("accepted", 0)
    accepted = (
        "" if (0, 0) in outcome_hidden(data) else f"; {_pct(acc, t.interventions)} were accepted"
    )
    return [f"{_n(t.interventions)} clinical interventions were recorded{graded}{accepted}."], []


def _cost(data: ReportData) -> Sentences:
    c = data.cost
    if c is None:
        return [], []
    findings, caveats = [], []
    basis = c.total("accepted")
    if basis is not None:
        low, high = c.total("accepted", "low") or 0, c.total("accepted", "high") or 0
        rng = f" (range {money(low)} to {money(high)})" if low != high else ""
        parts = [
            f"{sector} care {money(v)}"
            for sector in ("primary", "secondary")
            if (v := c.total("accepted", sector=sector)) is not None
            and c.minutes("accepted", sector)
        ]
        split = f", of which {' and '.join(parts)}" if len(parts) == 2 else ""
        findings.append(
            f"Accepted interventions released clinician time worth {money(basis)}{rng} at "
            f"{c.table.report_price_year} prices{split}; declined and pending interventions "
            "are not counted."
        )
    for sector in c.unvalued_sectors():
        caveats.append(
            f"Clinician time released in {sector} care is not valued: the unit-cost table "
            f"has no published figure for {sector} care yet."
        )
    year = c.table.report_price_year
    applied = c.table.applied_steps
    if applied:
        caveats.append(
            f"Costs are at {year} prices: unit costs published at earlier price years are "
            f"inflated with the cited index ({applied[0].from_year} to {applied[-1].to_year})."
        )
    else:
        caveats.append(
            f"Costs are at {year} prices, the price year of the published unit costs used; "
            "they are not brought forward to the months reported."
        )
    return findings, caveats


def _rates(data: ReportData) -> Sentences:
    rate = next((s for s in data.series if s.key == "INT_RATE_M"), None)
    if rate is None:
        return [], []
    findings, caveats = [], []
    if len(rate.chart.phases) == 2 and not _phase_rate_hidden(data):
        b, p = rate.chart.phases
        findings.append(
            f"Interventions per 100 hours logged averaged {b.mean:.1f} in the baseline and "
            f"{p.mean:.1f} in the pilot phase (monthly points)."
        )
    if rate.chart.points:
        words = {
            IMPROVEMENT: "special cause of improvement",
            CONCERN: "special cause of concern",
            COMMON: "common-cause variation",
        }
        word = words.get(rate.chart.variation, "special cause")
        findings.append(f"The latest month's interventions per 100 hours shows {word}.")
        if rate.chart.trial:
            caveats.append(
                "Run-chart limits from fewer than 13 points are trial limits and will move as "
                "more months arrive."
            )
    return findings, caveats


def _phase_rate_hidden(data: ReportData) -> bool:
    """Whether section 2 hides a phase's interventions per 100 hours: the phases' mean
    rates (of one month each, the phase's own rate) would print it again."""
    from rxlog.central.report_cells import rate_hidden

    return any(a == "interventions" and k[0] == "phase" for a, k in rate_hidden(data))


def _qs120(data: ReportData) -> Sentences:
    from rxlog.central.report_cells import qs120_hidden, qs120_share_shown

    findings, caveats = [], []
    hidden = qs120_hidden(data)  # a share of a hidden count would give it away
    n, ok = data.qs120.get("primary", (0, 0))
    if n and qs120_share_shown(data, hidden, "primary"):
        findings.append(
            f"{_pct(ok, n)} of timed patients of discharge reconciliations in primary care were "
            "reconciled within 7 days (NICE QS120)."
        )
    n, ok = data.qs120.get("secondary", (0, 0))
    if n and qs120_share_shown(data, hidden, "secondary"):
        findings.append(
            f"{_pct(ok, n)} of timed patients of admission reconciliations in hospital were "
            "reconciled within 24 hours of admission (NICE QS120)."
        )
    for sector, where in (("primary", "In primary care"), ("secondary", "In hospital")):
        not_rec = data.qs120_not_recorded.get(sector, 0)
        if not_rec:
            many = "some" if ("nr", sector) in hidden else _n(not_rec)
            caveats.append(
                f"{where}, {many} patient(s) of reconciliations QS120 applies to have "
                "no date or time to time them from (not recorded); its QS120 share covers the "
                "timed ones only."
            )
    return findings, caveats


def _completeness(data: ReportData) -> Sentences:
    caveats = []
    if data.missing:
        caveats.append(
            "Totals are lower in months with missing returns; the rates per 100 hours are not."
        )
    if data.revoked_returns:
        caveats.append(
            f"{len(data.revoked_returns)} return(s) were signed by a key revoked since import "
            "and are still counted (listed in section 7)."
        )
    withdrawn = [r for r in data.returns_excluded if r["why"].startswith("withdrawn")]
    if withdrawn:
        caveats.append(
            f"{len(withdrawn)} return(s) were withdrawn because the key that signed them was "
            "revoked as compromised; they are not counted (listed in the appendix)."
        )
    return [], caveats
