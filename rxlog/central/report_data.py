"""The evidence report's figures, aggregated in SQL over the per-return summary table.

Every query is a ``GROUP BY`` over ``central_summary`` (a few hundred rows per return),
so the report over a million-entry store takes well under a second of SQL. Codes
logged under older taxonomy versions are rolled up to today's code through
``replaced_by`` after aggregation (a few hundred groups, not millions of rows).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from rxlog.central.costs import CostAvoided, cost_avoided, load_cost_table
from rxlog.central.models import ENTRIES as E
from rxlog.central.models import KEYS as K
from rxlog.central.models import RETURNS as R
from rxlog.central.models import SUMMARY as S
from rxlog.central.models import WITHDRAWALS as W
from rxlog.central.spc import DECREASE, INCREASE, NEUTRAL, Chart, spc
from rxlog.central.status import MISSING, StatusMatrix, status_matrix
from rxlog.central.store import CentralStore
from rxlog.clock import utc_now_iso
from rxlog.dates import parse_month
from rxlog.errors import ValidationError

# NICE QS120: reconciliation within 1 week of discharge information in primary care,
# within 24 hours of admission in hospital.
QS120_TARGET_DAYS = {"primary": 7, "secondary": 1}
QS120_PRIMARY_DAYS = 7  # from the date discharge information was received (qs120_days)
QS120_ACUTE_MINUTES = 24 * 60  # from the admission date-time (qs120_minutes)


@dataclass
class Totals:
    entries: int = 0
    minutes: int = 0
    count: int = 0
    interventions: int = 0
    released_minutes: int = 0
    cost_pence: int = 0

    def add(
        self, entries: int, minutes: int, count: int, interventions: int, released: int, cost: int
    ) -> None:
        self.entries += entries
        self.minutes += minutes
        self.count += count
        self.interventions += interventions
        self.released_minutes += released
        self.cost_pence += cost


@dataclass
class Series:
    key: str  # measure code, as the BI feed names it (e.g. INT_RATE_M)
    title: str
    unit: str
    chart: Chart
    period: str = "month"  # "month" or "week": what a point covers
    direction: str = NEUTRAL
    target: float | None = None

    @property
    def higher_is_better(self) -> bool:
        return self.direction != DECREASE


# The charted measures: (code, title, unit, direction, target). Volumes are neutral;
# rates per 100 hours logged compare fairly across periods with different staffing.
MEASURES: tuple[tuple[str, str, str, str, float | None], ...] = (
    ("HOURS", "Technician hours logged", "hours", NEUTRAL, None),
    ("REC", "Patients with medicines reconciled", "patients", NEUTRAL, None),
    ("REC_RATE", "Patients reconciled per 100 hours logged", "per 100 h", INCREASE, None),
    ("INT", "Clinical interventions", "interventions", NEUTRAL, None),
    ("INT_RATE", "Clinical interventions per 100 hours logged", "per 100 h", INCREASE, None),
    ("RELEASED", "Clinician hours released", "hours", NEUTRAL, None),
    (
        "RELEASED_RATE",
        "Clinician hours released per 100 hours logged",
        "per 100 h",
        INCREASE,
        None,
    ),
    # NICE QS120 asks it of every reconciliation: the target line is 100 %.
    ("QS120", "QS120: reconciliations within the target time", "% in time", INCREASE, 100.0),
)
PERIODS = (("month", "M"), ("week", "W"))


@dataclass
class ReportData:
    start: str | None
    end: str | None
    months: list[str]
    generated_at: str
    store: str
    returns: int = 0
    technicians: int = 0
    sites: int = 0
    taxonomy_versions: list[str] = field(default_factory=list)
    total: Totals = field(default_factory=Totals)
    by_sector: dict[str, Totals] = field(default_factory=dict)
    by_site: dict[tuple[str, str, str], Totals] = field(default_factory=dict)
    by_category: dict[tuple[str, str], Totals] = field(default_factory=dict)  # (cat, sector)
    category_titles: dict[str, str] = field(default_factory=dict)
    by_code: dict[str, Totals] = field(default_factory=dict)
    code_titles: dict[str, str] = field(default_factory=dict)
    code_category: dict[str, str] = field(default_factory=dict)  # today's code -> category
    qs120_codes: set[str] = field(default_factory=set)  # today's codes QS120 times
    by_phase: dict[str, Totals] = field(default_factory=dict)
    phase_category: dict[tuple[str, str], int] = field(default_factory=dict)  # minutes
    phase_returns: dict[str, int] = field(default_factory=dict)
    significance: dict[int, int] = field(default_factory=dict)
    harm: dict[str, int] = field(default_factory=dict)
    outcome: dict[str, int] = field(default_factory=dict)
    sig_by_harm: dict[tuple[int | None, str | None], int] = field(default_factory=dict)
    cost_by_version: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    graded: int = 0  # interventions graded for significance (as the manifests count)
    cost: CostAvoided | None = None  # recomputed with the lead's table, per setting
    calendar: dict[str, tuple[str, str]] = field(default_factory=dict)  # the lead's phases
    phases_from: str = "technicians"  # or "calendar"
    by_sector_phase: dict[tuple[str, str], Totals] = field(default_factory=dict)
    month_phase: dict[str, str] = field(default_factory=dict)  # by the calendar only
    qs120: dict[str, tuple[int, int]] = field(default_factory=dict)  # sector -> (n, in time)
    qs120_not_recorded: dict[str, int] = field(default_factory=dict)  # sector -> entries
    qs120_bands: dict[tuple[str, str], int] = field(default_factory=dict)
    monthly: dict[str, Totals] = field(default_factory=dict)
    monthly_returns: dict[str, int] = field(default_factory=dict)
    series: list[Series] = field(default_factory=list)
    status: StatusMatrix | None = None
    missing: list[tuple[str, str, str]] = field(default_factory=list)  # name, gphc, month
    reopened: list[dict[str, Any]] = field(default_factory=list)
    mixed_taxonomy: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    rolled_up: dict[tuple[str, str], int] = field(default_factory=dict)  # (old, new) -> n
    revoked_returns: list[tuple[str, int, str]] = field(default_factory=list)
    revoked_why: dict[str, str] = field(default_factory=dict)  # return_id -> when, why
    returns_used: list[dict[str, Any]] = field(default_factory=list)  # the appendix
    returns_excluded: list[dict[str, Any]] = field(default_factory=list)  # and why
    site_codes: dict[str, str] = field(default_factory=dict)  # code as logged -> counted as

    @property
    def expected(self) -> int:
        """Technician-months owed a return (the roster's, else from each first return)."""
        return self.status.expected() if self.status is not None else 0


def organisation(code: str) -> str:
    """The one code a site is counted under in the report and the BI feed.

    A trust site (the trust's 3-character code + 2 characters, e.g. RPA01) is counted
    under its trust (RPA): a return may name only the trust, and such minutes cannot be
    put on any one of its sites, so the trust is the one level every return can be
    counted at. A GP practice (letter + 5 digits), a PCN (U + 5 digits) and a trust
    code are organisations of their own and stay as they are. A code that is none of
    these (an older return) is kept, in capitals. The signed rows and the combined
    dataset keep the code as the technician logged it; this is done at report time."""
    from rxlog.identifiers import SiteKind, ods_kind

    c = (code or "").strip().upper()
    try:
        kind = ods_kind(c)
    except ValidationError:
        return c
    return c[:3] if kind == SiteKind.TRUST_SITE else c


def _band(days: int) -> str:
    if days <= 1:
        return "0-1 days"
    if days <= 7:
        return "2-7 days"
    if days <= 14:
        return "8-14 days"
    return "over 14 days"


QS120_BANDS = ("0-1 days", "2-7 days", "8-14 days", "over 14 days")


_IS_INT = or_(S.c.significance.isnot(None), S.c.harm.isnot(None), S.c.outcome.isnot(None))
_INTERVENTIONS = func.sum(case((_IS_INT, S.c.entries), else_=0))
_ACTIVITY_KEYS = (
    S.c.month,
    S.c.sector,
    S.c.site,
    S.c.site_kind,
    S.c.phase,
    S.c.code,
    S.c.category,
    S.c.taxonomy_version,
)


def gather(
    store: CentralStore,
    start: str | None = None,
    end: str | None = None,
    pilot_start: str | None = None,
) -> ReportData:
    """All the report's figures for the months ``start``..``end`` (YYYY-MM, inclusive).

    ``pilot_start`` (YYYY-MM-DD) is where the run charts are rebased; without it, the
    first week/month in which most minutes were logged in the "pilot" phase. One
    function per part of the report, each one query (or two) and its folding."""
    from rxlog.taxonomy import current_taxonomy

    _check_period(start, end)
    tax = current_taxonomy()
    data = ReportData(
        start, end, [], utc_now_iso()[:16].replace("T", " ") + " UTC", store.display_url
    )
    in_range = _month_filter(start, end)
    pilot_start = _calendar(data, store, pilot_start)
    where = in_range(S.c.month)
    with store.read() as conn:
        rets = _returns(conn, data, in_range, start, end)
        _activity(conn, data, where, tax, pilot_start)
        _phase_returns(conn, data, where, rets, pilot_start)
        _grading(conn, data, where)
        _costs(conn, data, where)
        _qs120(conn, data, in_range, tax)
    data.series = _series(store, tax, in_range, pilot_start)
    data.status = status_matrix(
        store, data.months[0] if data.months else None, data.months[-1] if data.months else None
    )
    data.missing = [(t.name, t.gphc, c.month) for t, c in data.status.cells(MISSING)]
    return data


def _check_period(start: str | None, end: str | None) -> None:
    if start:
        parse_month(start, "from")
    if end:
        parse_month(end, "to")
    if start and end and start > end:
        raise ValidationError(f"--from {start} is after --to {end}", field="from")


def _calendar(data: ReportData, store: CentralStore, pilot_start: str | None) -> str | None:
    """The lead's calendar decides the phases (else each technician's own setting)."""
    if pilot_start is None:
        from rxlog.central.roster import calendar_get

        cal = calendar_get(store)
        if "pilot" in cal:
            pilot_start = cal["pilot"][0]
            data.calendar = cal
    data.phases_from = "calendar" if pilot_start else "technicians"
    return pilot_start


def _returns(
    conn: Any, data: ReportData, in_range: Any, start: str | None, end: str | None
) -> list[Any]:
    """The returns counted (current versions) and those superseded, for the appendix,
    the reopened months and the revoked keys; the months of the period."""
    rets = conn.execute(
        select(
            R.c.return_id,
            R.c.version,
            R.c.gphc,
            R.c.technician,
            R.c.month,
            R.c.supersedes_reason,
            R.c.key_fingerprint,
            R.c.taxonomy_versions,
            R.c.manifest_sha256,
            R.c.rows,
            K.c.revoked_at,
            K.c.revoke_reason,
            K.c.name,
        )
        .select_from(R.outerjoin(K, K.c.fingerprint == R.c.key_fingerprint))
        .where(R.c.state == "current", in_range(R.c.month))
        .order_by(R.c.month, R.c.gphc)
    ).all()
    superseded = conn.execute(
        select(
            R.c.return_id, R.c.version, R.c.gphc, R.c.technician, R.c.month, R.c.manifest_sha256
        )  # fmt: skip
        .where(R.c.state != "current", in_range(R.c.month))
        .order_by(R.c.month, R.c.gphc, R.c.version)
    ).all()
    data.returns = len(rets)
    data.technicians = len({r.gphc for r in rets})
    months = sorted({r.month for r in rets})
    if months:
        from rxlog.central.status import month_range

        data.months = month_range(start or months[0], end or months[-1])
    current_version = {r.return_id: r.version for r in rets}
    for old in superseded:
        data.returns_excluded.append(
            {"technician": old.technician, "gphc": old.gphc, "month": old.month,
             "version": old.version, "manifest_sha256": old.manifest_sha256,
             "why": f"superseded by v{current_version.get(old.return_id, '?')}"}
        )  # fmt: skip
    for r in rets:
        data.returns_used.append(
            {"technician": r.technician, "gphc": r.gphc, "month": r.month,
             "version": r.version, "rows": r.rows, "manifest_sha256": r.manifest_sha256}
        )  # fmt: skip
        data.monthly_returns[r.month] = data.monthly_returns.get(r.month, 0) + 1
        if r.version > 1:
            data.reopened.append(
                {"return_id": r.return_id, "technician": r.technician, "month": r.month,
                 "version": r.version, "reason": r.supersedes_reason or ""}
            )  # fmt: skip
        if r.revoked_at:
            data.revoked_returns.append((r.return_id, r.version, r.name or ""))
            data.revoked_why[r.return_id] = _revoked_why(r.revoked_at, r.revoke_reason)
    _withdrawn(conn, data, in_range)
    return list(rets)


def _revoked_why(revoked_at: str, reason: str | None) -> str:
    return (
        f"key revoked on {revoked_at[:10]}"
        + (f": {reason}" if reason else "")
        + ("; imported before, not withdrawn, so still counted")
    )


def _withdrawn(conn: Any, data: ReportData, in_range: Any) -> None:
    """Returns withdrawn because the key that signed them was revoked as compromised
    (``central revoke --withdraw-from``): their rows left the store; the appendix lists
    each with why."""
    rows = conn.execute(
        select(
            W.c.technician,
            W.c.gphc,
            W.c.month,
            W.c.version,
            W.c.manifest_sha256,
            W.c.at,
            W.c.reason,
            W.c.key_fingerprint,
        )  # fmt: skip
        .where(in_range(W.c.month))
        .order_by(W.c.month, W.c.gphc, W.c.version)
    ).all()
    for w in rows:
        why = (f"withdrawn on {w.at[:10]}: signed by key {w.key_fingerprint[:16]}…, revoked "
               f"as compromised ({w.reason})")  # fmt: skip
        data.returns_excluded.append(
            {"technician": w.technician, "gphc": w.gphc, "month": w.month,
             "version": w.version, "manifest_sha256": w.manifest_sha256, "why": why}
        )  # fmt: skip


def _phase_of(month: str, phase: str | None, pilot_start: str | None) -> str:
    if pilot_start:
        return "baseline" if month < pilot_start[:7] else "pilot"
    return phase or "(no phase)"


def _activity(conn: Any, data: ReportData, where: Any, tax: Any, pilot_start: str | None) -> None:
    """Activity by sector, site, category, code, phase and month, rolled up to today's
    codes; the sites and taxonomy versions seen."""
    rows = conn.execute(
        select(
            *_ACTIVITY_KEYS,
            func.sum(S.c.entries),
            func.sum(S.c.minutes),
            func.sum(S.c.count),
            _INTERVENTIONS,
            func.sum(S.c.released_minutes),
            func.sum(S.c.cost_avoided_pence),
        )  # fmt: skip
        .where(where)
        .group_by(*_ACTIVITY_KEYS)
    ).all()
    sites = set()
    tax_by_month: dict[str, dict[str, int]] = defaultdict(dict)
    for month, sector, site, kind, phase, code, category, tver, *sums in rows:
        vals = tuple(v or 0 for v in sums)
        now = tax.current_code(code)
        if now != code:
            data.rolled_up[(code, now)] = data.rolled_up.get((code, now), 0) + vals[0]
        c = tax.get(now)
        cat = c.category if c is not None else (category or "other")
        data.code_titles[now] = (
            c.title if c is not None else f"{now} (not in taxonomy {tax.version})"
        )
        data.category_titles[cat] = tax.categories.get(cat, cat)
        data.code_category[now] = cat
        if c is not None and (c.needs_discharge_date or c.needs_admission_time):
            data.qs120_codes.add(now)
        org = organisation(site)
        if org != site:
            data.site_codes[site] = org
            kind = "trust"
        sites.add(org)
        ph = _phase_of(month, phase, pilot_start)
        if pilot_start:  # whole months: the data-quality tables' sums (report_cells)
            data.month_phase[month] = ph
        for totals in (
            data.total,
            data.by_sector.setdefault(sector, Totals()),
            data.by_site.setdefault((org, kind or "", sector), Totals()),
            data.by_category.setdefault((cat, sector), Totals()),
            data.by_code.setdefault(now, Totals()),
            data.by_phase.setdefault(ph, Totals()),
            data.by_sector_phase.setdefault((sector, ph), Totals()),
            data.monthly.setdefault(month, Totals()),
        ):
            totals.add(*vals)
        data.phase_category[(ph, cat)] = data.phase_category.get((ph, cat), 0) + vals[1]
        tax_by_month[month][tver] = tax_by_month[month].get(tver, 0) + vals[0]
    data.sites = len(sites)
    data.taxonomy_versions = sorted({v for m in tax_by_month.values() for v in m})
    data.mixed_taxonomy = [(m, v) for m, v in sorted(tax_by_month.items()) if len(v) > 1]


def _phase_returns(
    conn: Any, data: ReportData, where: Any, rets: list[Any], pilot_start: str | None
) -> None:
    """Returns with entries in each phase (by the calendar, every return of its months)."""
    if pilot_start:
        for r in rets:
            ph = "baseline" if r.month < pilot_start[:7] else "pilot"
            data.phase_returns[ph] = data.phase_returns.get(ph, 0) + 1
        return
    rows = conn.execute(
        select(S.c.phase, func.count(func.distinct(S.c.return_pk))).where(where).group_by(S.c.phase)
    ).all()
    data.phase_returns = {(p or "(no phase)"): n for p, n in rows}


def _grading(conn: Any, data: ReportData, where: Any) -> None:
    """Interventions by significance, harm and outcome, and the cross-table."""
    rows = conn.execute(
        select(S.c.significance, S.c.harm, S.c.outcome, func.sum(S.c.entries))
        .where(where, _IS_INT)
        .group_by(S.c.significance, S.c.harm, S.c.outcome)
    ).all()
    for sig, harm, outcome, n in rows:
        n = n or 0
        if sig is not None:
            data.significance[sig] = data.significance.get(sig, 0) + n
            data.graded += n
        if harm is not None:
            data.harm[harm] = data.harm.get(harm, 0) + n
        if outcome is not None:
            data.outcome[outcome] = data.outcome.get(outcome, 0) + n
        data.sig_by_harm[(sig, harm)] = data.sig_by_harm.get((sig, harm), 0) + n


def _costs(conn: Any, data: ReportData, where: Any) -> None:
    """Cost avoided as each return's table valued it, and recomputed with the lead's
    table per sector, outcome and significance."""
    by_version = conn.execute(
        select(
            S.c.unit_cost_version,
            func.sum(S.c.released_minutes),
            func.sum(S.c.cost_avoided_pence),
            _INTERVENTIONS,
        )  # fmt: skip
        .where(where)
        .group_by(S.c.unit_cost_version)
    ).all()
    for version, released, cost, ints in by_version:
        if released or cost or ints:
            data.cost_by_version[version or "(none)"] = (released or 0, cost or 0, ints or 0)
    valued = conn.execute(
        select(
            S.c.sector,
            S.c.outcome,
            S.c.significance,
            _INTERVENTIONS,
            func.sum(S.c.released_minutes),
        )  # fmt: skip
        .where(where, or_(_IS_INT, S.c.released_minutes > 0))
        .group_by(S.c.sector, S.c.outcome, S.c.significance)
    ).all()
    data.cost = cost_avoided(
        load_cost_table(),
        [(sec, out, sig, n or 0, mins or 0) for sec, out, sig, n, mins in valued],
    )


def qs120_in_time(days: int | None, minutes: int | None) -> bool | None:
    """Whether a reconciliation was within NICE QS120's time: 24 hours from admission
    (``minutes``, acute care) or 7 days from discharge information (``days``, primary
    care); None when it has neither."""
    if minutes is not None:
        return minutes <= QS120_ACUTE_MINUTES
    if days is not None:
        return days <= QS120_PRIMARY_DAYS
    return None


def _qs120_codes(tax: Any) -> list[str]:
    """Every code (retired ones too) whose current code QS120 times."""
    out = []
    for c in tax:
        cur = tax.get(tax.current_code(c.code))
        if cur is not None and (cur.needs_discharge_date or cur.needs_admission_time):
            out.append(c.code)
    return out


def _qs120(conn: Any, data: ReportData, in_range: Any, tax: Any) -> None:
    """NICE QS120 per sector, per patient: timed, in time, days-taken bands, and the
    reconciliations QS120 applies to with nothing to time them from ("not recorded").

    An entry counts as many patients as its ``count`` (one when it counts nothing): the
    technician gave one admission or discharge time for all the patients in it, so each
    is timed by it. Admission reconciliations are timed from the admission date-time
    (``qs120_minutes``), discharge reconciliations from the date discharge information
    was received (``qs120_days``). Read from the entries: the summary has no minutes."""
    rows = conn.execute(
        select(E.c.sector, E.c.qs120_days, E.c.qs120_minutes,
               func.sum(func.coalesce(E.c["count"], 1)))
        .select_from(E.join(R, R.c.id == E.c.return_pk))
        .where(in_range(R.c.month), or_(E.c.qs120_days.isnot(None),
                                        E.c.qs120_minutes.isnot(None),
                                        E.c.code.in_(_qs120_codes(tax))))
        .group_by(E.c.sector, E.c.qs120_days, E.c.qs120_minutes)
    ).all()  # fmt: skip
    for sector in ("primary", "secondary"):
        data.qs120.setdefault(sector, (0, 0))
        data.qs120_not_recorded.setdefault(sector, 0)
    for sector, days, minutes, n in rows:
        n = int(n or 0)
        ok = qs120_in_time(days, minutes)
        if ok is None:
            data.qs120_not_recorded[sector] = data.qs120_not_recorded.get(sector, 0) + n
            continue
        timed, in_time = data.qs120.get(sector, (0, 0))
        data.qs120[sector] = (timed + n, in_time + (n if ok else 0))
        # days started: an admission reconciliation within 24 hours is in "0-1 days"
        taken = -(-minutes // (24 * 60)) if minutes is not None else days
        band = (sector, _band(taken))
        data.qs120_bands[band] = data.qs120_bands.get(band, 0) + n


@dataclass
class _Bucket:
    minutes: int = 0
    interventions: int = 0
    released: int = 0
    reconciled: int = 0
    timed: int = 0
    in_time: int = 0
    phase_minutes: dict[str, int] = field(default_factory=dict)


def period_start(day: str, period: str) -> str:
    """The first day (ISO) of the week (Monday) or month ``day`` falls in."""
    from datetime import date, timedelta

    if period == "month":
        return day[:8] + "01"
    d = date.fromisoformat(day)
    return (d - timedelta(days=d.weekday())).isoformat()


def _month_filter(start: str | None, end: str | None) -> Any:
    def in_range(col: Any) -> Any:
        cond = []
        if start:
            cond.append(col >= start)
        if end:
            cond.append(col <= end)
        return and_(*cond) if cond else and_(True)

    return in_range


def _daily(store: CentralStore, in_range: Any) -> tuple[list[Any], list[Any]]:
    """The current returns' entries summed per day, site, phase and code (a few thousand
    rows), and the QS120-timed patients per day, site, sector and time taken."""
    ej = E.join(R, R.c.id == E.c.return_pk)
    e_int = or_(E.c.significance.isnot(None), E.c.harm.isnot(None), E.c.outcome.isnot(None))
    with store.read() as conn:
        daily = conn.execute(
            select(
                E.c.date,
                E.c.site,
                func.max(E.c.site_name),
                E.c.phase,
                E.c.code,
                E.c.category,
                func.sum(E.c.minutes),
                func.sum(case((e_int, 1), else_=0)),
                func.sum(func.coalesce(E.c.released_minutes, 0)),
                func.sum(func.coalesce(E.c.count, 0)),
            )
            .select_from(ej)
            .where(in_range(R.c.month))
            .group_by(E.c.date, E.c.site, E.c.phase, E.c.code, E.c.category)
        ).all()
        timely = conn.execute(
            select(
                E.c.date,
                E.c.site,
                E.c.sector,
                E.c.qs120_days,
                E.c.qs120_minutes,
                func.sum(func.coalesce(E.c["count"], 1)),  # per patient
            )
            .select_from(ej)
            .where(
                in_range(R.c.month),
                or_(E.c.qs120_days.isnot(None), E.c.qs120_minutes.isnot(None)),
            )
            .group_by(E.c.date, E.c.site, E.c.sector, E.c.qs120_days, E.c.qs120_minutes)
        ).all()
    return list(daily), list(timely)


def _buckets(
    daily: list[Any], timely: list[Any], tax: Any, period: str, by_site: bool
) -> dict[tuple[str, str], _Bucket]:
    """Totals per (period start, site); site is "" when not by site."""
    buckets: dict[tuple[str, str], _Bucket] = defaultdict(_Bucket)
    for day, site, _name, phase, code, category, minutes, ints, released, count in daily:
        b = buckets[(period_start(day, period), organisation(site) if by_site else "")]
        b.minutes += minutes or 0
        b.interventions += ints or 0
        b.released += released or 0
        c = tax.get(tax.current_code(code))
        if (c.category if c is not None else category) == "reconciliation":
            b.reconciled += count or 0
        ph = phase or ""
        b.phase_minutes[ph] = b.phase_minutes.get(ph, 0) + (minutes or 0)
    for day, site, _sector, days, minutes, n in timely:
        b = buckets[(period_start(day, period), organisation(site) if by_site else "")]
        b.timed += n or 0
        b.in_time += (n or 0) if qs120_in_time(days, minutes) else 0
    return buckets


def measure_values(b: _Bucket) -> dict[str, float | None]:
    """Every measure of one period's totals (QS120 None when nothing was timed)."""
    per100 = 6000 / b.minutes if b.minutes else 0.0
    return {
        "HOURS": b.minutes / 60,
        "REC": float(b.reconciled),
        "REC_RATE": b.reconciled * per100,
        "INT": float(b.interventions),
        "INT_RATE": b.interventions * per100,
        "RELEASED": b.released / 60,
        "RELEASED_RATE": b.released / 60 * per100,
        "QS120": 100 * b.in_time / b.timed if b.timed else None,
    }


def _series(store: CentralStore, tax: Any, in_range: Any, pilot_start: str | None) -> list[Series]:
    """Weekly and monthly points of every measure, rebased at the pilot start."""
    daily, timely = _daily(store, in_range)
    out: list[Series] = []
    for period, suffix in PERIODS:
        by_key = {k: b for (k, _), b in _buckets(daily, timely, tax, period, False).items()}
        keys = sorted(by_key)
        start_key = period_start(pilot_start, period) if pilot_start else None
        phases = _phases(keys, by_key, start_key)
        values = {k: measure_values(by_key[k]) for k in keys}
        for code, title, unit, direction, target in MEASURES:
            ks = [k for k in keys if values[k][code] is not None]
            if not ks:
                continue
            vs = [float(values[k][code] or 0.0) for k in ks]
            ps = [phases[keys.index(k)] for k in ks]
            out.append(
                Series(
                    f"{code}_{suffix}",
                    title,
                    unit,
                    spc(ks, vs, ps, direction, target),
                    period,
                    direction,
                    target,
                )
            )
    return out


ALL_SITES = ("ALL", "All sites")


def measure_rows(
    store: CentralStore, start: str | None = None, end: str | None = None
) -> list[tuple[str, str, str, str, str, str, float]]:
    """The BI feed in the long format the NHS SPC tools take: (period type, period start,
    organisation code, organisation name, measure code, measure name, value), for every
    site and for all sites together, monthly and weekly."""
    from rxlog.taxonomy import current_taxonomy

    tax = current_taxonomy()
    daily, timely = _daily(store, _month_filter(start, end))
    names = _organisation_names(daily)
    titles = {m[0]: m[1] for m in MEASURES}
    out: list[tuple[str, str, str, str, str, str, float]] = []
    for period, suffix in PERIODS:
        groups = list(_buckets(daily, timely, tax, period, False).items())
        groups += list(_buckets(daily, timely, tax, period, True).items())
        for (key, site), b in sorted(groups, key=lambda kv: (kv[0][0], kv[0][1] != "", kv[0][1])):
            code, name = (site, names.get(site, site)) if site else ALL_SITES
            for measure, value in measure_values(b).items():
                if value is not None:
                    out.append((period, key, code, name, f"{measure}_{suffix}",
                                titles[measure], round(value, 6)))  # fmt: skip
    return out


def _organisation_names(daily: list[Any]) -> dict[str, str]:
    """Each organisation's name: its own, if logged under its code; else the names of
    the sites counted under it (a trust's sites), joined."""
    own: dict[str, str] = {}
    sites: dict[str, set[str]] = defaultdict(set)
    for _day, site, name, *_ in daily:
        if not name:
            continue
        org = organisation(site)
        if org == site:
            own[org] = name
        else:
            sites[org].add(name)
    return {org: own.get(org) or " / ".join(sorted(sites.get(org, ()))) for org in {*own, *sites}}


def _phases(keys: list[str], buckets: dict[str, _Bucket], pilot_start: str | None) -> list[str]:
    """baseline before the pilot start, pilot from it (one rebase)."""
    if pilot_start is None:
        for k in keys:
            pm = buckets[k].phase_minutes
            if pm.get("pilot", 0) > pm.get("baseline", 0):
                pilot_start = k
                break
    if pilot_start is None:
        return ["baseline"] * len(keys)
    return ["baseline" if k < pilot_start else "pilot" for k in keys]
