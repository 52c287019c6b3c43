"""Suppression that holds in the data-quality tables too: the months with entries under
more than one taxonomy version (each month's versions add up to the month's activities)
and the retired codes rolled up to their replacement (a replacement's old codes and the
entries logged under it add up to its count in the most-frequent-activities table). An
attacker reads every number the real PDF prints (the headline, the top codes, the rates
per 100 hours beside their hours, the appendix of returns) and tries to recover each
hidden count of those tables with the numpy solver of ``test_suppression_everywhere``."""

from __future__ import annotations

import random
import re
import shutil
import uuid
from pathlib import Path

import pytest
from central_db import central_url  # noqa: F401  (fixture: SQLite and PostgreSQL)
from pdftext import pdf_text
from test_suppression_everywhere import (  # the attacker and its PDF readers
    UNKNOWN,
    _cell,
    _one_mark,
    _table_rows,
    attack,
    gen,
    read_rates,
)

from rxlog.central.suppression import PRIMARY

ROOT = Path(__file__).resolve().parent.parent
MONTHS = ("2026-01", "2026-02", "2026-03")
# A dozen codes, so that the most-frequent-activities table lists every one of them.
KEEP = {"REC-DIS", "REP-ERD", "QRY-PAT", "SAF-HRD", "PAT-ADH", "INT-PRESC", "LRN-GIVEN",
        "REC-ADM", "ACU-POD", "ACU-WARD", "INT-OMIT", "ACU-TTO"}  # fmt: skip


@pytest.fixture
def retiring(tmp_path, monkeypatch):
    """Shipped resources plus a taxonomy 2026.2 that retires REP-HOUSE and REP-SYNC, both
    replaced by REP-MGMT."""
    res = tmp_path / "resources"
    shutil.copytree(ROOT / "resources", res)
    text = (res / "taxonomy-2026.1.toml").read_text(encoding="utf-8")
    text = text.replace('version = "2026.1"', 'version = "2026.2"')
    for old in ("REP-HOUSE", "REP-SYNC"):
        text = text.replace(
            f'code = "{old}"\n',
            f'code = "{old}"\nretired_in = "2026.2"\nreplaced_by = "REP-MGMT"\n',
        )
    (res / "taxonomy-2026.2.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("RXLOG_RESOURCES", str(res))
    return res


def _logged_before(rows, template, code, n, rng, version="2026.1"):
    """``n`` more entries like ``template`` (a plain primary-care one), logged under
    taxonomy ``version`` as ``code``."""
    for _ in range(n):
        r = dict(template, entry_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)))
        r.update(code=code, taxonomy_version=version, category="repeat", count=1,
                 count_unit="patients")  # fmt: skip
        rows.append(r)


@pytest.fixture
def quality_store(tmp_path, retiring, central_url):  # noqa: F811
    """Two technicians, three months, the pilot's calendar (January the baseline): in
    January 1 REP-HOUSE and 2 REP-SYNC entries under taxonomy 2026.1 (a baseline month's
    "<5"), in February 28 more REP-SYNC, in March 2 entries of current codes under 2026.1;
    nothing logged as REP-MGMT itself, so its 31 entries are its old codes' alone; 2
    interventions not graded for significance; one reconciliation at registration of 3
    patients."""
    from rxlog.central.importer import import_paths
    from rxlog.central.roster import calendar_set
    from rxlog.central.store import CentralStore
    from rxlog.central.trust import trust_key

    st = CentralStore.open(central_url)
    calendar_set(st, ("2026-01-01", "2026-01-31"), ("2026-02-01", "2026-03-31"))
    inbox = tmp_path / "inbox"
    for t in (1, 2):
        inst = gen.Installation.new(t)
        trust_key(st, inst.write_key(tmp_path / f"{t}.pem"), inst.name)
        for month in MONTHS:
            rng = random.Random(f"quality-{t}-{month}")
            phase = "baseline" if month == MONTHS[0] else "pilot"
            rows = [r for r in gen.make_rows(inst, month, 1, 110, rng, phase)
                    if r["code"] in KEEP]  # fmt: skip
            plain = next(r for r in rows if r["code"] == "REP-ERD")
            if t == 1 and month == "2026-01":
                _logged_before(rows, plain, "REP-HOUSE", 1, rng)
                _logged_before(rows, plain, "REP-SYNC", 2, rng)
            if t == 1 and month == "2026-02":
                _logged_before(rows, plain, "REP-SYNC", 28, rng)
            if t == 1 and month == "2026-02":  # 3 patients: a "<5" of the top codes
                rec = dict(plain, entry_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)))
                rec.update(code="REC-REG", category="reconciliation", count=3)
                rows.append(rec)
            if t == 2 and month == "2026-03":
                _logged_before(rows, plain, "REP-ERD", 2, rng)
                for r in [r for r in rows if r["significance"] is not None][:2]:
                    r.update(significance=None, significance_scale=None)  # not graded
            gen.write_return(inst, month, rows, inbox / inst.gphc)
    assert all(r.outcome == "imported" for r in import_paths(st, [inbox], workers=1))
    yield st
    st.close()


# -- the attacker: every number the PDF prints that adds up with the two tables --------
CODE = r"[A-Z]{3}-[A-Z]+"


def _month(label):
    from datetime import datetime

    return datetime.strptime(label, "%b %Y").strftime("%Y-%m")


def _block(text, start, end):
    i = text.index(start)
    return text[i : text.index(end, i)]


def read_report(text, phases_of):
    """What a reader of the printed report knows about the activities (entries) counted:
    (known, hidden, ranges, sums, cells of the two tables and of the appendix).
    ``phases_of``: {phase: its months} (the lead's calendar, which a reader may know)."""
    known, hidden, ranges, sums = {}, {}, {}, []
    kpi = re.search(r"^\s*\S+\s+(\S+)\s+\S+\s+\S+\s*$\s*technician hours logged", text, re.M)
    _cell(known, hidden, "total", kpi.group(1))
    months = sorted(m for ms in phases_of.values() for m in ms)
    for m in months:
        hidden[("month", m)] = UNKNOWN  # a month's activities: printed nowhere, unless...
    sums.append(([("month", m) for m in months], "total"))
    # ... the appendix lists each return's entries: a month's add up to the month's.
    appendix = _block(text, "Appendix: the returns", "Returns not counted")
    returns = []
    if re.search(r"^\s*Technician\s+GPhC\s+Month\s+Version\s+Entries", appendix, re.M):
        for i, m in enumerate(re.finditer(r"^\s*.+?\s+\d{7}\s+(\d{4}-\d{2})\s+v\d+\s+(\S+)\s",
                                          appendix, re.M)):  # fmt: skip
            _cell(known, hidden, ("return", i), m.group(2))
            returns.append((("return", i), m.group(1)))
        _one_mark(hidden, [k for k, _ in returns])
        for month in months:
            sums.append(([k for k, mm in returns if mm == month], ("month", month)))
    # The phases' activities per 100 hours beside their hours: a phase's months' count.
    block = _block(text, "2. Baseline", "Within each sector")
    rows = _table_rows(block, ["Measure", "Technician hours logged", "Activities per 100 hours"])
    labels = [p.lower() for p in rows["Measure"]]
    cells = [("phase", p) for p in labels]
    read_rates(known, hidden, ranges, cells, rows["Technician hours logged"],
               rows["Activities per 100 hours"])  # fmt: skip
    for p in labels:
        sums.append(([("month", m) for m in phases_of[p]], ("phase", p)))
    # The mixed-taxonomy table: a month's versions add up to the month's activities.
    mixed = _block(text, "Mixed taxonomy versions\n", "Retired codes")
    mixed_cells = []
    for m in re.finditer(r"^\s*([A-Z][a-z]{2} \d{4})\s+(.+)$", mixed, re.M):
        month, parts = _month(m.group(1)), []
        for item in m.group(2).split(", "):
            version, tok = item.split(": ")
            _cell(known, hidden, ("taxonomy", month, version), tok)
            parts.append(("taxonomy", month, version))
        sums.append((parts, ("month", month)))
        mixed_cells += parts
    _one_mark(hidden, mixed_cells)
    # The most frequent activities; every code when fewer than the table's 15 are listed.
    top = _block(text, "Most frequent activities", "2. Baseline")
    codes = []
    for m in re.finditer(rf"^\s*({CODE})\s+.*?\s(\S+)\s+\S+\s+\S+\s*$", top, re.M):
        _cell(known, hidden, ("code", m.group(1)), m.group(2))
        codes.append(("code", m.group(1)))
    _one_mark(hidden, codes)
    if len(codes) < 15:
        sums.append((codes, "total"))
    # The retired codes: a replacement's old codes and its own entries add up to its count.
    rolled = _block(text, "Retired codes rolled up", "Appendix")
    rolled_cells, by_new = [], {}
    for m in re.finditer(rf"^\s*({CODE})\s+({CODE})\s+(\S+)\s*$", rolled, re.M):
        key = ("rolled", m.group(1), m.group(2))
        _cell(known, hidden, key, m.group(3))
        rolled_cells.append(key)
        by_new.setdefault(m.group(2), []).append(key)
    _one_mark(hidden, rolled_cells)
    for new, parts in by_new.items():
        hidden[("own", new)] = UNKNOWN  # entries logged under the replacement itself
        if ("code", new) not in known and ("code", new) not in hidden:
            hidden[("code", new)] = UNKNOWN
        sums.append(([*parts, ("own", new)], ("code", new)))
    tables = [*mixed_cells, *rolled_cells, *(k for k, _ in returns)]
    return known, hidden, ranges, sums, tables


def recovered(text, phases_of):
    """The counts of the two tables and the appendix a reader of the PDF has exactly:
    hidden ones the attacker pins and printed ones of 1 to 4."""
    known, hidden, ranges, sums, tables = read_report(text, phases_of)
    assert any(k[0] == "taxonomy" for k in hidden) and any(k[0] == "rolled" for k in hidden)
    pinned = attack(known, hidden, sums, ranges) & set(tables)
    return pinned | {k for k in tables if k in known and 1 <= known[k] <= 4}


PHASES = {"baseline": ["2026-01"], "pilot": ["2026-02", "2026-03"]}


@pytest.mark.parametrize("protected", [True, False])
def test_no_count_of_the_mixed_taxonomy_and_rolled_up_tables_can_be_recovered(
    quality_store, tmp_path, monkeypatch, protected
):
    """Before: the appendix's entries per return gave each month's total (so both "<5"
    of the mixed-taxonomy table), and REP-MGMT's 31 beside REP-SYNC's 30 gave REP-HOUSE's
    1. Now the appendix prints no entries and complementary cells are hidden."""
    from rxlog.central import report_pdf
    from rxlog.central.report_data import gather
    from rxlog.central.suppression import PRIMARY

    if not protected:  # primary suppression alone, as before
        monkeypatch.setattr(report_pdf, "quality_hidden", lambda data: {
            k: PRIMARY for k in [*[("taxonomy", m, v) for m, vs in data.mixed_taxonomy
                                   for v, n in vs.items() if 1 <= n <= 4],
                                 *[("rolled", *k) for k, n in data.rolled_up.items()
                                   if 1 <= n <= 4]]})  # fmt: skip
    data = gather(quality_store)
    assert data.rolled_up == {("REP-HOUSE", "REP-MGMT"): 1, ("REP-SYNC", "REP-MGMT"): 30}
    assert [(m, v["2026.1"]) for m, v in data.mixed_taxonomy] == [
        ("2026-01", 3), ("2026-02", 28), ("2026-03", 2)]  # fmt: skip
    out = report_pdf.write_report(data, report_pdf.ReportOptions(tmp_path / "r.pdf"))
    text = pdf_text(out, layout=True)
    if protected:
        assert recovered(text, PHASES) == set()
        from rxlog.central.report_json import report_dict

        doc = report_dict(data)  # the BI feed: exact by design, and says so
        assert doc["small_numbers"]["suppressed"] is False
        assert doc["interventions"]["graded"] == 39
        assert "; * of them were graded" in " ".join(text.split())  # the PDF hides it
    else:
        assert ("rolled", "REP-HOUSE", "REP-MGMT") in recovered(text, PHASES)


# -- significance x harm against the headline and the count graded ----------------------
def read_sig_harm(text):
    """The significance x harm table as printed, with the sums a reader knows: each row
    adds up to its "All", each column's rows to the "All" row; the headline (and the
    outcome table) print the corner, and section 3's sentence the count graded (the rows
    1 to 6). A "Not graded" row left out is a row of zeros."""
    known, hidden, sums = {}, {}, []
    block = _block(text, "Significance by harm", "Outcome of interventions")
    head = re.search(r"^\s*Significance \\ harm\s+(.+)$", block, re.M).group(1).split()
    harms = [h for h in head if re.fullmatch(r"[A-I]", h)]
    n_cols = len(harms) + 1  # and "No harm grade"
    rows = {}
    line = rf"^\s*([1-6]|Not graded|All)\s+((?:\S+\s+){{{n_cols}}}\S+)\s*$"
    for m in re.finditer(line, block, re.M):
        rows[m.group(1)] = m.group(2).split()
    levels = [*[str(i) for i in range(1, 7)], "Not graded"]
    assert set(rows) >= {"All", *levels[:6]}, rows
    for label in [*levels, "All"]:
        toks = rows.get(label, ["0"] * (n_cols + 1))
        for c, tok in enumerate(toks):
            _cell(known, hidden, (label, c), tok)
    for label in [*levels, "All"]:
        sums.append(([(label, c) for c in range(n_cols)], (label, n_cols)))
    for c in range(n_cols + 1):
        sums.append(([(lv, c) for lv in levels], ("All", c)))
    flat = " ".join(text.split())
    m = re.search(r"(\S+) clinical interventions were recorded; (\S+) of them were graded", flat)
    _cell(known, hidden, "headline", m.group(1))
    _cell(known, hidden, "graded", m.group(2))
    sums.append(([("All", n_cols)], "headline"))
    sums.append(([(lv, n_cols) for lv in levels[:6]], "graded"))
    return known, hidden, sums


@pytest.mark.parametrize("protected", [True, False])
def test_no_hidden_significance_or_harm_count_follows_from_the_headline_or_the_count_graded(
    quality_store, tmp_path, monkeypatch, protected
):
    """The table's corner is the interventions headline, printed whatever the table
    hides, and the sentence above it prints how many were graded (the interventions less
    the "Not graded" row): neither may pin a hidden cell. Before, "39 of them were
    graded" beside 41 gave the "Not graded" row's "<5" away: 2."""
    from rxlog.central import report_pdf
    from rxlog.central.report_data import gather

    if not protected:
        monkeypatch.setattr(report_pdf, "graded_state", lambda data: None)

    data = gather(quality_store)
    out = report_pdf.write_report(data, report_pdf.ReportOptions(tmp_path / "r.pdf"))
    assert sum(n for (sig, _), n in data.sig_by_harm.items() if sig is None) == 2
    known, hidden, sums = read_sig_harm(pdf_text(out, layout=True))
    n_cols = max(k[1] for k in [*known, *hidden] if k[0] == "All")
    assert ("Not graded", n_cols) in hidden  # the 2 (a "<5"), and so the count graded
    # A "*" pinned is a 0 (or 5 and over) a reader may know; a "<5" pinned is a leak.
    pinned = attack(known, hidden, sums)
    if protected:
        assert not {k for k in pinned if hidden[k] == PRIMARY}, pinned
    else:
        assert ("Not graded", n_cols) in pinned


@pytest.mark.parametrize("protected", [True, False])
def test_the_share_accepted_in_the_key_findings_gives_no_hidden_outcome_away(
    quality_store, tmp_path, monkeypatch, protected
):
    """The outcome table hides the accepted count (so that no "<5" beside it can be
    worked out): the key findings' "N% were accepted" would give it back (the share
    times the interventions), and with it the declined "<5", so it is left out there."""
    from rxlog.central import report_cells, report_pdf
    from rxlog.central.report_data import gather

    data = gather(quality_store)
    assert (0, 0) in report_cells.outcome_hidden(data)
    if not protected:  # the key findings as before: the share printed
        real = report_cells.outcome_hidden
        shown = lambda d: {k: v for k, v in real(d).items() if k != (0, 0)}  # noqa: E731
        monkeypatch.setattr(report_cells, "outcome_hidden", shown)
    out = report_pdf.write_report(data, report_pdf.ReportOptions(tmp_path / "r.pdf"))
    text = pdf_text(out, layout=True)
    known, hidden, ranges = {}, {}, {}
    block = _block(text, "Outcome of interventions", "4. Clinician")
    labels = ("Accepted", "Declined", "Pending", "Not recorded")
    for label in (*labels, "All interventions"):
        _cell(known, hidden, label, re.search(rf"^\s*{label}\s+(\S+)", block, re.M).group(1))
    flat = " ".join(text.split())
    share = re.search(r"(\d+)% were accepted", flat)
    if share:  # the counts the rounded share allows
        total = known["All interventions"]
        allowed = [a for a in range(total + 1) if f"{100 * a / total:.0f}" == share.group(1)]
        ranges["Accepted"] = (min(allowed), max(allowed))
    pinned = attack(known, hidden, [(list(labels), "All interventions")], ranges)
    if protected:
        assert not {k for k in pinned if hidden.get(k) == PRIMARY}, (pinned, share)
        assert not share
    else:
        assert share and "Declined" in pinned


# -- the most frequent activities' patients/items ---------------------------------------
def read_patients(text):
    """The top codes' patients/items with what a reader knows they add up to: the
    reconciliation codes (REC-) to the headline's patients reconciled, the codes QS120
    times (REC-DIS, REC-ADM) to the QS120 table's timed and not-recorded patients, every
    code (all listed) to the patients/items behind section 2's rates."""
    known, hidden, ranges, sums = {}, {}, {}, []
    kpi = re.search(r"^\s*\S+\s+\S+\s+(\S+)\s+\S+\s*$\s*technician hours logged", text, re.M)
    _cell(known, hidden, "reconciled", kpi.group(1))
    top = _block(text, "Most frequent activities", "2. Baseline")
    codes = []
    for m in re.finditer(rf"^\s*({CODE})\s+.*?\s\S+\s+(\S+)\s+\S+\s*$", top, re.M):
        _cell(known, hidden, ("code", m.group(1)), m.group(2))
        codes.append(("code", m.group(1)))
    _one_mark(hidden, codes)
    assert 0 < len(codes) < 15  # every code listed
    sums.append(([k for k in codes if k[1].startswith("REC-")], "reconciled"))
    qs = _block(text, "NICE QS120)", "6. Run charts")
    patients = []
    for m in re.finditer(r"^\s*(Primary|Secondary)\s+(?:7 days|24 hours)\s+(.+)$", qs, re.M):
        sector, toks = m.group(1), m.group(2).split()
        for key, tok in zip(("nr", "timed", "in"), toks[:3], strict=True):
            _cell(known, hidden, (sector, key), tok)
        bands = []
        for b, tok in enumerate(toks[4:]):
            _cell(known, hidden, (sector, "band", b), tok)
            bands.append((sector, "band", b))
        sums += [
            (bands, (sector, "timed")),
            (bands[: 2 if sector == "Primary" else 1], (sector, "in")),
        ]
        patients += [(sector, "nr"), (sector, "timed")]
    hidden["qs120 patients"] = UNKNOWN
    sums += [(patients, "qs120 patients"),
             ([("code", "REC-DIS"), ("code", "REC-ADM")], "qs120 patients")]  # fmt: skip
    block = _block(text, "2. Baseline", "Within each sector")
    label = "Patients/items per 100 hours"
    rows = _table_rows(block, ["Measure", "Technician hours logged", label])
    cells = [("phase", p.lower()) for p in rows["Measure"]]
    read_rates(known, hidden, ranges, cells, rows["Technician hours logged"], rows[label])
    hidden["patients/items"] = UNKNOWN
    sums += [(codes, "patients/items"), (cells, "patients/items")]
    return known, hidden, ranges, sums, codes


@pytest.mark.parametrize("protected", [True, False])
def test_no_patients_count_of_the_top_codes_follows_from_the_headline_or_qs120(
    quality_store, tmp_path, monkeypatch, protected
):
    """Before: REC-REG's "<5" patients were the headline's 30 patients reconciled less
    REC-DIS's and REC-ADM's, printed beside it."""
    from rxlog.central import report_pdf
    from rxlog.central.report_data import gather

    if not protected:  # primary suppression alone, as before
        from rxlog.central.report_cells import top_codes

        def primary(data):
            return {i: PRIMARY for i, (_, t) in enumerate(top_codes(data)[0]) if 1 <= t.count <= 4}

        monkeypatch.setattr(report_pdf, "top_count_states", primary)
    data = gather(quality_store)
    assert data.by_code["REC-REG"].count == 3
    out = report_pdf.write_report(data, report_pdf.ReportOptions(tmp_path / "r.pdf"))
    known, hidden, ranges, sums, codes = read_patients(pdf_text(out, layout=True))
    pinned = attack(known, hidden, sums, ranges)
    small = {k for k in codes if k in known and 1 <= known[k] <= 4}
    if protected:
        assert hidden[("code", "REC-REG")] == PRIMARY
        assert not (pinned & set(codes)) and not small, pinned
    else:
        assert ("code", "REC-REG") in pinned


# -- run-chart captions -----------------------------------------------------------------
@pytest.fixture
def few_store(tmp_path, central_url):  # noqa: F811
    """Two technicians, the calendar's baseline January with 1 intervention each, then a
    full pilot February."""
    from rxlog.central.importer import import_paths
    from rxlog.central.roster import calendar_set
    from rxlog.central.store import CentralStore
    from rxlog.central.trust import trust_key

    st = CentralStore.open(central_url)
    calendar_set(st, ("2026-01-01", "2026-01-31"), ("2026-02-01", "2026-02-28"))
    inbox = tmp_path / "inbox"
    for t in (1, 2):
        inst = gen.Installation.new(t)
        trust_key(st, inst.write_key(tmp_path / f"{t}.pem"), inst.name)
        for month, n in (("2026-01", 60), ("2026-02", 150)):
            rows = gen.make_rows(inst, month, 1, n, random.Random(f"few-{t}-{month}"), "pilot")
            if month == "2026-01":
                ints = [i for i, r in enumerate(rows) if r["outcome"] is not None]
                rows = [r for i, r in enumerate(rows) if i not in ints[1:]]
            gen.write_return(inst, month, rows, inbox / inst.gphc)
    assert all(r.outcome == "imported" for r in import_paths(st, [inbox], workers=1))
    yield st
    st.close()


def _caption(text, title):
    """The means printed under the monthly chart ``title``: {phase: mean}."""
    block = text[text.index("Monthly points") :]
    m = re.search(rf"^\s*{re.escape(title)}\s+\S{{0,2}}\s*$", block, re.M)
    rest = block[m.end() :]
    line = re.search(r"^\s*(baseline: .*|means and limits .*)$", rest, re.M).group(1)
    return {p: float(v.replace(",", "")) for p, v in re.findall(r"(\w+): mean ([-\d.,]+)", line)}


@pytest.mark.parametrize("protected", [True, False])
def test_the_run_charts_captions_give_no_hidden_phase_count_back(
    few_store, tmp_path, monkeypatch, protected
):
    """Section 2 hides the baseline's interventions per 100 hours (2 interventions); the
    interventions chart's caption printed "baseline: mean 2.0" (one point: the phase's
    total), and the rate chart's its rate (times the hours printed beside it)."""
    from rxlog.central import report_pdf
    from rxlog.central.report_data import gather

    if not protected:
        monkeypatch.setattr(report_pdf, "chart_numbers_shown", lambda data, key: True)
    data = gather(few_store)
    assert data.by_phase["baseline"].interventions == 2
    out = report_pdf.write_report(data, report_pdf.ReportOptions(tmp_path / "r.pdf"))
    text = pdf_text(out, layout=True)
    block = _block(text, "2. Baseline", "Within each sector")
    rows = _table_rows(block, ["Technician hours logged", "Interventions per 100 hours"])
    assert rows["Interventions per 100 hours"][0] == "*"
    count = _caption(text, "Clinical interventions")
    rate = _caption(text, "Clinical interventions per 100 hours logged")
    hours = float(rows["Technician hours logged"][0].replace(",", ""))
    if protected:
        assert count == {} and rate == {}
    else:
        assert count["baseline"] == 2.0
        assert round(rate["baseline"] * hours / 100) == 2
