"""Which printed counts of the report are hidden, table by table, so that no ``<5`` can
be worked out from the totals the report prints anywhere (rxlog.central.suppression).

Each function gives the hidden cells of one table ({cell: PRIMARY | SECONDARY}), with
the sums a reader knows about it: the PDF, the key findings and the headline figures
read the same answer, so a count hidden in a table is not printed in a sentence either.
"""

from __future__ import annotations

from typing import Any

from rxlog.central.report_data import QS120_BANDS, QS120_TARGET_DAYS, ReportData
from rxlog.central.suppression import Sums, extend, protect, protect_system, show

OUTCOMES = ("accepted", "declined", "pending", "not recorded")
SECTORS = ("primary", "secondary")
_BAND_LAST_DAY = {"0-1 days": 1, "2-7 days": 7, "8-14 days": 14, "over 14 days": None}


def outcome_counts(data: ReportData) -> list[int]:
    """Interventions per outcome (OUTCOMES order): "not recorded" is the rest."""
    n = [data.outcome.get(o, 0) for o in OUTCOMES[:3]]
    return [*n, data.total.interventions - sum(n)]


def outcome_hidden(data: ReportData) -> dict[tuple[int, int], str]:
    """The outcome table as a column with its total (the interventions headline)."""
    return protect(extend([[n] for n in outcome_counts(data)]))


def site_column(data: ReportData, attr: str) -> tuple[list[Any], list[str]]:
    """The site table's rows (most hours first) and one count column as printed, that
    column protected with its total (a headline figure)."""
    sites = sorted(data.by_site.items(), key=lambda kv: -kv[1].minutes)
    grid = extend([[getattr(tot, attr)] for _, tot in sites])
    hidden = protect(grid)
    return sites, [show(grid[i][0], hidden.get((i, 0))) for i in range(len(sites))]


# -- QS120 ---------------------------------------------------------------------------
def _in_time_bands(sector: str) -> list[str]:
    target = QS120_TARGET_DAYS.get(sector, 7)
    # A band this module does not know (a new split of the bands) is left out: the
    # equation is then only used where the known bands add up to the count in time.
    return [b for b in QS120_BANDS if (last := _BAND_LAST_DAY.get(b)) is not None
            and last <= target]  # fmt: skip


def qs120_system(data: ReportData) -> tuple[dict[Any, int], Sums]:
    """The QS120 table's cells and the sums among them: a sector's bands add up to its
    timed count, its in-time bands to its in-time count, and the two sectors' "not
    recorded" to the total the caveats print."""
    values: dict[Any, int] = {}
    sums: Sums = []
    for s in SECTORS:
        n, ok = data.qs120.get(s, (0, 0))
        values[("timed", s)], values[("in", s)] = n, ok
        values[("nr", s)] = data.qs120_not_recorded.get(s, 0)
        bands = [("band", s, b) for b in QS120_BANDS]
        for key in bands:
            values[key] = data.qs120_bands.get((s, key[2]), 0)
        sums.append((bands, ("timed", s)))
        in_time = [("band", s, b) for b in _in_time_bands(s)]
        if sum(values[k] for k in in_time) == ok:  # the bands line up with the target
            sums.append((in_time, ("in", s)))
    values[("nr", "all")] = sum(values[("nr", s)] for s in SECTORS)
    sums.append(([("nr", s) for s in SECTORS], ("nr", "all")))
    return values, sums


def qs120_hidden(data: ReportData) -> dict[Any, str]:
    values, sums = qs120_system(data)
    return protect_system(values, sums, set(values))


def qs120_share_shown(data: ReportData, hidden: dict[Any, str], sector: str | None) -> bool:
    """Whether a share in time may be printed: for one sector, or (None) all together,
    only where none of the counts it comes from is hidden."""
    sectors = SECTORS if sector is None else (sector,)
    return not any(("in", s) in hidden or ("timed", s) in hidden for s in sectors)


# -- cost avoided --------------------------------------------------------------------
def cost_system(data: ReportData) -> tuple[dict[Any, int], Sums, set[Any], set[Any]]:
    """The cost table's intervention counts and what they add up to: per outcome, with
    the Eadon-1 interventions of that outcome (never printed per outcome), the outcome
    table's count; the Eadon-1 ones together, the count the cost paragraph prints; per
    sector, with the sector's Eadon-1 ones, the site table's sites of that sector.
    Returns (values, sums, the table's own cells, the cells never printed)."""
    c = data.cost
    assert c is not None
    values: dict[Any, int] = {}
    sums: Sums = []
    own: set[Any] = set()
    unprinted: set[Any] = set()
    counts = outcome_counts(data)
    for i, o in enumerate(OUTCOMES):
        values[("outcome", o)] = counts[i]
        values[("det", o)] = 0
        unprinted.add(("det", o))
    values[("total",)] = data.total.interventions
    sums.append(([("outcome", o) for o in OUTCOMES], ("total",)))
    sectors = sorted({s for s, _ in c.cells})
    for s in sectors:
        values[("det_sector", s)] = 0
        unprinted.add(("det_sector", s))
    for (s, o), cell in c.cells.items():
        values[("cost", s, o)] = cell.interventions
        own.add(("cost", s, o))
    for o in OUTCOMES:
        parts = [("cost", s, o) for s in sectors if (s, o) in c.cells]
        sums.append(([*parts, ("det", o)], ("outcome", o)))
    values[("det",)] = c.detrimental
    own.add(("det",))
    sums.append(([("det", o) for o in OUTCOMES], ("det",)))
    sums.append(([("det_sector", s) for s in sectors], ("det",)))
    site_rows = site_column(data, "interventions")[0]
    for i, (_, tot) in enumerate(site_rows):
        values[("site", i)] = tot.interventions
    for s in sectors:
        sites = [("site", i) for i, ((_, _, sec), _) in enumerate(site_rows) if sec == s]
        values[("sector", s)] = sum(values[k] for k in sites)
        unprinted.add(("sector", s))
        sums.append((sites, ("sector", s)))
        costs = [("cost", s, o) for o in OUTCOMES if (s, o) in c.cells]
        sums.append(([*costs, ("det_sector", s)], ("sector", s)))
    # The detrimental split is unknown to a reader; its true values (for the checks).
    _fill_detrimental(data, values)
    return values, sums, own, unprinted


def _fill_detrimental(data: ReportData, values: dict[Any, int]) -> None:
    """The Eadon-1 interventions per outcome and per sector, as the sums require them
    (they are never printed; only the equations need their true values)."""
    c = data.cost
    assert c is not None
    for o in OUTCOMES:
        shown = sum(cell.interventions for (s, oo), cell in c.cells.items() if oo == o)
        values[("det", o)] = values[("outcome", o)] - shown
    for s in {s for s, _ in c.cells}:
        shown = sum(cell.interventions for (ss, _), cell in c.cells.items() if ss == s)
        values[("det_sector", s)] = values[("sector", s)] - shown


def cost_hidden(data: ReportData) -> dict[Any, str]:
    """The cost table's hidden counts (and the Eadon-1 count), given the outcome and
    site tables' own."""
    values, sums, own, unprinted = cost_system(data)
    given: dict[Any, str] = {}
    ohidden = outcome_hidden(data)
    for i, o in enumerate(OUTCOMES):
        if (i, 0) in ohidden:
            given[("outcome", o)] = ohidden[(i, 0)]
    if (len(OUTCOMES), 0) in ohidden:
        given[("total",)] = ohidden[(len(OUTCOMES), 0)]
    sites, shown = site_column(data, "interventions")
    for i, text in enumerate(shown):
        if text in ("<5", "*"):
            given[("site", i)] = "primary" if text == "<5" else "secondary"
    return protect_system(values, sums, own, given, unprinted)
