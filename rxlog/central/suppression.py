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

PRIMARY, SECONDARY = "primary", "secondary"
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
    """Hidden cells whose value the printed sums and the marks' ranges fix."""
    n_rows, n_cols = len(grid), len(grid[0])
    big = grid[-1][-1] + 1
    lo = {k: (1 if v == PRIMARY else 0) for k, v in hidden.items()}
    hi = {k: (SMALL_MAX if v == PRIMARY else big) for k, v in hidden.items()}
    # Each line: inner cells minus its margin cell sum to zero.
    lines = [([(r, c) for c in range(n_cols - 1)], (r, n_cols - 1)) for r in range(n_rows)]
    lines += [([(r, c) for r in range(n_rows - 1)], (n_rows - 1, c)) for c in range(n_cols)]
    for _ in range(30):
        changed = False
        for inner, total in lines:
            terms = [(k, 1) for k in inner] + [(total, -1)]
            for k, sign in terms:
                if k not in hidden:
                    continue
                rest_lo = rest_hi = 0
                for m, s in terms:
                    if m == k:
                        continue
                    if m in hidden:
                        rest_lo += s * (lo[m] if s > 0 else hi[m])
                        rest_hi += s * (hi[m] if s > 0 else lo[m])
                    else:
                        rest_lo += s * grid[m[0]][m[1]]
                        rest_hi += s * grid[m[0]][m[1]]
                # sign * k = -rest
                a, b = (-rest_hi, -rest_lo) if sign > 0 else (rest_lo, rest_hi)
                new_lo, new_hi = max(lo[k], a), min(hi[k], b)
                if hidden[k] == SECONDARY:
                    if 0 < new_lo < SMALL_MAX + 1:
                        new_lo = SMALL_MAX + 1
                    if new_hi < SMALL_MAX + 1:
                        new_hi = min(new_hi, 0)
                if (new_lo, new_hi) != (lo[k], hi[k]):
                    lo[k], hi[k] = new_lo, new_hi
                    changed = True
        if not changed:
            break
    return {k for k in hidden if lo[k] >= hi[k]}


def show(value: int, state: str | None) -> str:
    """How a (possibly hidden) count is printed."""
    if state == PRIMARY:
        return "<5"
    if state == SECONDARY:
        return "*"
    return f"{value:,}"
