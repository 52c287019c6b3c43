"""Tables of the technician's database.

Dates are stored as ISO ``YYYY-MM-DD`` text and times as ISO-8601 UTC text: they
sort correctly, compare cheaply in an index, and read the same in any SQLite tool.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Technician(Base):
    """The one technician who uses this installation."""

    __tablename__ = "technician"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    gphc: Mapped[str] = mapped_column(String(7))
    created_at: Mapped[str] = mapped_column(String(32))


class Installation(Base):
    """This installation (one PC's RxLog): a UUID made once and the name the technician
    gave it ("Gillingham practice PC"); both go on every return and in the key file."""

    __tablename__ = "installation"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[str] = mapped_column(String(32))


class Placement(Base):
    """A stretch of the rotation calendar: one site from one date to another."""

    __tablename__ = "placement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ods: Mapped[str] = mapped_column(String(6), index=True)
    site_kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(16))
    date_from: Mapped[str] = mapped_column(String(10))
    date_to: Mapped[str | None] = mapped_column(String(10), nullable=True)


class Phase(Base):
    """A project phase (baseline, pilot, ...) as a date range."""

    __tablename__ = "phase"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    date_from: Mapped[str] = mapped_column(String(10))
    date_to: Mapped[str | None] = mapped_column(String(10), nullable=True)


class Entry(Base):
    """One logged activity."""

    __tablename__ = "entry"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    date: Mapped[str] = mapped_column(String(10))
    site: Mapped[str] = mapped_column(String(6))
    sector: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(20))
    taxonomy_version: Mapped[str] = mapped_column(String(16))
    minutes: Mapped[int] = mapped_column(Integer)
    count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    significance: Mapped[int | None] = mapped_column(Integer, nullable=True)
    significance_scale: Mapped[str | None] = mapped_column(String(40), nullable=True)
    harm: Mapped[str | None] = mapped_column(String(1), nullable=True)
    harm_scale: Mapped[str | None] = mapped_column(String(40), nullable=True)
    released_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    discharge_received: Mapped[str | None] = mapped_column(String(10), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))
    # Schema 0007 (NICE QS120 in acute care): the admission date-time "YYYY-MM-DD HH:MM"
    # and the reconciliation's time of day "HH:MM"; NULL when not recorded.
    admitted: Mapped[str | None] = mapped_column(String(16), nullable=True)
    time: Mapped[str | None] = mapped_column(String(5), nullable=True)

    __table_args__ = (
        # Covers a month's totals by code without touching the table itself.
        Index("ix_entry_date_code", "date", "code", "minutes", "count"),
    )


class AuditRecord(Base):
    """One create/edit/delete, hash-chained to the record before it."""

    __tablename__ = "audit"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(32))
    os_user: Mapped[str] = mapped_column(String(100))
    technician: Mapped[str | None] = mapped_column(String(7), nullable=True)
    action: Mapped[str] = mapped_column(String(16))
    entry_id: Mapped[str] = mapped_column(String(36), index=True)
    before: Mapped[str | None] = mapped_column(Text, nullable=True)
    after: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # A note's salt and text for ``before``/``after`` (JSON), outside the hash: the
    # chain covers only the note's salted hash, so redaction can delete these.
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)


class MonthLock(Base):
    """A signed-off month: its entries are locked until it is reopened.

    ``version`` is the latest exported return's version; ``locked`` is 0 after a reopen.
    """

    __tablename__ = "month_lock"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    locked: Mapped[int] = mapped_column(Integer)
    locked_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reopened_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reopen_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class ReturnRecord(Base):
    """Each monthly return written: which version, superseding what, and why."""

    __tablename__ = "return_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_id: Mapped[str] = mapped_column(String(80))
    month: Mapped[str] = mapped_column(String(7), ForeignKey("month_lock.month"))
    version: Mapped[int] = mapped_column(Integer)
    supersedes: Mapped[str | None] = mapped_column(String(80), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    exported_at: Mapped[str] = mapped_column(String(32))
    out_dir: Mapped[str] = mapped_column(Text)
    manifest: Mapped[str] = mapped_column(Text)
    # SHA-256 of the month's entry rows the return was made from (every column), checked
    # again inside the transaction that locks the month.
    entries_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (UniqueConstraint("return_id", "version", name="uq_return_version"),)


class Setting(Base):
    """Installation settings (lead's e-mail address, backup counts, ...)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Absence(Base):
    """Days away from work (annual leave, sickness, training, other), from one date to
    another inclusive. Its note never leaves this PC, like an entry's."""

    __tablename__ = "absence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    date_from: Mapped[str] = mapped_column(String(10), index=True)
    date_to: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[str] = mapped_column(String(32))
