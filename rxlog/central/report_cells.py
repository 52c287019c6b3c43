"""Which printed counts of the report are hidden, table by table, so that no ``<5`` can
be worked out from the totals the report prints anywhere (rxlog.central.suppression).

Each function gives the hidden cells of one table ({cell: PRIMARY | SECONDARY}), with
the sums a reader knows about it: the PDF, the key findings and the headline figures
read the same answer, so a count hidden in a table is not printed in a sentence either.
"""

from __future__ import annotations

from typing import Any

from rxlog.central.report_data import QS120_BANDS, QS120_TARGET_DAYS, ReportData
from rxlog.central.suppression import (
    MASKED,
    PRIMARY,
    SECONDARY,
    SMALL_MAX,
    SMALL_MIN,
    Sums,
    extend,
    protect,
    protect_system,
    recoverable,
    show,
)

OUTCOMES = ("accepted", "declined", "pending", "not recorded")
SECTORS = ("primary", "secondary")
_BAND_LAST_DAY = {"0-1 days": 1, "2-7 days": 7, "8-14 days": 14, "over 14 days": None}


def outcome_counts(data: ReportData) -> list[int]:
    """Interventions per outcome (OUTCOMES order): "not recorded" is the rest."""
    n = [data.outcome.get(o, 0) for o in OUTCOMES[:3]]
    return [*n, data.total.interventions - sum(n)]


def outcome_hidden(data: ReportData) -> dict[tuple[int, int], str]:
    """The outcome table as a column with its total (the interventions headline, printed
    whatever the table hides): {(row, 0): state}, the total's row last."""
    counts = outcome_counts(data)
    hidden = {(i, 0): v for i, v in column_states(counts).items()}
    if SMALL_MIN <= sum(counts) <= SMALL_MAX:
        hidden[(len(counts), 0)] = PRIMARY
    return hidden


# -- significance x harm ---------------------------------------------------------------
def sig_harm(
    data: ReportData,
) -> tuple[list[str], list[int | None], list[list[int]], dict[tuple[int, int], str]]:
    """Significance (rows 1-6, then not graded) x harm (columns, then no harm grade) with
    its margins (suppression.extend), and its hidden cells: (harms, levels, grid, hidden)."""
    harms = [h for h in "ABCDEFGHI" if data.harm.get(h) or h in "ABCDE"]
    levels: list[int | None] = [*range(1, 7), None]
    cols: list[str | None] = [*harms, None]
    grid = extend([[data.sig_by_harm.get((lv, h), 0) for h in cols] for lv in levels])
    return harms, levels, grid, protect(grid)


def graded_state(data: ReportData) -> str | None:
    """How the count graded for significance is printed beside the table: it is the
    interventions (printed) less the "Not graded" row, so it is hidden where that row is."""
    _, levels, grid, hidden = sig_harm(data)
    if SMALL_MIN <= data.graded <= SMALL_MAX:
        return PRIMARY
    return SECONDARY if (len(levels) - 1, len(grid[0]) - 1) in hidden else None


def site_states(data: ReportData, attr: str) -> tuple[list[Any], dict[int, str]]:
    """The site table's rows (most hours first) and which of one count column's cells
    are hidden (see ``column_states``: the column adds up to a headline figure)."""
    sites = sorted(data.by_site.items(), key=lambda kv: -kv[1].minutes)
    return sites, column_states([getattr(tot, attr) for _, tot in sites])


def column_states(counts: list[int]) -> dict[int, str]:
    """Which cells of a column to hide, {row: PRIMARY | SECONDARY | MASKED}, when its
    total is a headline figure, printed whatever the table hides ("<5" for 1 to 4): the
    total is never a cell to hide, so the cells alone are protected against it. Where
    that cannot hold (1 and 5 beside a total of 6: "<5" is 1-4, "*" 0 or 5 and over, so
    1 + 5 is the only split), every hidden cell prints one mark, "*", that says only
    "0 or more"."""
    values: dict[Any, int] = dict(enumerate(counts))
    values["total"] = sum(counts)
    sums: Sums = [(list(range(len(counts))), "total")]
    given = {"total": PRIMARY} if SMALL_MIN <= values["total"] <= SMALL_MAX else {}
    own = set(range(len(counts)))
    hidden = protect_system(values, sums, own, given)
    if recoverable(values, sums, hidden) & own or _split_pinned(values, hidden, own):
        hidden = protect_system(values, sums, own, given, mark=MASKED)
    return {i: v for i, v in hidden.items() if i in own}


def _split_pinned(values: dict[Any, int], hidden: dict[Any, str], own: set[int]) -> bool:
    """Whether a hidden site's count is the only one its mark allows with the others'
    beside the printed total: exactly, over every split of what the hidden sites add up
    to ("<5" is 1-4, "*" 0 or 5 and over; the solver's bounds miss "<5" + "*" + "*" = 6,
    where the two "*" can only be 0 and 5). Large sums leave many splits: not checked."""
    cells = sorted(k for k in hidden if k in own)
    printed = sum(values[k] for k in own if k not in hidden)
    small_total = SMALL_MIN <= values["total"] <= SMALL_MAX
    totals = range(SMALL_MIN, SMALL_MAX + 1) if small_total else [values["total"]]
    sums = [t - printed for t in totals if t - printed >= 0]
    if not cells or max(sums, default=0) > 200:
        return False

    def allowed(k: int, top: int) -> list[int]:
        if hidden[k] == PRIMARY:
            return list(range(SMALL_MIN, SMALL_MAX + 1))
        return [0, *range(SMALL_MAX + 1, top + 1)]

    for k in cells:
        seen = set()
        for total in sums:
            reach = {0}  # what the other hidden sites can add up to
            for m in cells:
                if m != k:
                    reach = {r + v for r in reach for v in allowed(m, total) if r + v <= total}
            seen |= {v for v in allowed(k, total) if total - v in reach}
        if len(seen) == 1:
            return True
    return False


def site_column(data: ReportData, attr: str) -> tuple[list[Any], list[str]]:
    """The site table's rows (most hours first) and one count column as printed."""
    sites, hidden = site_states(data, attr)
    return sites, [show(getattr(tot, attr), hidden.get(i)) for i, (_, tot) in enumerate(sites)]


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
    for i, state in site_states(data, "interventions")[1].items():
        given[("site", i)] = state
    return protect_system(values, sums, own, given, unprinted)


# -- rates per 100 hours -------------------------------------------------------------
# A rate per 100 hours printed beside its hours gives its count away (rate x hours /
# 100), so each rate of the phase and sector-by-phase tables is taken as that count
# printed, and protected as one: a rate whose count is hidden (or must be, so that no
# other hidden count can be worked out) is printed as "*".
RATE_COUNTS = ("entries", "count", "interventions")


def _rate_cells(data: ReportData, attr: str, values: dict[Any, int], sums: Sums) -> set[Any]:
    """The phase and sector-by-phase counts behind the rates, and their sums: the phases
    add up to the total, each sector's phases to the sector's count, each phase's
    sectors to the phase's count. Returns the cells (the rates the tables print)."""
    sp = data.by_sector_phase
    phases = sorted(data.by_phase)
    sectors = sorted({s for s, _ in sp})
    own: set[Any] = set()
    for p in phases:
        values[("phase", p)] = getattr(data.by_phase[p], attr)
        own.add(("phase", p))
        parts = [("sp", s, p) for s in sectors if (s, p) in sp]
        sums.append((parts, ("phase", p)))
    for (s, p), tot in sp.items():
        values[("sp", s, p)] = getattr(tot, attr)
        own.add(("sp", s, p))
    sums.append(([("phase", p) for p in phases], ("total",)))
    for s in sectors:
        sums.append(([("sp", s, p) for p in phases if (s, p) in sp], ("sector", s)))
    return own


def rate_system(
    data: ReportData, attr: str
) -> tuple[dict[Any, int], Sums, set[Any], set[Any], dict[Any, str]]:
    """The counts behind one kind of rate (``attr`` of RATE_COUNTS) with every sum a
    reader knows about them: the headline total, the site table's column (a sector's
    count is its sites'), and for interventions the cost and outcome tables' equations.
    Returns (values, sums, the rates' cells, the cells never printed, the cells other
    tables already hide)."""
    if attr == "interventions" and data.cost is not None:
        values, sums, _, unprinted = cost_system(data)
        given = cost_hidden(data)
    else:
        values, sums, unprinted, given = {}, [], set(), {}
        values[("total",)] = getattr(data.total, attr)
        if attr == "count":  # patients/items of all activity: printed nowhere as a count
            unprinted.add(("total",))
        else:
            sites, states = site_states(data, attr)
            for i, (_, tot) in enumerate(sites):
                values[("site", i)] = getattr(tot, attr)
                if i in states:
                    given[("site", i)] = states[i]
            sums.append(([("site", i) for i in range(len(sites))], ("total",)))
    if attr != "count":
        # The headline prints the total as it is ("<5" for 1 to 4) whatever a table hides.
        given.pop(("total",), None)
        if SMALL_MIN <= values[("total",)] <= SMALL_MAX:
            given[("total",)] = PRIMARY
    _sector_counts(data, attr, values, sums, unprinted)
    own = _rate_cells(data, attr, values, sums)
    return values, sums, own, unprinted, given


def _sector_counts(
    data: ReportData, attr: str, values: dict[Any, int], sums: Sums, unprinted: set[Any]
) -> None:
    """Each sector's count (never printed as such): its sites' in the site table."""
    sites = site_column(data, attr if attr != "count" else "entries")[0]
    for s in sorted({s for s, _ in data.by_sector_phase}):
        if ("sector", s) in values:
            continue  # the cost system has it, with its sites
        values[("sector", s)] = sum(getattr(t, attr) for (_, _, sec), t in data.by_site.items()
                                    if sec == s)  # fmt: skip
        unprinted.add(("sector", s))
        if attr != "count":
            rows = [("site", i) for i, ((_, _, sec), _) in enumerate(sites) if sec == s]
            sums.append((rows, ("sector", s)))


def rate_hidden(data: ReportData) -> dict[tuple[str, Any], str]:
    """The rates the phase and sector-by-phase tables hide (each printed "*", so a
    reader knows only that its count is 0 or more): {(attr, cell): MASKED}, cell
    ("phase", phase) or ("sp", sector, phase)."""
    out: dict[tuple[str, Any], str] = {}
    for attr in RATE_COUNTS:
        values, sums, own, unprinted, given = rate_system(data, attr)
        # A count the rest of the report gives away with every rate hidden (a tiny site
        # table beside its headline total) is known to a reader whatever the rates
        # print: it is taken as printed, so that the rates are not hidden in vain.
        leaked = recoverable(values, sums, {**given, **dict.fromkeys(own, MASKED)}, unprinted)
        given = {k: v for k, v in given.items() if k not in leaked}
        hidden = protect_system(values, sums, own, given, unprinted, mark=MASKED)
        hidden = _shown_again(values, sums, own, hidden, unprinted)
        out.update({(attr, k): v for k, v in hidden.items() if k in own})
    return out


def _shown_again(
    values: dict[Any, int], sums: Sums, own: set[Any], hidden: dict[Any, str], unprinted: set[Any]
) -> dict[Any, str]:
    """The complementary rates chosen one at a time can hide more than they must (both
    phases and every sector where one rectangle would do): each, largest count first,
    is shown again, with any complementary rate that showing it pins (a pinned "*"
    protects nothing), where that leaves no more hidden cells recoverable than before."""

    def complementary(k: Any) -> bool:
        return k in own and k in hidden and not SMALL_MIN <= values[k] <= SMALL_MAX

    before = recoverable(values, sums, hidden, unprinted)
    for k in sorted(filter(complementary, list(hidden)), key=lambda k: (-values[k], repr(k))):
        if k not in hidden:
            continue
        trial = {m: v for m, v in hidden.items() if m != k}
        for _ in range(len(own)):
            new = recoverable(values, sums, trial, unprinted) - before
            if not new or not all(complementary(m) for m in new):
                break
            trial = {m: v for m, v in trial.items() if m not in new}
        if not recoverable(values, sums, trial, unprinted) - before:
            hidden = trial
    return hidden


# -- the most frequent activities ----------------------------------------------------
TOP_CODES = 15  # the most frequent codes' table lists this many


def top_codes(data: ReportData) -> tuple[list[tuple[str, Any]], dict[int, str]]:
    """The codes of the most-frequent-activities table (most hours first, TOP_CODES of
    them) and which of their activity counts are hidden. With every code listed, the
    column adds up to the headline's total and is protected against it (a lone "<5"
    would be the headline less the rest); else each count of 1 to 4 is "<5" (the codes
    not listed are unknowns to a reader)."""
    codes = sorted(data.by_code.items(), key=lambda kv: -kv[1].minutes)
    if len(codes) <= TOP_CODES:
        return codes, column_states([t.entries for _, t in codes])
    listed = codes[:TOP_CODES]
    return listed, {i: PRIMARY for i, (_, t) in enumerate(listed)
                    if SMALL_MIN <= t.entries <= SMALL_MAX}  # fmt: skip


# -- data quality: entries by taxonomy version, retired codes rolled up ---------------
def quality_system(
    data: ReportData,
) -> tuple[dict[Any, int], Sums, set[Any], set[Any], dict[Any, str]]:
    """The data-quality tables' activity counts with every sum a reader knows about
    them: a month's taxonomy versions add up to the month's activities (printed nowhere,
    but the months add up to the headline total and, by the pilot's calendar, a phase's
    months to the phase's activities, whose rate per 100 hours section 2 prints beside
    its hours); a replacement code's retired codes and the entries logged under it (never
    printed) add up to its count in the most-frequent-activities table, whose codes add
    up to the headline. On top of the entries rates' own system (phases, sectors,
    sites). Returns (values, sums, the two tables' cells, the cells never printed, the
    cells other tables hide)."""
    values, sums, rate_cells, unprinted, given = rate_system(data, "entries")
    hidden_rates = rate_hidden(data)
    for k in rate_cells:
        if ("entries", k) in hidden_rates:
            given[k] = hidden_rates[("entries", k)]
    own: set[Any] = set()
    # Months: each mixed one with its versions; the others, per phase, as one unknown.
    by_phase: dict[str, list[Any]] = {}
    mixed = dict(data.mixed_taxonomy)
    for month, tot in sorted(data.monthly.items()):
        phase = data.month_phase.get(month, "")
        key: Any = ("month", month) if month in mixed else ("months", phase)
        values[key] = values.get(key, 0) + tot.entries
        unprinted.add(key)
        if key not in by_phase.setdefault(phase, []):
            by_phase[phase].append(key)
        if month in mixed:
            cells = [("taxonomy", month, v) for v in sorted(mixed[month])]
            for k in cells:
                values[k] = mixed[month][k[2]]
            own.update(cells)
            sums.append((cells, key))
    sums.append(([k for ks in by_phase.values() for k in ks], ("total",)))
    if data.month_phase:  # the pilot's calendar: a phase is whole months
        for phase, keys in by_phase.items():
            if ("phase", phase) in values:
                sums.append((keys, ("phase", phase)))
    # Codes: listed ones as the table prints them; replacements' own entries unknown.
    listed, states = top_codes(data)
    names = {code for code, _ in listed}
    news = {new for _, new in data.rolled_up}
    rest = ("code", "(not listed)")
    values[rest] = 0
    unprinted.add(rest)
    parts: list[Any] = [rest]
    for code, tot in data.by_code.items():
        if code not in names and code not in news:
            values[rest] += tot.entries
            continue
        values[("code", code)] = tot.entries
        parts.append(("code", code))
        if code not in names:
            unprinted.add(("code", code))
    for i, (code, _) in enumerate(listed):
        if i in states:
            given[("code", code)] = states[i]
    sums.append((parts, ("total",)))
    for new in sorted(news):
        olds = [("rolled", old, nw) for old, nw in sorted(data.rolled_up) if nw == new]
        for k in olds:
            values[k] = data.rolled_up[(k[1], new)]
        own.update(olds)
        values[("own", new)] = values[("code", new)] - sum(values[k] for k in olds)
        unprinted.add(("own", new))
        sums.append(([*olds, ("own", new)], ("code", new)))
    return values, sums, own, unprinted, given


def quality_hidden(data: ReportData) -> dict[Any, str]:
    """The hidden counts of the mixed-taxonomy table, {("taxonomy", month, version):
    state}, and of the rolled-up-codes table, {("rolled", old, new): state}. Where "<5"
    and "*" (0 or 5 and over) together would still pin a count, every hidden cell of
    the two tables prints "*" alone (MASKED: 0 or more)."""
    if not data.mixed_taxonomy and not data.rolled_up:
        return {}
    values, sums, own, unprinted, given = quality_system(data)
    # What the rest of the report gives away whatever these tables print is taken as
    # printed (hiding cells here would not hide it).
    leaked = recoverable(values, sums, {**given, **dict.fromkeys(own, MASKED)}, unprinted)
    given = {k: v for k, v in given.items() if k not in leaked}
    hidden = protect_system(values, sums, own, given, unprinted)
    if recoverable(values, sums, hidden, unprinted) & own:
        hidden = protect_system(values, sums, own, given, unprinted, mark=MASKED)
    return {k: v for k, v in hidden.items() if k in own}


# -- the most frequent activities' patients/items ------------------------------------
def reconciled(data: ReportData) -> int:
    """The headline's patients with medicines reconciled (the REC run chart's points)."""
    return int(sum(sum(s.chart.values) for s in data.series if s.key == "REC_M"))


def top_count_states(data: ReportData) -> dict[int, str]:
    """Which patients/items counts of the most-frequent-activities table are hidden,
    {row: state}: each is protected, with the patients/items rates of section 2 (their
    system: phases, sectors), against the sums a reader knows: the reconciliation codes
    add up to the headline's patients reconciled, the codes QS120 times to the QS120
    table's patients (timed and not recorded, both sectors) and, with every code listed,
    all codes to the patients/items the rates stand for. A code not listed is unknown."""
    listed, _ = top_codes(data)
    values, sums, rate_cells, unprinted, given = rate_system(data, "count")
    hidden_rates = rate_hidden(data)
    for k in rate_cells:
        if ("count", k) in hidden_rates:
            given[k] = hidden_rates[("count", k)]
    own = {("pcode", i) for i in range(len(listed))}
    names = {code: i for i, (code, _) in enumerate(listed)}
    groups: dict[str, list[Any]] = {"all": [], "rec": [], "qs": []}
    for code, tot in sorted(data.by_code.items()):
        key: Any = ("pcode", names[code]) if code in names else None
        rec = data.code_category.get(code) == "reconciliation"
        qs = code in data.qs120_codes
        if key is None:  # not listed: one unknown per kind of code
            key = ("pcodes", rec, qs)
            unprinted.add(key)
        values[key] = values.get(key, 0) + tot.count
        for group, member in (("all", True), ("rec", rec), ("qs", qs)):
            if member and key not in groups[group]:
                groups[group].append(key)
    sums.append((groups["all"], ("total",)))
    rec_total = reconciled(data)
    if sum(values[k] for k in groups["rec"]) == rec_total:  # the headline's own sum
        values[("reconciled",)] = rec_total
        sums.append((groups["rec"], ("reconciled",)))
        if SMALL_MIN <= rec_total <= SMALL_MAX:
            given[("reconciled",)] = PRIMARY
    qvalues, qsums = qs120_system(data)
    patients = [("timed", s) for s in SECTORS] + [("nr", s) for s in SECTORS]
    if groups["qs"] and sum(values[k] for k in groups["qs"]) == sum(qvalues[k] for k in patients):
        values.update(qvalues)
        sums += qsums
        values[("qs120 patients",)] = sum(qvalues[k] for k in patients)
        unprinted.add(("qs120 patients",))
        sums += [(groups["qs"], ("qs120 patients",)), (patients, ("qs120 patients",))]
        given.update(qs120_hidden(data))
    leaked = recoverable(values, sums, {**given, **dict.fromkeys(own, MASKED)}, unprinted)
    given = {k: v for k, v in given.items() if k not in leaked}
    hidden = protect_system(values, sums, own, given, unprinted)
    if recoverable(values, sums, hidden, unprinted) & own:
        hidden = protect_system(values, sums, own, given, unprinted, mark=MASKED)
    return {k[1]: v for k, v in hidden.items() if k in own}


# -- run-chart captions --------------------------------------------------------------
# A chart's caption prints each phase's mean and limits: a count chart's mean times its
# points is the phase's total (and two points' mean and moving range give both), a rate
# chart's mean of one point is that period's rate, which its hours give back.
_CHART_COUNT = {"INT": "INT", "INT_RATE": "INT", "REC": "REC", "REC_RATE": "REC"}


def chart_numbers_shown(data: ReportData, key: str) -> bool:
    """Whether the caption of the run chart ``key`` (e.g. INT_M, INT_RATE_W) may print
    its phases' means and limits: not for a chart of a count (or its rate per 100 hours,
    where a phase has one point) with a point of 1 to 4, nor for interventions where
    section 2 hides a phase's rate (the phase's total would give it back)."""
    measure, _, suffix = key.rpartition("_")
    count = _CHART_COUNT.get(measure)
    if count is None:
        return True
    chart = next((s.chart for s in data.series if s.key == key), None)
    counts = next((s.chart for s in data.series if s.key == f"{count}_{suffix}"), None)
    if chart is None or counts is None:
        return True
    if measure != count and all(ph.n > 1 for ph in chart.phases):
        return True  # a mean of several rates: no period's count follows from it
    if any(SMALL_MIN <= round(v) <= SMALL_MAX for v in counts.values):
        return False
    if count == "INT":
        return not any(a == "interventions" and k[0] == "phase" for a, k in rate_hidden(data))
    return True
