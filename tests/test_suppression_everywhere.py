"""Suppression that holds in every table with small counts and printed totals: the QS120
table (its bands add up to the timed count, the bands inside the target to the count in
time) and the cost table (its counts add up, with the Eadon-1 interventions nobody sees
per outcome or sector, to the outcome and site tables'). An attacker who knows every
printed number, what each sum means, that "<5" is 1 to 4, that "*" is 0 or 5 and over and
that an unprinted count is 0 or more, tries to recover each hidden cell and fails. The
attacker is written here, with numpy, apart from rxlog's own check."""

from __future__ import annotations

import importlib.util
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rxlog.central.suppression import PRIMARY, SECONDARY, protect_system

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("gen_returns", ROOT / "bench" / "gen_returns.py")
gen = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("gen_returns", gen)
_spec.loader.exec_module(gen)

UNKNOWN = "unknown"  # never printed: 0 or more


def attack(known, hidden, equations):
    """The hidden cells pinned to one value. ``known``: printed values; ``hidden``:
    {cell: PRIMARY | SECONDARY | UNKNOWN}; ``equations``: (parts, total) with
    sum(parts) == total."""
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
def small_store(tmp_path, monkeypatch):
    """Two technicians, two months; QS120 bands and cost-table cells with counts of 1-4
    and a few interventions graded Eadon 1."""
    from rxlog.central.importer import import_paths
    from rxlog.central.store import CentralStore
    from rxlog.central.trust import trust_key

    st = CentralStore.open(f"sqlite:///{tmp_path / 'central.sqlite3'}")
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


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_no_hidden_count_in_the_printed_qs120_and_cost_tables_can_be_recovered(
    small_store, tmp_path
):
    from rxlog.central.report_data import gather
    from rxlog.central.report_pdf import ReportOptions, write_report

    out = write_report(gather(small_store), ReportOptions(tmp_path / "r.pdf"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
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
