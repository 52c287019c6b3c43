"""Small-number suppression that holds: primary and secondary (complementary) suppression.

A count of 1 to 4 is suppressed (shown ``<5``). On its own that can be undone by
subtraction: a row whose total is printed, with one cell hidden, gives the cell away.
So the table is taken with its margins (row totals as an extra column, column totals
as an extra row, the grand total in the corner): every row and every column of that
extended grid is a sum the reader knows. Wherever a line has exactly one hidden cell,
the smallest other cell of the line is hidden too (shown ``*``), preferring a non-zero
inner cell, and this repeats until no line has a single hidden cell. ``tests/
test_suppression.py`` then tries to recover every hidden cell, by linear algebra over
all the printed sums and by bounds, and must fail.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

PRIMARY, SECONDARY = "primary", "secondary"
# A cell printed with one mark whatever the reason it is hidden (a rate per 100 hours:
# "*" for its count's "<5" and "*" alike), so a reader knows only that it is 0 or more.
MASKED = "masked"
SMALL_MIN, SMALL_MAX = 1, 4


def extend(cells: list[list[int]]) -> list[list[int]]:
    """The grid with its row totals as a last column and column totals as a last row."""
    rows = [[*r, sum(r)] for r in cells]
    cols = len(rows[0]) if rows else 1
    return [*rows, [sum(r[c] for r in rows) for c in range(cols)]]


def protect(grid: list[list[int]]) -> dict[tuple[int, int], str]:
    """Which cells of an *extended* grid (see ``extend``; margins included) to hide:
    {(row, col): PRIMARY | SECONDARY}."""
    n_rows = len(grid)
    n_cols = len(grid[0]) if grid else 0
    hidden: dict[tuple[int, int], str] = {}
    for r in range(n_rows):
        for c in range(n_cols):
            if SMALL_MIN <= grid[r][c] <= SMALL_MAX:
                hidden[(r, c)] = PRIMARY
    if n_rows < 2 or n_cols < 2:
        return hidden

    def margin(cell: tuple[int, int]) -> bool:
        return cell[0] == n_rows - 1 or cell[1] == n_cols - 1

    def cost(cell: tuple[int, int]) -> float:
        if cell in hidden:
            return 0.0
        v = grid[cell[0]][cell[1]]
        # A "*" is known not to be 1-4: a partner under 6 (or a 0) can be pinned by bounds.
        return (1000.0 if v < 6 else 0.0) + (50.0 if margin(cell) else 0.0) + v

    def rectangle(r: int, c: int, fresh: bool) -> list[tuple[int, int]]:
        best: tuple[float, list[tuple[int, int]]] | None = None
        for r2 in range(n_rows):
            for c2 in range(n_cols):
                if r2 == r or c2 == c:
                    continue
                corners = [(r, c2), (r2, c), (r2, c2)]
                if fresh and all(k in hidden for k in corners):
                    continue
                total = sum(cost(k) for k in corners)
                if best is None or total < best[0]:
                    best = (total, corners)
        return best[1] if best is not None else []

    # Each primary cell is put on a rectangle of hidden cells (corners (r, c), (r, c2),
    # (r2, c), (r2, c2)): adding d at two opposite corners and taking it from the other
    # two leaves every printed sum unchanged, so no combination of sums gives it away.
    for r, c in sorted(k for k, v in hidden.items() if v == PRIMARY):
        for k in rectangle(r, c, fresh=False):
            hidden.setdefault(k, SECONDARY)
    # A reader also knows "<5" is 1-4 and "*" is 0 or 5+: where those bounds still pin a
    # hidden cell, hide a further rectangle through it, until none is pinned.
    for _ in range(4 * n_rows * n_cols):
        pinned = _pinned_by_bounds(grid, hidden)
        if not pinned:
            break
        for r, c in sorted(pinned):
            for k in rectangle(r, c, fresh=True):
                hidden.setdefault(k, SECONDARY)
    return hidden


def _pinned_by_bounds(
    grid: list[list[int]], hidden: dict[tuple[int, int], str]
) -> set[tuple[int, int]]:
    """Hidden cells whose value the printed sums and the marks' ranges fix: the grid's
    rows and columns as a system of sums (each line's inner cells add up to its margin)."""
    n_rows, n_cols = len(grid), len(grid[0])
    values = {(r, c): grid[r][c] for r in range(n_rows) for c in range(n_cols)}
    sums: Sums = [([(r, c) for c in range(n_cols - 1)], (r, n_cols - 1)) for r in range(n_rows)]
    sums += [([(r, c) for r in range(n_rows - 1)], (n_rows - 1, c)) for c in range(n_cols)]
    return _pinned_in_system(values, sums, hidden, (), big=grid[-1][-1] + 1)


def show(value: int, state: str | None) -> str:
    """How a (possibly hidden) count is printed."""
    if state == PRIMARY:
        return "<5"
    if state in (SECONDARY, MASKED):
        return "*"
    return f"{value:,}"


# -- any table whose printed sums are known: a system of equations -------------------
# A table whose sums are not simply its rows and columns (the QS120 bands and the
# "in time" count they add up to; the cost table's counts that add up, with the
# Eadon-1 interventions nobody sees per outcome, to the outcome table's) is a list of
# equations ``sum(parts) == total``. A cell is safe when no combination of the printed
# numbers fixes it, and no bound (``<5`` is 1-4, ``*`` is 0 or 5 and over, a count
# never printed is 0 or more) pins it either.
Sums = list[tuple[list[Any], Any]]


def protect_system(
    values: dict[Any, int],
    sums: Sums,
    choosable: set[Any],
    hidden: dict[Any, str] | None = None,
    unprinted: frozenset[Any] | set[Any] = frozenset(),
    mark: str | None = None,
) -> dict[Any, str]:
    """Which cells to hide: {cell: PRIMARY | SECONDARY}, or {cell: ``mark``} for the
    choosable cells when the table prints one mark for both (MASKED).

    ``values`` holds every cell of the equations ``sums``; ``choosable`` are the cells
    this table prints and may hide (the others are printed elsewhere, as ``hidden``
    says); ``unprinted`` cells are never printed (unknowns to a reader). Each choosable
    count of 1 to 4 is hidden; then, while any hidden cell can be worked out, the
    cheapest choosable printed cell of an equation through it is hidden too."""
    out = dict(hidden or {})
    for k in choosable:
        if SMALL_MIN <= values[k] <= SMALL_MAX:
            out[k] = mark or PRIMARY
    for _ in range(len(values) + 1):
        pinned = sorted(recoverable(values, sums, out, unprinted), key=repr)
        if not pinned:
            return out
        cell = _complement(values, sums, choosable, out, pinned[0], unprinted, mark or SECONDARY)
        if cell is None:
            break
        out[cell] = mark or SECONDARY
    # A "*" that is itself pinned (a 0 beside "<5"s only) protects nothing: shown again
    # where that pins nothing more.
    for k in sorted((k for k, v in out.items() if v == SECONDARY and k in choosable), key=repr):
        before = recoverable(values, sums, out, unprinted)
        if k in before:
            trial = {m: v for m, v in out.items() if m != k}
            if len(recoverable(values, sums, trial, unprinted)) < len(before):
                out = trial
    return out


def _complement(
    values: dict[Any, int],
    sums: Sums,
    choosable: set[Any],
    hidden: dict[Any, str],
    pinned: Any,
    unprinted: frozenset[Any] | set[Any],
    mark: str = SECONDARY,
) -> Any:
    """The printed choosable cell whose hiding leaves fewest cells pinned, from the
    equations through ``pinned`` (else any equation with a hidden cell); of equals, a
    large count before a small one or a zero."""
    free = [k for k in choosable if k not in hidden]
    near = {k for parts, total in sums if pinned in (*parts, total) for k in (*parts, total)}
    candidates = [k for k in free if k in near]
    if not candidates:
        touched = {k for parts, total in sums for k in (*parts, total)
                   if any(m in hidden for m in (*parts, total))}  # fmt: skip
        candidates = [k for k in free if k in touched] or free
    if not candidates:
        return None

    def left_pinned(k: Any) -> int:
        return len(recoverable(values, sums, {**hidden, k: mark}, unprinted))

    return min(candidates, key=lambda k: (left_pinned(k), values[k] < 6, values[k], repr(k)))


def recoverable(
    values: dict[Any, int],
    sums: Sums,
    hidden: dict[Any, str],
    unprinted: frozenset[Any] | set[Any] = frozenset(),
) -> set[Any]:
    """The hidden cells a reader of every printed number can pin to one value: by exact
    linear algebra over the equations (fractions, no rounding) and by bounds."""
    unknown = sorted({*hidden, *unprinted}, key=repr)
    index = {k: i for i, k in enumerate(unknown)}
    rows = []
    for parts, total in sums:
        coef = [Fraction(0)] * (len(unknown) + 1)
        for k, sign in [(p, 1) for p in parts] + [(total, -1)]:
            if k in index:
                coef[index[k]] += sign
            else:
                coef[-1] -= sign * values[k]
        if any(coef[:-1]):
            rows.append(coef)
    found = {unknown[i] for i in _determined(rows, len(unknown))}
    found |= _pinned_in_system(values, sums, hidden, unprinted)
    return {k for k in found if k in hidden}


def _determined(rows: list[list[Fraction]], n: int) -> set[int]:
    """Indices of the unknowns the linear system fixes (row-reduced echelon form: an
    unknown is fixed when its pivot row has no other unknown in it)."""
    m = [r[:] for r in rows]
    pivots: list[tuple[int, int]] = []
    r = 0
    for c in range(n):
        p = next((i for i in range(r, len(m)) if m[i][c] != 0), None)
        if p is None:
            continue
        m[r], m[p] = m[p], m[r]
        lead = m[r][c]
        m[r] = [v / lead for v in m[r]]
        for i in range(len(m)):
            if i != r and m[i][c] != 0:
                f = m[i][c]
                m[i] = [a - f * b for a, b in zip(m[i], m[r], strict=True)]
        pivots.append((r, c))
        r += 1
    return {c for row, c in pivots if all(m[row][j] == 0 for j in range(n) if j != c)}


def _pinned_in_system(
    values: dict[Any, int],
    sums: Sums,
    hidden: dict[Any, str],
    unprinted: Any,
    big: int | None = None,
) -> set[Any]:
    """Hidden (and unprinted) cells whose value the sums and the marks' ranges fix, by
    propagating each cell's bounds through every sum; ``big`` bounds a hidden count from
    above (default: more than all the values together)."""
    if big is None:
        big = sum(values.values()) + 1
    lo = {k: (1 if v == PRIMARY else 0) for k, v in hidden.items()}
    hi = {k: (SMALL_MAX if v == PRIMARY else big) for k, v in hidden.items()}
    for k in unprinted:
        lo[k], hi[k] = 0, big
    for _ in range(30):
        changed = False
        for parts, total in sums:
            terms = [(k, 1) for k in parts] + [(total, -1)]
            for k, sign in terms:
                if k not in lo:
                    continue
                rest_lo = rest_hi = 0
                for m, s in terms:
                    if m == k:
                        continue
                    if m in lo:
                        rest_lo += s * (lo[m] if s > 0 else hi[m])
                        rest_hi += s * (hi[m] if s > 0 else lo[m])
                    else:
                        rest_lo += s * values[m]
                        rest_hi += s * values[m]
                a, b = (-rest_hi, -rest_lo) if sign > 0 else (rest_lo, rest_hi)
                new_lo, new_hi = max(lo[k], a), min(hi[k], b)
                if hidden.get(k) == SECONDARY:
                    if 0 < new_lo < SMALL_MAX + 1:
                        new_lo = SMALL_MAX + 1
                    if new_hi < SMALL_MAX + 1:
                        new_hi = min(new_hi, 0)
                if (new_lo, new_hi) != (lo[k], hi[k]):
                    lo[k], hi[k] = new_lo, new_hi
                    changed = True
        if not changed:
            break
    return {k for k in lo if lo[k] >= hi[k]}
