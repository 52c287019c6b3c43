"""Suppression that holds in every table with small counts and printed totals: the QS120
table (its bands add up to the timed count, the bands inside the target to the count in
time) and the cost table (its counts add up, with the Eadon-1 interventions nobody sees
per outcome or sector, to the outcome and site tables'). An attacker who knows every
printed number, what each sum means, that "<5" is 1 to 4, that "*" is 0 or 5 and over and
that an unprinted count is 0 or more, tries to recover each hidden cell and fails. The
attacker is written here, with numpy, apart from rxlog's own check."""

from __future__ import annotations

import importlib.util
import math
import random
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from central_db import central_url  # noqa: F401  (fixture: SQLite and PostgreSQL)
from pdftext import pdf_text

from rxlog.central.suppression import MASKED, PRIMARY, SECONDARY, protect_system

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("gen_returns", ROOT / "bench" / "gen_returns.py")
gen = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("gen_returns", gen)
_spec.loader.exec_module(gen)

UNKNOWN = "unknown"  # never printed: 0 or more


def attack(known, hidden, equations, ranges=None):
    """The hidden cells pinned to one value. ``known``: printed values; ``hidden``:
    {cell: PRIMARY | SECONDARY | UNKNOWN}; ``equations``: (parts, total) with
    sum(parts) == total; ``ranges``: {cell: (lo, hi)} for cells a reader knows only
    roughly (a rate per 100 hours times its rounded hours)."""
    ranges = ranges or {}
    hidden = {**{c: UNKNOWN for c in ranges}, **hidden}
    cells = sorted(hidden, key=repr)
    index = {c: i for i, c in enumerate(cells)}
    a, b = [], []
    for parts, total in equations:
        coef = np.zeros(len(cells))
        rhs = 0.0
        for cell, sign in [(p, 1.0) for p in parts] + [(total, -1.0)]:
            if cell in index:
                coef[index[cell]] += sign
            else:
                rhs -= sign * known[cell]
        if coef.any():
            a.append(coef)
            b.append(rhs)
    found = set()
    if a:
        m = np.array(a)
        rank = np.linalg.matrix_rank(m)
        for c in cells:
            e = np.zeros(len(cells))
            e[index[c]] = 1
            if np.linalg.matrix_rank(np.vstack([m, e])) == rank:
                found.add(c)
    big = sum(known.values()) + 10_000
    lo = {c: 1 if hidden[c] == PRIMARY else 0 for c in cells}
    hi = {c: 4 if hidden[c] == PRIMARY else big for c in cells}
    for c, (a, b) in ranges.items():
        lo[c], hi[c] = a, b
    for _ in range(60):
        for parts, total in equations:
            line = [(p, 1) for p in parts] + [(total, -1)]
            for c, sign in line:
                if c not in index:
                    continue
                olo = ohi = 0
                for d, s in line:
                    if d == c:
                        continue
                    if d in index:
                        olo += s * (lo[d] if s > 0 else hi[d])
                        ohi += s * (hi[d] if s > 0 else lo[d])
                    else:
                        olo += s * known[d]
                        ohi += s * known[d]
                lo_c, hi_c = sorted((-ohi * sign, -olo * sign))
                lo[c], hi[c] = max(lo[c], lo_c), min(hi[c], hi_c)
                if hidden[c] == SECONDARY and 0 < lo[c] < 5:
                    lo[c] = 5
                if hidden[c] == SECONDARY and hi[c] < 5:
                    hi[c] = 0
    found |= {c for c in cells if lo[c] >= hi[c]}
    return {c for c in found if hidden[c] != UNKNOWN}


def _qs120_like(rng):
    """Two sectors x four bands, timed and in-time counts, "not recorded" and its total."""
    values, sums = {}, []
    for s, in_bands in (("p", 2), ("s", 1)):
        bands = [(s, k) for k in range(4)]
        for k in bands:
            values[k] = rng.choice((0, 0, 1, 2, 3, 4, 5, 7, 12, 40, 150))
        values[(s, "timed")] = sum(values[k] for k in bands)
        values[(s, "in")] = sum(values[k] for k in bands[:in_bands])
        values[(s, "nr")] = rng.choice((0, 1, 3, 6, 80))
        sums += [(bands, (s, "timed")), (bands[:in_bands], (s, "in"))]
    values["nr"] = values[("p", "nr")] + values[("s", "nr")]
    sums.append(([("p", "nr"), ("s", "nr")], "nr"))
    return values, sums


@pytest.mark.parametrize("seed", range(120))
def test_random_qs120_tables_keep_every_hidden_cell_hidden(seed):
    values, sums = _qs120_like(random.Random(seed))
    hidden = protect_system(values, sums, set(values))
    small = {k for k, v in values.items() if 1 <= v <= 4}
    assert small <= set(hidden)
    known = {k: v for k, v in values.items() if k not in hidden}
    assert attack(known, hidden, sums) == set(), (values, hidden)


@pytest.mark.parametrize("seed", range(120))
def test_random_cost_tables_keep_every_hidden_cell_hidden(seed):
    """Sectors x outcomes with Eadon-1 counts nobody sees per outcome: the cost table."""
    rng = random.Random(seed)
    outcomes, sectors = range(4), ("p", "s")
    values, sums = {}, []
    unprinted = set()
    for s in sectors:
        for o in outcomes:
            values[("c", s, o)] = rng.choice((0, 1, 2, 3, 4, 6, 9, 30, 200))
    det = {(s, o): rng.choice((0, 0, 0, 1, 2)) for s in sectors for o in outcomes}
    for o in outcomes:
        values[("d", o)] = sum(det[(s, o)] for s in sectors)
        values[("o", o)] = sum(values[("c", s, o)] for s in sectors) + values[("d", o)]
        sums.append(([*[("c", s, o) for s in sectors], ("d", o)], ("o", o)))
        unprinted.add(("d", o))
    for s in sectors:
        values[("e", s)] = sum(det[(s, o)] for o in outcomes)
        values[("sector", s)] = sum(values[("c", s, o)] for o in outcomes) + values[("e", s)]
        sums.append(([*[("c", s, o) for o in outcomes], ("e", s)], ("sector", s)))
        unprinted.add(("e", s))
    values["det"] = sum(det.values())
    values["total"] = sum(values[("o", o)] for o in outcomes)
    sums += [([("d", o) for o in outcomes], "det"), ([("e", s) for s in sectors], "det"),
             ([("o", o) for o in outcomes], "total"),
             ([("sector", s) for s in sectors], "total")]  # fmt: skip
    hidden = protect_system(values, sums, set(values) - unprinted, unprinted=unprinted)
    small = {k for k, v in values.items() if 1 <= v <= 4 and k not in unprinted}
    assert small <= set(hidden)
    shown = {k: v for k, v in values.items() if k not in hidden and k not in unprinted}
    attacked = {**hidden, **{k: UNKNOWN for k in unprinted}}
    assert attack(shown, attacked, sums) == set(), (values, hidden)


# -- the printed report ----------------------------------------------------------------
@pytest.fixture
def small_store(tmp_path, monkeypatch, central_url):  # noqa: F811
    """Two technicians, two months; QS120 bands and cost-table cells with counts of 1-4
    and a few interventions graded Eadon 1."""
    from rxlog.central.importer import import_paths
    from rxlog.central.store import CentralStore
    from rxlog.central.trust import trust_key

    st = CentralStore.open(central_url)
    inbox = tmp_path / "inbox"
    for t in (1, 2):
        inst = gen.Installation.new(t)
        trust_key(st, inst.write_key(tmp_path / f"{t}.pem"), inst.name)
        for month in ("2026-01", "2026-02"):
            rng = random.Random(f"small-{t}-{month}")
            rows = gen.make_rows(inst, month, 1, 150, rng, "pilot")
            timed = [r for r in rows if r["qs120_days"] is not None]
            for i, r in enumerate(timed):  # mostly within 7 days; 1-4 later
                r["qs120_days"] = (0, 3, 5)[i % 3] if i >= 3 else (10, 20, 9)[i]
            ints = [r for r in rows if r["outcome"] is not None]
            for i, r in enumerate(ints):
                r["outcome"] = "accepted"
                if i < 2 and r["sector"] == "secondary":
                    r["outcome"] = "declined"
                if i == 5 and t == 1:
                    r["outcome"] = "pending"
                if i == 7:
                    r["significance"] = 1  # detrimental: never counted as cost avoided
            gen.write_return(inst, month, rows, inbox / inst.gphc)
    assert all(r.outcome == "imported" for r in import_paths(st, [inbox], workers=1))
    yield st
    st.close()


def _number(tok):
    return int(tok.replace(",", ""))


def _cell(known, hidden, key, tok):
    if tok in ("<5", "*"):
        hidden[key] = PRIMARY if tok == "<5" else SECONDARY
    else:
        known[key] = _number(tok)


def _one_mark(hidden, keys):
    """A site column that hides cells with "*" alone (no "<5") prints one mark for all
    of them: each is then only known to be 0 or more."""
    marks = [hidden[k] for k in keys if k in hidden]
    if marks and PRIMARY not in marks:
        for k in keys:
            if k in hidden:
                hidden[k] = MASKED


def test_no_hidden_count_in_the_printed_qs120_and_cost_tables_can_be_recovered(
    small_store, tmp_path
):
    from rxlog.central.report_data import gather
    from rxlog.central.report_pdf import ReportOptions, write_report

    out = write_report(gather(small_store), ReportOptions(tmp_path / "r.pdf"))
    text = pdf_text(out, layout=True)
    known, hidden, sums = {}, {}, []
    # QS120: Sector, Target, Not recorded, Timed, In time, Share, 4 bands.
    qs = text[text.index("NICE QS120)") :]
    for m in re.finditer(r"^\s*(Primary|Secondary)\s+(7 days|24 hours)\s+(.+)$", qs, re.M):
        s, toks = m.group(1), m.group(3).split()
        assert len(toks) == 8, toks
        for key, tok in zip(("nr", "timed", "in"), toks[:3], strict=True):
            _cell(known, hidden, (s, key), tok)
        for k, tok in enumerate(toks[4:]):
            _cell(known, hidden, (s, "band", k), tok)
        bands = [(s, "band", k) for k in range(4)]
        inside = bands[:2] if s == "Primary" else bands[:1]  # 7 days; 24 hours
        sums += [(bands, (s, "timed")), (inside, (s, "in"))]
        if toks[3] not in ("*", "–"):
            assert (s, "in") not in hidden and (s, "timed") not in hidden
    assert {k[0] for k in [*known, *hidden]} == {"Primary", "Secondary"}
    assert any(v == PRIMARY for v in hidden.values())
    # Cost: per outcome, the sectors' counts and the Eadon-1 ones of that outcome (never
    # printed) add up to the outcome table's count; the Eadon-1 ones to the paragraph's.
    outcome_block = text[text.index("Outcome of interventions") : text.index("4. Clinician")]
    for label in ("Accepted", "Declined", "Pending", "Not recorded", "All interventions"):
        m = re.search(rf"^\s*{label}\s+(\S+)", outcome_block, re.M)
        _cell(known, hidden, ("outcome", label.lower()), m.group(1))
    flat = " ".join(text.split())
    _cell(known, hidden, ("det",), re.search(r"cost avoided \((\S+) such", flat).group(1))
    cost_block = text[text.index("4. Clinician") : text.index("Unit costs (the lead")]
    per_outcome: dict[str, list] = {}
    for m in re.finditer(
        r"^\s*(Primary|Secondary)\s+(accepted|declined|pending|not recorded)\s+(\S+)",
        cost_block,
        re.M,
    ):
        key = ("cost", m.group(1), m.group(2))
        _cell(known, hidden, key, m.group(3))
        per_outcome.setdefault(m.group(2), []).append(key)
    assert per_outcome and any(k[0] == "cost" for k in hidden)
    for o in ("accepted", "declined", "pending", "not recorded"):
        hidden[("eadon1", o)] = UNKNOWN
        sums.append(([*per_outcome.get(o, []), ("eadon1", o)], ("outcome", o)))
    sums.append(([("eadon1", o) for o in ("accepted", "declined", "pending", "not recorded")],
                 ("det",)))  # fmt: skip
    sums.append(([("outcome", o) for o in ("accepted", "declined", "pending", "not recorded")],
                 ("outcome", "all interventions")))  # fmt: skip
    assert attack(known, hidden, sums) == set(), hidden


# -- rates per 100 hours beside their hours ---------------------------------------------
# A rate printed beside its hours gives the count back (rate x hours / 100, within the
# rounding of both), so the attacker reads every printed rate as a range of counts.
RATE_ROWS = {"entries": "Activities per 100 hours", "count": "Patients/items per 100 hours",
             "interventions": "Interventions per 100 hours"}  # fmt: skip


def counts_from_rate(rate, hours_text):
    """The counts a rate per 100 hours (one decimal) and its hours (as printed) allow."""
    r = float(rate.replace(",", ""))
    h = float(hours_text.replace(",", ""))
    dh = 0.05 if "." in hours_text else 0.5
    lo = max(0.0, r - 0.05) * max(0.0, h - dh) / 100
    hi = (r + 0.05) * (h + dh) / 100
    return math.ceil(lo - 1e-9), math.floor(hi + 1e-9)


def read_rates(known, hidden, ranges, cells, hours_row, rate_row):
    """One printed row of rates and its hours row into what the attacker knows: a count
    pinned by the rate, a range, or a hidden count ("*", for a small count and its
    complements alike: 0 or more, but it must not be pinned)."""
    for cell, h, rate in zip(cells, hours_row, rate_row, strict=True):
        if rate == "*":
            hidden[cell] = MASKED
        elif rate == "–":
            known[cell] = 0
        else:
            lo, hi = counts_from_rate(rate, h)
            if lo == hi:
                known[cell] = lo
            else:
                ranges[cell] = (lo, hi)


def rate_equations(phases, sp_cols, sites_by_sector):
    """What a reader knows adds up: a phase's sectors to the phase, a sector's phases to
    the sector (never printed) and to its sites, the phases and the sites to the total."""
    sums = [([("sp", s, p) for s, pp in sp_cols if pp == p], ("phase", p)) for p in phases]
    sums.append(([("phase", p) for p in phases], "total"))
    for s in {s for s, _ in sp_cols}:
        sums.append(([("sp", s, p) for ss, p in sp_cols if ss == s], ("sector", s)))
        if sites_by_sector is not None:
            sums.append((sites_by_sector.get(s, []), ("sector", s)))
    if sites_by_sector is not None:
        sums.append(([k for ks in sites_by_sector.values() for k in ks], "total"))
    return sums


def _random_report(rng):
    from rxlog.central.report_data import ReportData, Totals

    data = ReportData(None, None, ["2026-01"], "2026-12-01 12:00 UTC", "test")
    phases = ["baseline", "pilot", *(["(no phase)"] if rng.random() < 0.2 else [])]
    many = (0, 0, 1, 2, 3, 4, 5, 7, 12, 40, 150)
    for sector in ("primary", "secondary"):
        for i in range(rng.randint(1, 3)):
            site = (f"{sector[0].upper()}{i}", "gp_practice", sector)
            for ph in phases:
                entries = rng.choice(many)
                if not entries:
                    continue
                minutes = entries * rng.choice((1, 5, 20, 60, 300)) + rng.randint(0, 59)
                vals = (entries, minutes, rng.choice(many), min(entries, rng.choice(many)), 0, 0)
                for t in (data.total, data.by_sector.setdefault(sector, Totals()),
                          data.by_site.setdefault(site, Totals()),
                          data.by_phase.setdefault(ph, Totals()),
                          data.by_sector_phase.setdefault((sector, ph), Totals())):  # fmt: skip
                    t.add(*vals)
    return data


def _printed_rates(data, hidden):
    """The phase and sector-by-phase tables' rows as the PDF prints them."""
    from rxlog.central.report_pdf import _rate_rows

    phases = sorted(data.by_phase)
    sp_cols = sorted(data.by_sector_phase)
    by_phase = _rate_rows([(("phase", p), data.by_phase[p]) for p in phases], hidden)
    by_sp = _rate_rows([(("sp", *k), data.by_sector_phase[k]) for k in sp_cols], hidden)
    return phases, sp_cols, {r[0]: r[1:] for r in by_phase}, {r[0]: r[1:] for r in by_sp}


def _attack_rates(data, hidden, rates=True):
    """Every small count behind a rate, or hidden in the site table, that an attacker of
    the printed rates, hours, site table and headline recovers: {(attr, cell)}. Without
    ``rates``, what the attacker recovers with every rate printed as "*"."""
    from rxlog.central.report_cells import site_column
    from rxlog.central.report_pdf import sup

    phases, sp_cols, ph_rows, sp_rows = _printed_rates(data, hidden)
    found = set()
    for attr, label in RATE_ROWS.items():
        values = {("phase", p): getattr(data.by_phase[p], attr) for p in phases}
        values |= {("sp", *k): getattr(data.by_sector_phase[k], attr) for k in sp_cols}
        known, hid, ranges = {}, {}, {}
        read_rates(known, hid, ranges, [("phase", p) for p in phases],
                   ph_rows["Technician hours logged"], ph_rows[label])  # fmt: skip
        read_rates(known, hid, ranges, [("sp", *k) for k in sp_cols],
                   sp_rows["Technician hours logged"], sp_rows[label])  # fmt: skip
        for s in {s for s, _ in sp_cols}:
            hid[("sector", s)] = UNKNOWN
        sites_by_sector = None
        if attr == "count":  # patients/items: no total printed, no site column
            hid["total"] = UNKNOWN
        else:
            _cell(known, hid, "total", sup(getattr(data.total, attr)))
            sites, shown = site_column(data, attr)
            sites_by_sector = {}
            for i, (((_, _, sector), _), text) in enumerate(zip(sites, shown, strict=True)):
                _cell(known, hid, ("site", i), text)
                sites_by_sector.setdefault(sector, []).append(("site", i))
            _one_mark(hid, [("site", i) for i in range(len(sites))])
        if not rates:
            for c in values:
                known.pop(c, None)
                ranges.pop(c, None)
                hid[c] = MASKED
        sums = rate_equations(phases, sp_cols, sites_by_sector)
        found |= {(attr, c) for c in attack(known, hid, sums, ranges)}
        found |= {(attr, c) for c, v in known.items() if c in values and 1 <= v <= 4}
    return found


def test_a_rate_beside_its_hours_gives_a_small_count_back():
    """Before rates were protected: 3 interventions in 50 hours print as 6.0 per 100 hours
    beside "50", so the attacker has the 3 back."""
    from rxlog.central.report_data import ReportData, Totals

    data = ReportData(None, None, ["2026-01"], "2026-12-01 12:00 UTC", "test")
    for sector, ph, vals in (("primary", "baseline", (40, 3000, 40, 3, 0, 0)),
                             ("primary", "pilot", (90, 9000, 90, 30, 0, 0)),
                             ("secondary", "pilot", (80, 6000, 80, 20, 0, 0))):  # fmt: skip
        for t in (data.total, data.by_sector.setdefault(sector, Totals()),
                  data.by_site.setdefault((sector[0], "gp_practice", sector), Totals()),
                  data.by_phase.setdefault(ph, Totals()),
                  data.by_sector_phase.setdefault((sector, ph), Totals())):  # fmt: skip
            t.add(*vals)
    assert ("interventions", ("sp", "primary", "baseline")) in _attack_rates(data, {})
    from rxlog.central.report_cells import rate_hidden

    hidden = rate_hidden(data)
    assert hidden[("interventions", ("sp", "primary", "baseline"))] == MASKED
    assert _attack_rates(data, hidden) == set()


@pytest.mark.parametrize("seed", range(60))
def test_random_rate_tables_give_no_small_count_back(seed):
    from rxlog.central.report_cells import rate_hidden

    data = _random_report(random.Random(seed))
    hidden = rate_hidden(data)
    for attr in RATE_ROWS:
        cells = [("phase", p) for p in data.by_phase]
        cells += [("sp", *k) for k in data.by_sector_phase]
        for cell in cells:
            tot = data.by_phase[cell[1]] if cell[0] == "phase" else data.by_sector_phase[cell[1:]]
            if 1 <= getattr(tot, attr) <= 4:
                assert (attr, cell) in hidden
    # Nothing the report keeps hidden without the rates is given back by them (a tiny
    # site table beside its headline total can give a count away on its own: that is the
    # site table's, not the rates').
    assert _attack_rates(data, hidden) <= _attack_rates(data, hidden, rates=False), hidden


@pytest.fixture
def phase_store(tmp_path, central_url):  # noqa: F811
    """Two technicians, a baseline month (one of a few entries) and a pilot month each:
    a sector's baseline has 1 intervention, beside its hours."""
    from rxlog.central.importer import import_paths
    from rxlog.central.store import CentralStore
    from rxlog.central.trust import trust_key

    st = CentralStore.open(central_url)
    inbox = tmp_path / "inbox"
    for t in (1, 2):
        inst = gen.Installation.new(t)
        trust_key(st, inst.write_key(tmp_path / f"{t}.pem"), inst.name)
        for month, n, phase in (("2026-01", 8 if t == 1 else 60, "baseline"),
                                ("2026-02", 150, "pilot")):  # fmt: skip
            rows = gen.make_rows(inst, month, 1, n, random.Random(f"ph-{t}-{month}"), phase)
            gen.write_return(inst, month, rows, inbox / inst.gphc)
    assert all(r.outcome == "imported" for r in import_paths(st, [inbox], workers=1))
    yield st
    st.close()


def _table_rows(block, labels):
    """{label: [cells]} of the rows of a pdftotext -layout table block."""
    out = {}
    for label in labels:
        m = re.search(rf"^\s*{re.escape(label)}\s+(.+)$", block, re.M)
        out[label] = m.group(1).split()
    return out


def _read_sites(text, attr, known, hidden):
    """The site table's column for ``attr`` (entries or interventions), by sector."""
    block = text[text.index("By site") : text.index("Most frequent")]
    col = {"entries": 0, "interventions": 2}[attr]
    by_sector = {}
    rows = re.finditer(r"^\s*(\S+)\s+(?:trust|gp practice|pcn)\s+(primary|secondary)\s+(.+)$",
                       block, re.M)  # fmt: skip
    n = 0
    for i, m in enumerate(rows):
        _cell(known, hidden, ("site", i), m.group(3).split()[col])
        by_sector.setdefault(m.group(2), []).append(("site", i))
        n = i + 1
    _one_mark(hidden, [("site", i) for i in range(n)])
    return by_sector


def _read_cost_tables(text, known, hidden, sums):
    """The outcome and cost tables' intervention counts and their sums (each sector's
    cost cells with its Eadon-1 ones, never printed, add up to the sector's count)."""
    outcomes = ("accepted", "declined", "pending", "not recorded")
    block = text[text.index("Outcome of interventions") : text.index("4. Clinician")]
    for label in ("Accepted", "Declined", "Pending", "Not recorded"):
        m = re.search(rf"^\s*{label}\s+(\S+)", block, re.M)
        _cell(known, hidden, ("outcome", label.lower()), m.group(1))
    flat = " ".join(text.split())
    _cell(known, hidden, ("det",), re.search(r"cost avoided \((\S+) such", flat).group(1))
    block = text[text.index("4. Clinician") : text.index("Unit costs (the lead")]
    cells = {}
    for m in re.finditer(r"^\s*(Primary|Secondary)\s+(accepted|declined|pending|not recorded)"
                         r"\s+(\S+)", block, re.M):  # fmt: skip
        key = ("cost", m.group(1).lower(), m.group(2))
        _cell(known, hidden, key, m.group(3))
        cells[key[1:]] = key
    for o in outcomes:
        hidden[("eadon1", o)] = UNKNOWN
        parts = [k for (s, oo), k in cells.items() if oo == o]
        sums.append(([*parts, ("eadon1", o)], ("outcome", o)))
    sums.append(([("eadon1", o) for o in outcomes], ("det",)))
    sums.append(([("outcome", o) for o in outcomes], "total"))
    for s in {s for s, _ in cells}:
        hidden[("eadon1", s)] = UNKNOWN
        parts = [k for (ss, _), k in cells.items() if ss == s]
        sums.append(([*parts, ("eadon1", s)], ("sector", s)))
    sums.append(([("eadon1", s) for s in {s for s, _ in cells}], ("det",)))


def _attack_printed_rates(text, phases, sp_cols, headline):
    """What an attacker of the printed PDF recovers through the rates: {(attr, cell)}."""
    phase_block = text[text.index("2. Baseline") : text.index("Within each sector")]
    sp_block = text[text.index("Within each sector") : text.index("Share of technician time")]
    labels = ["Technician hours logged", *RATE_ROWS.values()]
    ph_rows, sp_rows = _table_rows(phase_block, labels), _table_rows(sp_block, labels)
    assert all(len(ph_rows[k]) == len(phases) and len(sp_rows[k]) == len(sp_cols)
               for k in labels)  # fmt: skip
    found = set()
    for attr, label in RATE_ROWS.items():
        known, hid, ranges = {}, {}, {}
        read_rates(known, hid, ranges, [("phase", p) for p in phases],
                   ph_rows[labels[0]], ph_rows[label])  # fmt: skip
        read_rates(known, hid, ranges, [("sp", *k) for k in sp_cols],
                   sp_rows[labels[0]], sp_rows[label])  # fmt: skip
        rate_cells = {*hid, *known, *ranges}
        for s in {s for s, _ in sp_cols}:
            hid[("sector", s)] = UNKNOWN
        sites, extra = None, []
        if attr == "count":
            hid["total"] = UNKNOWN
        else:
            _cell(known, hid, "total", headline[attr])
            sites = _read_sites(text, attr, known, hid)
        if attr == "interventions":
            _read_cost_tables(text, known, hid, extra)
        sums = rate_equations(phases, sp_cols, sites) + extra
        pinned = attack(known, hid, sums, ranges)
        found |= {(attr, c) for c in pinned if c in rate_cells}
        found |= {(attr, c) for c, v in known.items() if c in rate_cells and 1 <= v <= 4}
    return found


@pytest.mark.parametrize("protected", [True, False])
def test_no_small_count_can_be_recovered_from_the_printed_rates(
    phase_store, tmp_path, monkeypatch, protected
):
    from rxlog.central import report_cells, report_pdf
    from rxlog.central.report_data import gather

    if not protected:  # the report as it was: every rate printed
        monkeypatch.setattr(report_pdf, "rate_hidden", lambda data: {})
        monkeypatch.setattr(report_cells, "rate_hidden", lambda data: {})
    data = gather(phase_store)
    assert data.by_sector_phase[("primary", "baseline")].interventions == 1
    out = report_pdf.write_report(data, report_pdf.ReportOptions(tmp_path / "r.pdf"))
    text = pdf_text(out, layout=True)
    # The headline: hours, activities, patients reconciled, interventions, over their labels.
    kpi = re.search(r"^\s*\S+\s+(\S+)\s+\S+\s+(\S+)\s*$\s*technician hours logged", text, re.M)
    headline = {"entries": kpi.group(1), "interventions": kpi.group(2)}
    assert headline["entries"] == f"{data.total.entries:,}"
    found = _attack_printed_rates(text, sorted(data.by_phase), sorted(data.by_sector_phase),
                                  headline)  # fmt: skip
    if protected:
        sp_block = text[text.index("Within each sector") : text.index("Share of technician")]
        assert (
            "*" in _table_rows(sp_block, [RATE_ROWS["interventions"]])[RATE_ROWS["interventions"]]
        )
        assert found == set()
    else:
        assert ("interventions", ("sp", "primary", "baseline")) in found


def test_the_key_findings_do_not_print_a_hidden_phase_rate_again():
    """A phase of one month has the phase's own rate as its mean: where section 2 hides
    a phase's interventions per 100 hours, the key findings leave the averages out."""
    from rxlog.central.findings import key_findings
    from rxlog.central.report_data import ReportData, Series, Totals
    from rxlog.central.spc import INCREASE, spc

    def report(baseline_interventions):
        data = ReportData(None, None, ["2026-01", "2026-02"], "2026-12-01 12:00 UTC", "test")
        for ph, vals in (("baseline", (40, 3000, 40, baseline_interventions, 0, 0)),
                         ("pilot", (90, 9000, 90, 30, 0, 0))):  # fmt: skip
            for t in (data.total, data.by_sector.setdefault("primary", Totals()),
                      data.by_site.setdefault(("G82001", "gp_practice", "primary"), Totals()),
                      data.by_phase.setdefault(ph, Totals()),
                      data.by_sector_phase.setdefault(("primary", ph), Totals())):  # fmt: skip
                t.add(*vals)
        rates = [baseline_interventions * 6000 / 3000, 30 * 6000 / 9000]
        chart = spc(["2026-01", "2026-02"], rates, ["baseline", "pilot"], INCREASE)
        data.series = [Series("INT_RATE_M", "Interventions per 100 hours", "per 100 h", chart)]
        return " ".join(key_findings(data)[0])

    assert "averaged 20.0 in the baseline" in report(10)
    text = report(3)
    assert "averaged" not in text and "6.0" not in text
