"""Secondary suppression: an attacker who knows every printed number, every printed
total, that a "<5" is 1 to 4 and that a "*" is 0 or 5 and over, tries to recover each
hidden cell (by linear algebra over all the printed sums, and by bounds) and fails."""

from __future__ import annotations

import random

import numpy as np
import pytest

from rxlog.central.suppression import PRIMARY, SECONDARY, extend, protect


def recovered(grid, hidden):
    """The hidden cells an attacker can pin to one value."""
    cells = sorted(hidden)
    index = {c: i for i, c in enumerate(cells)}
    n_rows, n_cols = len(grid), len(grid[0])
    inner_r, inner_c = n_rows - 1, n_cols - 1
    # Sums the reader knows: each row of the extended grid (inner cells = row total) and
    # each column (inner rows = column total).
    equations = []
    for r in range(n_rows):
        equations.append(([(r, c) for c in range(inner_c)], (r, inner_c)))
    for c in range(n_cols):
        equations.append(([(r, c) for r in range(inner_r)], (inner_r, c)))
    rows, rhs = [], []
    for parts, total in equations:
        coef = np.zeros(len(cells))
        b = 0.0
        for cell, sign in [(p, 1.0) for p in parts] + [(total, -1.0)]:
            if cell in index:
                coef[index[cell]] += sign
            else:
                b -= sign * grid[cell[0]][cell[1]]
        if coef.any():
            rows.append(coef)
            rhs.append(b)
    found = set()
    a = np.array(rows) if rows else np.zeros((0, len(cells)))
    rank = np.linalg.matrix_rank(a) if len(rows) else 0
    for cell in cells:
        e = np.zeros(len(cells))
        e[index[cell]] = 1
        if len(rows) and np.linalg.matrix_rank(np.vstack([a, e])) == rank:
            found.add(cell)  # a linear combination of printed sums gives it exactly
    # Bounds: "<5" in [1, 4]; "*" in {0} or [5, big]; tighten line by line.
    big = sum(sum(r) for r in grid) + 1
    lo = {c: (1 if hidden[c] == PRIMARY else 0) for c in cells}
    hi = {c: (4 if hidden[c] == PRIMARY else big) for c in cells}
    for _ in range(50):
        for parts, total in equations:
            line = [*parts, total]
            unknown = [c for c in line if c in index]
            if not unknown:
                continue
            for c in unknown:
                # total - sum(parts) == 0  =>  solve for c given the others' bounds.
                sign = -1 if c == total else 1
                others_lo = others_hi = 0.0
                for d in line:
                    s = -1 if d == total else 1
                    if d == c:
                        continue
                    if d in index:
                        others_lo += s * (lo[d] if s > 0 else hi[d])
                        others_hi += s * (hi[d] if s > 0 else lo[d])
                    else:
                        v = grid[d[0]][d[1]] * s
                        others_lo += v
                        others_hi += v
                # sign * c + others == 0
                lo_c, hi_c = sorted((-others_hi * sign, -others_lo * sign))
                lo[c], hi[c] = max(lo[c], lo_c), min(hi[c], hi_c)
                if hidden[c] == SECONDARY and 0 < lo[c] < 5:
                    lo[c] = 5
                if hidden[c] == SECONDARY and hi[c] < 5:
                    hi[c] = 0
    found |= {c for c in cells if lo[c] == hi[c]}
    return found


def test_primary_suppression_alone_is_undone_by_subtraction():
    # The report's significance x harm table before this fix: one <5 in a row with a total.
    grid = extend([[15, 23, 3], [71, 92, 31], [2, 95, 30]])
    hidden = {c: PRIMARY for c in [(0, 2), (2, 0)]}
    assert recovered(grid, hidden) == {(0, 2), (2, 0)}  # the attacker works


def test_complementary_suppression_leaves_nothing_recoverable_in_the_report_table():
    # Significance (rows) x harm (columns), with its margins, as in the fixture's report.
    inner = [
        [2, 1, 0, 3, 0, 0],
        [15, 23, 12, 11, 5, 0],
        [71, 92, 31, 25, 14, 0],
        [149, 227, 70, 67, 11, 0],
        [75, 95, 30, 37, 8, 0],
        [19, 27, 19, 8, 2, 0],
        [0, 0, 0, 0, 0, 6],
    ]
    grid = extend(inner)
    hidden = protect(grid)
    assert {c for c, s in hidden.items() if s == PRIMARY} == {
        (0, 0), (0, 1), (0, 3), (5, 4)
    }  # fmt: skip
    assert any(s == SECONDARY for s in hidden.values())
    assert recovered(grid, hidden) == set()


@pytest.mark.parametrize("seed", range(200))
def test_random_tables_keep_every_small_number_hidden(seed):
    rng = random.Random(seed)
    n_rows, n_cols = rng.randint(1, 7), rng.randint(1, 6)
    inner = [
        [rng.choice((0, 0, 1, 2, 3, 4, 5, 6, 9, 14, 30, 120)) for _ in range(n_cols)]
        for _ in range(n_rows)
    ]
    grid = extend(inner)
    hidden = protect(grid)
    small = {(r, c) for r, row in enumerate(grid) for c, v in enumerate(row) if 1 <= v <= 4}
    assert small <= set(hidden)
    assert not (recovered(grid, hidden) & small), (inner, hidden)


@pytest.mark.parametrize(
    "column", [[3, 40, 120, 7], [1, 2, 90], [4], [0, 3, 0, 55], [12, 2, 6, 6, 30]]
)
def test_a_column_with_a_printed_total_keeps_its_small_numbers(column):
    # One column per site and its total (the headline figure): the site table's case.
    grid = extend([[v] for v in column])
    hidden = protect(grid)
    small = {(r, c) for r, row in enumerate(grid) for c, v in enumerate(row) if 1 <= v <= 4}
    assert small <= set(hidden)
    assert not (recovered(grid, hidden) & small), hidden


def _site_data(column):
    """Report data with only what the site table reads: one site per count, most hours
    first in the order given."""
    from types import SimpleNamespace

    sites = {}
    for i, n in enumerate(column):
        tot = SimpleNamespace(minutes=1000 - i, entries=n, interventions=n)
        sites[(f"S{i}", "gp_practice", "primary")] = tot
    return SimpleNamespace(by_site=sites)


def _splits_a_reader_allows(shown, total_shown):
    """Every column of counts that prints as ``shown`` beside the headline total as it
    is printed, worked out by brute force from the marks alone (independent of RxLog's
    solver): "<5" is 1-4; "*" is 0 or 5 and over where the column also prints a "<5",
    else (one mark for all) 0 or more."""
    import itertools

    top = 40
    one_mark = "<5" not in shown
    ranges = []
    for text in shown:
        if text == "<5":
            ranges.append(range(1, 5))
        elif text == "*":
            ranges.append(range(0, top) if one_mark else [0, *range(5, top)])
        else:
            ranges.append([int(text.replace(",", ""))])
    totals = range(1, 5) if total_shown == "<5" else [int(total_shown.replace(",", ""))]
    return [c for c in itertools.product(*ranges) if sum(c) in totals]


@pytest.mark.parametrize("seed", range(6))
def test_the_site_column_beside_its_printed_headline_total_gives_no_small_count_away(seed):
    """The headline prints the column's total whatever the site table hides, so a small
    site count must not be one of a single split the marks and that total allow (two
    sites of 1 and 5 beside a total of 6 was: "<5" + "*" = 6 left only 1 + 5)."""
    from rxlog.central.report_cells import site_column
    from rxlog.central.report_pdf import sup

    rng = random.Random(seed)
    columns = [[1, 5], [5, 1], [2, 2, 9], [1, 0, 5]]
    columns += [[rng.choice([0, 1, 2, 3, 4, 5, 6, 9]) for _ in range(rng.randint(1, 3))]
                for _ in range(30)]  # fmt: skip
    for column in columns:
        _, shown = site_column(_site_data(column), "interventions")
        splits = _splits_a_reader_allows(shown, sup(sum(column)))
        assert tuple(column) in splits, (column, shown)
        for i, n in enumerate(column):
            if 1 <= n <= 4 and len(column) > 1:
                assert shown[i] in ("<5", "*"), (column, shown)
                assert len({s[i] for s in splits}) > 1, (column, shown)


@pytest.mark.parametrize("column", [[9, 2], [40, 1, 7], [6, 3, 0, 12]])
def test_the_top_codes_table_listing_every_code_keeps_its_small_counts(column):
    """With every code listed, the activities column adds up to the headline total: a
    lone "<5" would be the headline less the rest, so the column is protected like the
    site table's (the same brute-force reader of every split the marks allow)."""
    from types import SimpleNamespace

    from rxlog.central import report_pdf
    from rxlog.central.report_data import ReportData, Totals

    data = ReportData(None, None, ["2026-01"], "2026-12-01 12:00 UTC", "test")
    for i, n in enumerate(column):
        vals = (n, 1000 - i, 0, 0, 0, 0)
        for t in (data.total, data.by_code.setdefault(f"C{i}", Totals()),
                  data.by_site.setdefault(("G82001", "gp_practice", "primary"), Totals()),
                  data.by_phase.setdefault("pilot", Totals()),
                  data.by_sector_phase.setdefault(("primary", "pilot"), Totals())):  # fmt: skip
            t.add(*vals)
    r = SimpleNamespace(
        data=data, p=lambda text, style: text, table=lambda rows, widths, numeric_from: rows
    )
    shown = [row[2] for row in report_pdf._top_codes_table(r)[1:]]
    splits = _splits_a_reader_allows(shown, report_pdf.sup(sum(column)))
    for i, n in enumerate(column):
        if 1 <= n <= 4:
            assert len({s[i] for s in splits}) > 1, (column, shown)
