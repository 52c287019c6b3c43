"""The technician's profile, rotation calendar (placements) and project phases.

Functions here take an open session; ``rxlog.service.RxLog`` owns the transactions.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from rxlog.clock import utc_now_iso
from rxlog.domain import InstallationView, PhaseView, PlacementView, TechnicianView
from rxlog.errors import ValidationError
from rxlog.identifiers import (
    check_outgoing,
    check_return_text,
    normalise_ods,
    ods_kind,
    validate_gphc,
)
from rxlog.storage.models import Installation, Phase, Placement, Technician
from rxlog.taxonomy import SECTORS

PHASE_NAMES = ("baseline", "pilot", "analysis")
MAX_NAME = 200  # a technician's or a site's name (both are printed in the return)
_FAR_FUTURE = date.max


def get_technician(session: Session) -> TechnicianView | None:
    row = session.execute(select(Technician).limit(1)).scalar_one_or_none()
    return TechnicianView(row.name, row.gphc) if row else None


def check_technician(name: str, gphc: str) -> tuple[str, str]:
    """The technician's name and GPhC number, checked and trimmed (nothing is stored)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("a name is required", field="name")
    if len(name) > MAX_NAME:
        raise ValidationError(f"the name is longer than {MAX_NAME} characters", field="name")
    check_return_text(name, "name", "the name")
    return name, validate_gphc(gphc)


def setup(session: Session, name: str, gphc: str) -> TechnicianView:
    name, gphc = check_technician(name, gphc)
    row = session.execute(select(Technician).limit(1)).scalar_one_or_none()
    if row is not None and row.gphc != gphc:
        raise ValidationError(
            f"this installation belongs to {row.name} (GPhC {row.gphc}); "
            "each technician needs their own data folder (--data-dir)",
            field="gphc",
        )
    if row is None:
        session.add(Technician(id=1, name=name, gphc=gphc, created_at=utc_now_iso()))
    else:
        row.name = name
    return TechnicianView(name, gphc)


DEFAULT_INSTALLATION_NAME = "RxLog PC"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def check_installation_name(name: str) -> str:
    """An installation's name, trimmed and checked: it is printed in every return and
    the key file, so it leaves the PC and passes the identifier filter."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError("the installation needs a name", field="installation-name")
    if len(name) > MAX_NAME:
        raise ValidationError(
            f"the installation name is longer than {MAX_NAME} characters",
            field="installation-name",
        )
    check_return_text(name, "installation-name", "the installation name")
    return name


def default_installation_name() -> str:
    """The PC's host name when it passes the identifier filter, else a plain default."""
    import socket

    try:
        return check_installation_name(socket.gethostname())
    except (ValidationError, OSError):
        return DEFAULT_INSTALLATION_NAME


def get_installation(session: Session, create: bool = True) -> InstallationView | None:
    """This installation; made (with a new UUID and the default name) the first time
    it is asked for, so a database from before installations gets one too."""
    row = session.execute(select(Installation).limit(1)).scalar_one_or_none()
    if row is None:
        if not create:
            return None
        import uuid

        row = Installation(
            id=str(uuid.uuid4()), name=default_installation_name(), created_at=utc_now_iso()
        )
        session.add(row)
        session.flush()
    if not _UUID.fullmatch(row.id):
        from rxlog.errors import StorageError

        raise StorageError(
            "the installation id stored in the database is not a UUID RxLog made "
            "(the database was changed outside RxLog); restore a backup"
        )
    return InstallationView(row.id, row.name)


def name_installation(session: Session, name: str) -> InstallationView:
    name = check_installation_name(name)
    get_installation(session)
    row = session.execute(select(Installation).limit(1)).scalar_one()
    row.name = name
    session.flush()
    return InstallationView(row.id, row.name)


def placement_view(p: Placement) -> PlacementView:
    return PlacementView(
        id=p.id,
        ods=p.ods,
        site_kind=p.site_kind,
        name=p.name,
        sector=p.sector,
        date_from=date.fromisoformat(p.date_from),
        date_to=date.fromisoformat(p.date_to) if p.date_to else None,
    )


def list_placements(session: Session) -> list[PlacementView]:
    rows = session.execute(select(Placement).order_by(Placement.date_from)).scalars()
    return [placement_view(p) for p in rows]


def _overlaps(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    return a_from <= (b_to or _FAR_FUTURE) and b_from <= (a_to or _FAR_FUTURE)


def check_placement(
    session: Session,
    ods: str,
    name: str,
    sector: str,
    date_from: date,
    date_to: date | None,
    exclude_id: int | None = None,
) -> tuple[str, str, str]:
    """A placement's site kind, ODS code and name, checked against the calendar (nothing
    is written); ``exclude_id`` is the placement being changed."""
    kind = ods_kind(ods)
    ods = normalise_ods(ods)
    name = (name or "").strip()
    if not name:
        raise ValidationError("the site needs a name", field="name")
    if len(name) > MAX_NAME:
        raise ValidationError(f"the site name is longer than {MAX_NAME} characters", "name")
    check_return_text(name, "name", "the site name")
    if sector not in SECTORS:
        raise ValidationError("sector must be 'primary' or 'secondary'", field="sector")
    if date_to is not None and date_to < date_from:
        raise ValidationError(
            f"the placement ends ({date_to}) before it starts ({date_from})", field="to"
        )
    for other in list_placements(session):
        if other.id == exclude_id:
            continue
        if _overlaps(date_from, date_to, other.date_from, other.date_to):
            until = other.date_to.isoformat() if other.date_to else "open-ended"
            raise ValidationError(
                f"overlaps the placement at {other.ods} ({other.name}), "
                f"{other.date_from} to {until}; placements may not overlap",
                field="from",
            )
    return kind.value, ods, name


def add_placement(
    session: Session,
    ods: str,
    name: str,
    sector: str,
    date_from: date,
    date_to: date | None,
) -> PlacementView:
    kind, ods, name = check_placement(session, ods, name, sector, date_from, date_to)
    row = Placement(
        ods=ods,
        site_kind=kind,
        name=name,
        sector=sector,
        date_from=date_from.isoformat(),
        date_to=date_to.isoformat() if date_to else None,
    )
    session.add(row)
    session.flush()
    return placement_view(row)


def list_phases(session: Session) -> list[PhaseView]:
    rows = session.execute(select(Phase).order_by(Phase.date_from)).scalars()
    return [
        PhaseView(
            p.id,
            p.name,
            date.fromisoformat(p.date_from),
            date.fromisoformat(p.date_to) if p.date_to else None,
        )
        for p in rows
    ]


def add_phase(session: Session, name: str, date_from: date, date_to: date | None) -> PhaseView:
    name = (name or "").strip().lower()
    if not name or len(name) > 40 or not name.replace("-", "").replace("_", "").isalnum():
        raise ValidationError(
            f"{name!r} is not a phase name: one word such as {', '.join(PHASE_NAMES)}",
            field="name",
        )
    check_outgoing(name, "name", "the phase name")  # printed in every CSV row of the return
    if date_to is not None and date_to < date_from:
        raise ValidationError(
            f"the phase ends ({date_to}) before it starts ({date_from})", field="to"
        )
    for other in list_phases(session):
        if _overlaps(date_from, date_to, other.date_from, other.date_to):
            raise ValidationError(
                f"overlaps the {other.name} phase ({other.date_from} to "
                f"{other.date_to or 'open-ended'}); an entry's phase must follow from its date",
                field="from",
            )
    row = Phase(
        name=name,
        date_from=date_from.isoformat(),
        date_to=date_to.isoformat() if date_to else None,
    )
    session.add(row)
    session.flush()
    return PhaseView(row.id, name, date_from, date_to)
