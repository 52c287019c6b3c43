"""Tables of the central store (the project lead's database).

``central_entry`` holds one row per entry of the *current* version of each return;
when a newer version arrives its predecessor's rows are deleted in the same
transaction, so nothing is ever counted twice. ``central_summary`` is a rollup of
those rows per return (maintained in the same transaction, by SQL ``GROUP BY``), so the
report reads thousands of rows instead of millions.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class CentralBase(DeclarativeBase):
    pass


class TrustedKey(CentralBase):
    """An installation's Ed25519 public key the lead accepts returns from."""

    __tablename__ = "central_key"

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    gphc: Mapped[str | None] = mapped_column(String(7), nullable=True)
    public_key: Mapped[str] = mapped_column(String(64))  # base64 of the 32 raw bytes
    certificate: Mapped[str | None] = mapped_column(Text, nullable=True)  # PEM (PDF signer)
    added_at: Mapped[str] = mapped_column(String(32))
    revoked_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    revoke_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    technician: Mapped[str | None] = mapped_column(String(200), nullable=True)  # from the file
    installation: Mapped[str | None] = mapped_column(String(64), nullable=True)  # issue 12


class CentralReturn(CentralBase):
    """One imported return version; ``state`` is ``current`` or ``superseded``."""

    __tablename__ = "central_return"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_id: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12))
    gphc: Mapped[str] = mapped_column(String(7))
    technician: Mapped[str] = mapped_column(String(200))
    month: Mapped[str] = mapped_column(String(7))
    main_site: Mapped[str] = mapped_column(String(6))
    sector: Mapped[str] = mapped_column(String(16))
    sites: Mapped[str] = mapped_column(Text)  # JSON list from the manifest
    taxonomy_versions: Mapped[str] = mapped_column(Text)  # JSON list
    unit_cost_version: Mapped[str | None] = mapped_column(String(80), nullable=True)
    supersedes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    supersedes_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    exported_at: Mapped[str] = mapped_column(String(40))
    imported_at: Mapped[str] = mapped_column(String(32))
    superseded_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    key_fingerprint: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    totals: Mapped[str] = mapped_column(Text)  # JSON object from the manifest
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    manifest: Mapped[str] = mapped_column(Text)  # the signed manifest file, as received
    source: Mapped[str] = mapped_column(Text)
    # The installation it came from (None: a return from before installations).
    installation_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    installation_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    nil: Mapped[int] = mapped_column(Integer, server_default=text("0"))  # "nothing this month"
    # c0008: the CRC-32 of each entry id the return brought, 4 bytes each (little-endian):
    # the duplicate lookup probes only ids whose CRC another return of the technician
    # holds. A superset of the ids of its stored rows; None: not known (probe every id).
    entry_keys: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    __table_args__ = (
        UniqueConstraint("return_id", "version", name="uq_central_return_version"),
        Index("ix_central_return_gphc_month", "gphc", "month"),
        # One current version per return, even with two importers at once (shared server).
        Index(
            "uq_central_return_current",
            "return_id",
            unique=True,
            sqlite_where=text("state = 'current'"),
            postgresql_where=text("state = 'current'"),
        ),
    )


class CentralEntry(CentralBase):
    """One entry of a current return, with the return CSV's columns."""

    __tablename__ = "central_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_pk: Mapped[int] = mapped_column(Integer, ForeignKey("central_return.id"))
    return_id: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    entry_id: Mapped[str] = mapped_column(String(36))
    gphc: Mapped[str] = mapped_column(String(7))
    site: Mapped[str] = mapped_column(String(6))
    site_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    site_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    sector: Mapped[str] = mapped_column(String(16))
    phase: Mapped[str | None] = mapped_column(String(40), nullable=True)
    date: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    category: Mapped[str | None] = mapped_column(String(40), nullable=True)
    taxonomy_version: Mapped[str] = mapped_column(String(16))
    minutes: Mapped[int] = mapped_column(Integer)
    count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    count_unit: Mapped[str | None] = mapped_column(String(16), nullable=True)
    significance: Mapped[int | None] = mapped_column(Integer, nullable=True)
    significance_scale: Mapped[str | None] = mapped_column(String(40), nullable=True)
    harm: Mapped[str | None] = mapped_column(String(1), nullable=True)
    harm_scale: Mapped[str | None] = mapped_column(String(40), nullable=True)
    released_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    cost_avoided_pence: Mapped[int | None] = mapped_column(Integer, nullable=True)
    unit_cost_version: Mapped[str | None] = mapped_column(String(80), nullable=True)
    qs120_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # c0005: minutes from admission to an admission reconciliation (NULL: not recorded)
    qs120_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (
        Index("ix_central_entry_return", "return_pk"),
        Index("ix_central_entry_gphc_entry", "gphc", "entry_id"),
    )


class CentralDuplicate(CentralBase):
    """An entry a return carried that another current return of the same technician
    (another installation's) already holds: counted once, there, and reported here."""

    __tablename__ = "central_duplicate"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_pk: Mapped[int] = mapped_column(Integer, ForeignKey("central_return.id"))
    entry_id: Mapped[str] = mapped_column(String(36))
    counted_in: Mapped[str] = mapped_column(String(40))  # the return id that counts it

    __table_args__ = (Index("ix_central_duplicate_return", "return_pk"),)


class CentralSummary(CentralBase):
    """Entries of one current return summed by everything the report breaks down by."""

    __tablename__ = "central_summary"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_pk: Mapped[int] = mapped_column(Integer, ForeignKey("central_return.id"))
    month: Mapped[str] = mapped_column(String(7))
    gphc: Mapped[str] = mapped_column(String(7))
    site: Mapped[str] = mapped_column(String(6))
    site_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    sector: Mapped[str] = mapped_column(String(16))
    phase: Mapped[str | None] = mapped_column(String(40), nullable=True)
    code: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(40), nullable=True)
    taxonomy_version: Mapped[str] = mapped_column(String(16))
    significance: Mapped[int | None] = mapped_column(Integer, nullable=True)
    harm: Mapped[str | None] = mapped_column(String(1), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    unit_cost_version: Mapped[str | None] = mapped_column(String(80), nullable=True)
    qs120_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    entries: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    released_minutes: Mapped[int] = mapped_column(Integer)
    cost_avoided_pence: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_central_summary_return", "return_pk"),
        Index("ix_central_summary_month", "month"),
    )


class ImportEvent(CentralBase):
    """What each import changed: a return imported, or an older version replaced."""

    __tablename__ = "central_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))  # imported | replaced | withdrawn
    return_id: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    replaced_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    key_fingerprint: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)


class Withdrawal(CentralBase):
    """A return withdrawn because the key that signed it was revoked as compromised
    (``central revoke --withdraw-from``): its rows left the store; this record stays."""

    __tablename__ = "central_withdrawal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[str] = mapped_column(String(32))
    return_id: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    gphc: Mapped[str] = mapped_column(String(7))
    technician: Mapped[str] = mapped_column(String(200))
    month: Mapped[str] = mapped_column(String(7))
    state_before: Mapped[str] = mapped_column(String(12))
    key_fingerprint: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    manifest: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_central_withdrawal_return", "return_id"),)


class RosterEntry(CentralBase):
    """A technician the lead expects returns from, from ``start`` to ``end`` (inclusive)."""

    __tablename__ = "central_roster"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gphc: Mapped[str] = mapped_column(String(7))
    name: Mapped[str] = mapped_column(String(200))
    start: Mapped[str] = mapped_column(String(10))
    end: Mapped[str | None] = mapped_column(String(10), nullable=True)
    added_at: Mapped[str] = mapped_column(String(32))

    __table_args__ = (Index("ix_central_roster_gphc", "gphc"),)


class CalendarPhase(CentralBase):
    """One phase of the pilot's own calendar (baseline, pilot), set by the lead."""

    __tablename__ = "central_calendar"

    phase: Mapped[str] = mapped_column(String(16), primary_key=True)
    start: Mapped[str] = mapped_column(String(10))
    end: Mapped[str] = mapped_column(String(10))
    set_at: Mapped[str] = mapped_column(String(32))


# The tables as Core ``Table`` objects, for the bulk statements (typed for mypy).
KEYS = cast(Table, TrustedKey.__table__)
RETURNS = cast(Table, CentralReturn.__table__)
ENTRIES = cast(Table, CentralEntry.__table__)
SUMMARY = cast(Table, CentralSummary.__table__)
EVENTS = cast(Table, ImportEvent.__table__)
DUPLICATES = cast(Table, CentralDuplicate.__table__)
WITHDRAWALS = cast(Table, Withdrawal.__table__)
ROSTER = cast(Table, RosterEntry.__table__)
CALENDAR = cast(Table, CalendarPhase.__table__)
