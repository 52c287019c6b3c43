"""The combined dataset: every current return's entries as CSV and XLSX, with the data
dictionary. A pure writer (no GUI), used by ``rxlog central export`` and the window.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from rxlog.central.dictionary import ENTRY_COLUMNS, RETURN_COLUMNS
from rxlog.central.models import ENTRIES, RETURNS
from rxlog.central.store import CentralStore
from rxlog.errors import StorageError, ValidationError
from rxlog.returnformat.csvfile import CSV_COLUMNS, DB_COLUMNS, escape, pounds
from rxlog.storage import durable

ENTRIES_CSV = "rxlog-central-entries.csv"
RETURNS_CSV = "rxlog-central-returns.csv"
DICTIONARY_CSV = "data-dictionary.csv"
WORKBOOK = "rxlog-central.xlsx"
MEASURES_CSV = "rxlog-central-measures.csv"
MEASURE_DEFS_CSV = "rxlog-central-measure-definitions.csv"
MEASURE_COLUMNS = (
    "period_type",
    "period_start",
    "organisation_code",
    "organisation_name",
    "measure_code",
    "measure_name",
    "value",
)
MEASURE_DEF_COLUMNS = (
    "measure_code",
    "measure_name",
    "unit",
    "period_type",
    "improvement_direction",
    "target",
)
EXCEL_MAX_ROWS = 1_048_576  # per sheet, header included
_COST = CSV_COLUMNS.index("cost_avoided")
_NUMBERS = {"version", "minutes", "count", "significance", "released_minutes", "qs120_days",
            "qs120_minutes"}  # fmt: skip
_TEXT = {c for c in CSV_COLUMNS if c not in _NUMBERS | {"cost_avoided"}}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ExportOptions:
    out_dir: Path
    xlsx: bool = True
    start: str | None = None  # YYYY-MM
    end: str | None = None


@dataclass
class ExportResult:
    files: list[Path] = field(default_factory=list)
    entries: int = 0
    returns: int = 0


def _entry_rows(store: CentralStore, opts: ExportOptions) -> Iterator[tuple[Any, ...]]:
    cols = [ENTRIES.c[c] for c in DB_COLUMNS]
    q = (
        select(*cols)
        .select_from(ENTRIES.join(RETURNS, RETURNS.c.id == ENTRIES.c.return_pk))
        .order_by(RETURNS.c.month, RETURNS.c.gphc, ENTRIES.c.date, ENTRIES.c.id)
    )
    if opts.start:
        q = q.where(RETURNS.c.month >= opts.start)
    if opts.end:
        q = q.where(RETURNS.c.month <= opts.end)
    with store.read() as conn:
        for row in conn.execution_options(yield_per=5000).execute(q):
            out = list(row)
            out[_COST] = pounds(out[_COST]) if out[_COST] is not None else None
            yield tuple(out)


def _return_rows(store: CentralStore, opts: ExportOptions) -> list[tuple[Any, ...]]:
    q = select(*[RETURNS.c[c] for c in RETURN_COLUMNS]).where(RETURNS.c.state == "current")
    if opts.start:
        q = q.where(RETURNS.c.month >= opts.start)
    if opts.end:
        q = q.where(RETURNS.c.month <= opts.end)
    with store.read() as conn:
        rows = conn.execute(q.order_by(RETURNS.c.month, RETURNS.c.gphc)).all()
    out = []
    for r in rows:
        d = r._asdict()
        d["taxonomy_versions"] = ", ".join(json.loads(d["taxonomy_versions"] or "[]"))
        out.append(tuple(d.values()))
    return out


def _cell(value: Any, text: bool) -> Any:
    if value is None:
        return ""
    return escape(value) if text and isinstance(value, str) else value


class _TempFiles:
    """Files written under temporary names in the target folder, renamed in at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.pending: list[tuple[Path, Path]] = []

    def path(self, name: str) -> tuple[Path, Path]:
        """A private temporary file for ``name`` (the writer opens it by path, so the
        file keeps its private mode)."""
        final = self.folder / name
        tmp = durable.create_temp(final, tmp=self.folder / f".{name}.{os.getpid()}.part")
        self.pending.append((tmp, final))
        return tmp, final

    def commit(self) -> list[Path]:
        # Every file synced before the first is renamed: a failure leaves the old set.
        for tmp, _ in self.pending:
            durable.fsync_file(tmp)
        for tmp, final in self.pending:
            durable.place(tmp, final, sync=False)
        return [final for _, final in self.pending]

    def discard(self) -> None:
        for tmp, _ in self.pending:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _write_csv(path: Path, header: list[str], rows: Any, text_cols: set[str]) -> int:
    flags = [h in text_cols for h in header]
    n = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(header)
        for row in rows:
            w.writerow([_cell(v, t) for v, t in zip(row, flags, strict=True)])
            n += 1
    return n


def export_dataset(
    store: CentralStore, opts: ExportOptions, progress: Progress | None = None
) -> ExportResult:
    """Write the entries CSV, returns CSV, data dictionary and (unless off) the XLSX."""
    for value, name in ((opts.start, "from"), (opts.end, "to")):
        if value is not None:
            from rxlog.dates import parse_month

            parse_month(value, name)
    out = Path(opts.out_dir)
    if out.exists() and not out.is_dir():
        raise ValidationError(f"{out} is a file, not a folder", field="out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create {out}: {exc.strerror}") from None
    temp = _TempFiles(out)
    result = ExportResult()
    try:
        returns = _return_rows(store, opts)
        result.returns = len(returns)
        expected = sum(r[list(RETURN_COLUMNS).index("rows")] for r in returns)

        def counted(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
            for i, row in enumerate(rows, 1):
                if progress is not None and i % 20000 == 0:
                    progress(i, expected)
                yield row

        tmp, _ = temp.path(ENTRIES_CSV)
        result.entries = _write_csv(
            tmp, list(CSV_COLUMNS), counted(_entry_rows(store, opts)), _TEXT
        )
        tmp, _ = temp.path(RETURNS_CSV)
        _write_csv(tmp, list(RETURN_COLUMNS), returns, set(RETURN_COLUMNS) - {"version", "rows"})
        from rxlog.central.report_data import measure_rows

        measures = measure_rows(store, opts.start, opts.end)
        tmp, _ = temp.path(MEASURES_CSV)
        _write_csv(tmp, list(MEASURE_COLUMNS), measures, {"organisation_name", "measure_name"})
        tmp, _ = temp.path(MEASURE_DEFS_CSV)
        _write_csv(tmp, list(MEASURE_DEF_COLUMNS), _measure_defs(), {"measure_name", "unit"})
        tmp, _ = temp.path(DICTIONARY_CSV)
        _write_csv(tmp, ["table", "column", "meaning"], _dictionary_rows(), {"meaning"})
        if opts.xlsx:
            tmp, _ = temp.path(WORKBOOK)
            _write_xlsx(tmp, store, opts, returns, progress, expected, measures)
        if progress is not None:
            progress(expected, expected)
        result.files = temp.commit()
    except OSError as exc:
        temp.discard()
        raise StorageError(f"cannot write the export in {out}: {exc.strerror or exc}") from None
    except BaseException:
        temp.discard()
        raise
    return result


def _measure_defs() -> list[tuple[Any, ...]]:
    from rxlog.central.report_data import MEASURES, PERIODS

    return [
        (f"{code}_{suffix}", title, unit, period, direction, target)
        for period, suffix in PERIODS
        for code, title, unit, direction, target in MEASURES
    ]


def _dictionary_rows() -> list[tuple[str, str, str]]:
    rows = [("entries", c, m) for c, m in ENTRY_COLUMNS.items()]
    rows += [("returns", c, m) for c, m in RETURN_COLUMNS.items()]
    return rows


def _write_xlsx(
    path: Path,
    store: CentralStore,
    opts: ExportOptions,
    returns: list[tuple[Any, ...]],
    progress: Progress | None,
    expected: int,
    measures: list[tuple[Any, ...]],
) -> None:
    from datetime import date

    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    def header(ws: Any, names: list[str]) -> None:
        from openpyxl.cell import WriteOnlyCell

        cells = []
        for n in names:
            c = WriteOnlyCell(ws, value=n)
            c.font = bold
            cells.append(c)
        ws.append(cells)
        ws.freeze_panes = "A2"

    from openpyxl.cell import WriteOnlyCell

    flags = [c in _TEXT for c in CSV_COLUMNS]
    date_col = CSV_COLUMNS.index("date")

    def typed(ws: Any, i: int, v: Any, text: bool) -> Any:
        """Money as a number in pounds (2 decimals shown), dates as dates, text escaped."""
        if v is None:
            return None
        if i == _COST:
            c = WriteOnlyCell(ws, value=float(Decimal(v)))
            c.number_format = "0.00"
            return c
        if i == date_col:
            c = WriteOnlyCell(ws, value=date.fromisoformat(v))
            c.number_format = "yyyy-mm-dd"
            return c
        return escape(v) if text else v

    sheet_no, in_sheet, ws = 1, 0, None
    for i, row in enumerate(_entry_rows(store, opts), 1):
        if ws is None or in_sheet >= EXCEL_MAX_ROWS - 1:
            ws = wb.create_sheet("Entries" if sheet_no == 1 else f"Entries {sheet_no}")
            header(ws, list(CSV_COLUMNS))
            sheet_no, in_sheet = sheet_no + 1, 0
        ws.append([typed(ws, j, v, t) for j, (v, t) in enumerate(zip(row, flags, strict=True))])
        in_sheet += 1
        if progress is not None and i % 20000 == 0:
            progress(i, expected)
    if ws is None:
        ws = wb.create_sheet("Entries")
        header(ws, list(CSV_COLUMNS))
    ws = wb.create_sheet("Returns")
    header(ws, list(RETURN_COLUMNS))
    for r in returns:
        ws.append([escape(v) if isinstance(v, str) else v for v in r])
    ws = wb.create_sheet("Measures")
    header(ws, list(MEASURE_COLUMNS))
    for m in measures:
        c = WriteOnlyCell(ws, value=date.fromisoformat(m[1]))
        c.number_format = "yyyy-mm-dd"
        ws.append([m[0], c, escape(m[2]), escape(m[3]), m[4], escape(m[5]), m[6]])
    ws = wb.create_sheet("Measure definitions")
    header(ws, list(MEASURE_DEF_COLUMNS))
    for d in _measure_defs():
        ws.append(list(d))
    ws = wb.create_sheet("Data dictionary")
    header(ws, ["table", "column", "meaning"])
    for r in _dictionary_rows():
        ws.append(list(r))
    wb.save(path)
