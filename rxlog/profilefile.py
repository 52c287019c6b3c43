"""The technician's profile file: a second PC starts where the first one is (issue 12).

``rxlog profile export FILE`` writes the technician's name and GPhC number, placements,
phases, favourites, the lead's address and the settings that make sense on another PC,
signed with the installation's Ed25519 key; never entries, notes or keys. ``rxlog setup
--from-profile FILE`` sets a new installation up from it (that PC then makes its own
key), and ``rxlog profile import FILE`` on a PC already set up takes a *newer* profile's
placements and phases (a change of placement made on one PC reaches the others).

A profile file is input from outside: everything in it is checked before anything is
changed (layout, signature, technician, every placement and phase, each setting), and a
refusal names what is wrong. Format, one JSON object in exactly the layout
:func:`file_bytes` writes::

    {"profile": {"format": "rxlog-profile/1", "written_at": ..., "technician": {...},
                 "installation": {"id": ..., "name": ...}, "installations": [...],
                 "placements": [...], "phases": [...], "favourites": [...],
                 "lead_email": ..., "settings": {...}},
     "signature": {"alg": "Ed25519", "public_key": ..., "key_fingerprint": ..., "value": ...}}
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rxlog import settings
from rxlog.errors import StorageError, ValidationError
from rxlog.returnformat import short_installation_id

if TYPE_CHECKING:
    from rxlog.service import RxLog

FORMAT = "rxlog-profile/1"
MAX_BYTES = 1_000_000
MAX_ITEMS = 500
# Settings that mean the same on another PC (an export folder or a running timer do not).
CARRIED_SETTINGS = tuple(o.name for o in settings.CARRIED)
FAVOURITES, LEAD_EMAIL = settings.FAVOURITES.name, settings.LEAD_EMAIL.name
PROFILE_AT = settings.PROFILE_WRITTEN_AT.name
KNOWN = settings.PROFILE_INSTALLATIONS.name  # JSON: id -> name/key
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00")
_DOC_KEYS = {"profile", "signature"}
_PROFILE_KEYS = {
    "format",
    "written_at",
    "technician",
    "installation",
    "installations",
    "placements",
    "phases",
    "favourites",
    "lead_email",
    "settings",
}
_FIELD = "profile"


@dataclass(frozen=True)
class Profile:
    """A profile file that passed every check."""

    data: dict[str, Any]
    fingerprint: str

    @property
    def gphc(self) -> str:
        return str(self.data["technician"]["gphc"])

    @property
    def name(self) -> str:
        return str(self.data["technician"]["name"])

    @property
    def written_at(self) -> str:
        return str(self.data["written_at"])

    @property
    def installation(self) -> dict[str, str]:
        return dict(self.data["installation"])


@dataclass(frozen=True)
class ImportResult:
    placements: int
    phases: int
    changed: bool
    message: str


def _bad(why: str) -> ValidationError:
    return ValidationError(f"the profile file {why}; nothing was changed", _FIELD)


# -- writing ---------------------------------------------------------------------------
def known_installations(app: RxLog) -> dict[str, dict[str, str]]:
    """The technician's installations this PC knows of (its own included): id -> name
    and the key fingerprint its profiles were signed with."""
    try:
        raw = json.loads(app.setting(KNOWN) or "{}")
    except ValueError:
        raw = {}
    known = {k: v for k, v in raw.items() if isinstance(v, dict)} if isinstance(raw, dict) else {}
    inst = app.installation()
    mine = known.get(inst.id, {})
    known[inst.id] = {**mine, "name": inst.name}
    return known


def other_installations(app: RxLog) -> list[str]:
    """Names (and short ids) of this technician's other installations, from profiles."""
    me = app.installation().id
    return sorted(
        f"{v.get('name', '?')} ({short_installation_id(k)})"
        for k, v in known_installations(app).items()
        if k != me
    )


def build(app: RxLog, fingerprint: str, now: datetime | None = None) -> dict[str, Any]:
    tech = app.technician()
    if tech is None:
        raise ValidationError("set up the technician first (rxlog setup)", "setup")
    inst = app.installation()
    known = known_installations(app)
    known[inst.id]["key"] = fingerprint
    written = (now or datetime.now(UTC)).astimezone(UTC)
    from rxlog.quick_entry import parse_favourites

    return {
        "format": FORMAT,
        "written_at": written.isoformat(timespec="microseconds"),
        "technician": {"name": tech.name, "gphc": tech.gphc},
        "installation": {"id": inst.id, "name": inst.name},
        "installations": [{"id": k, **v} for k, v in sorted(known.items())],
        "placements": [
            {
                "ods": p.ods,
                "name": p.name,
                "sector": p.sector,
                "from": p.date_from.isoformat(),
                "to": p.date_to.isoformat() if p.date_to else None,
            }
            for p in app.placements()
        ],
        "phases": [
            {
                "name": p.name,
                "from": p.date_from.isoformat(),
                "to": p.date_to.isoformat() if p.date_to else None,
            }
            for p in app.phases()
        ],
        "favourites": parse_favourites(app.setting(FAVOURITES), app.taxonomy),
        "lead_email": app.setting(LEAD_EMAIL),
        "settings": {k: v for k in CARRIED_SETTINGS if (v := app.setting(k)) is not None},
    }


def file_bytes(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def export_profile(
    app: RxLog, dest: Path, passphrase: str | None = None, now: datetime | None = None
) -> Profile:
    """Write this installation's profile, signed with its key, to ``dest`` (atomically)."""
    from rxlog.export import keys as keymod
    from rxlog.export.atomic import write_atomic
    from rxlog.returnformat.manifest import sign_manifest

    dest = Path(dest)
    if dest.name in ("", "..") or dest.is_dir():
        raise ValidationError(
            f"{str(dest)!r} is a folder, not a file name: give the file to write, "
            "e.g. rxlog-profile.json",
            "file",
        )
    keys = keymod.load_signing_keys(app.db.data_dir, passphrase)
    profile = build(app, keys.fingerprint, now)
    _check_outgoing(profile)
    signed = sign_manifest(profile, keys.ed25519)
    document = {"profile": signed["manifest"], "signature": signed["signature"]}
    write_atomic(dest, file_bytes(document))
    app.set_setting(PROFILE_AT, profile["written_at"])
    return Profile(profile, keys.fingerprint)


def _check_outgoing(profile: dict[str, Any]) -> None:
    """The profile leaves the PC: its texts pass the identifier filter."""
    from rxlog.identifiers import check_outgoing

    check_outgoing(profile["technician"]["name"], "name", "the technician's name")
    for i in profile["installations"]:
        check_outgoing(i.get("name"), "installation-name", "an installation name")
    for p in profile["placements"]:
        check_outgoing(p["name"], "name", f"the name of site {p['ods']}")
    for p in profile["phases"]:
        check_outgoing(p["name"], "name", "a phase name")


# -- reading ---------------------------------------------------------------------------
def read_profile(path: Path) -> Profile:
    """The profile in ``path``, after every check; else ``ValidationError`` saying why."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise StorageError(f"cannot read the profile file {path}: {exc.strerror}") from None
    if len(data) > MAX_BYTES:
        raise _bad(f"{path.name} is larger than any profile RxLog writes")
    return parse_profile(data)


def parse_profile(data: bytes) -> Profile:
    from rxlog.returnformat import ReturnVerificationError
    from rxlog.returnformat.manifest import _check_signature

    try:
        document = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _bad("is not an RxLog profile (not UTF-8 JSON)") from None
    if not isinstance(document, dict) or set(document) != _DOC_KEYS:
        raise _bad("is not an RxLog profile (it needs 'profile' and 'signature' only)")
    profile, signature = document["profile"], document["signature"]
    if not isinstance(profile, dict) or not isinstance(signature, dict):
        raise _bad("is not an RxLog profile")
    if file_bytes(document) != data:
        raise _bad("was changed (it is not laid out as RxLog wrote it)")
    try:
        fingerprint = _check_signature(profile, signature)
    except ReturnVerificationError:
        raise _bad("was changed after it was signed, or its signature is not valid") from None
    _check_structure(profile)
    return Profile(profile, fingerprint)


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _text(value: Any, what: str, limit: int = 200, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value.strip()) or len(value) > limit:
        raise _bad(f"has a bad {what}")
    return value


def _day(value: Any, what: str, optional: bool = False) -> date | None:
    if value is None and optional:
        return None
    try:
        return date.fromisoformat(_text(value, what, 10))
    except ValueError:
        raise _bad(f"has a bad {what} (not YYYY-MM-DD)") from None


def _check_structure(p: dict[str, Any]) -> None:
    from rxlog.identifiers import validate_gphc

    if p.get("format") != FORMAT:
        raise _bad(f"is not in a format this RxLog reads (expected {FORMAT})")
    if set(p) != _PROFILE_KEYS:
        raise _bad("does not match the format (fields missing or added)")
    if not isinstance(p["written_at"], str) or not _STAMP.fullmatch(p["written_at"]):
        raise _bad("has a bad written_at time")
    tech = p["technician"]
    if not isinstance(tech, dict) or set(tech) != {"name", "gphc"}:
        raise _bad("has no technician name and GPhC number")
    _text(tech["name"], "technician name")
    try:
        validate_gphc(_text(tech["gphc"], "GPhC number", 20))
    except ValidationError:
        raise _bad("has a bad GPhC number") from None
    inst = p["installation"]
    if (
        not isinstance(inst, dict)
        or set(inst) != {"id", "name"}
        or not _UUID.fullmatch(str(inst.get("id")))
    ):
        raise _bad("does not name the installation that wrote it")
    _text(inst["name"], "installation name")
    for key, limit in (("installations", 50), ("placements", MAX_ITEMS), ("phases", MAX_ITEMS)):
        if not isinstance(p[key], list) or len(p[key]) > limit:
            raise _bad(f"has a bad list of {key}")
    for i in p["installations"]:
        if (
            not isinstance(i, dict)
            or not set(i) <= {"id", "name", "key"}
            or not _UUID.fullmatch(str(i.get("id")))
            or ("key" in i and not re.fullmatch(r"[0-9a-f]{64}", str(i["key"])))
        ):
            raise _bad("has a bad installation in its list")
        _text(i.get("name"), "installation name")
    for pl in p["placements"]:
        if not isinstance(pl, dict) or set(pl) != {"ods", "name", "sector", "from", "to"}:
            raise _bad("has a bad placement")
        _text(pl["ods"], "placement site code", 10)
        _text(pl["name"], "placement site name")
        _text(pl["sector"], "placement sector", 16)
        _day(pl["from"], "placement start")
        _day(pl["to"], "placement end", optional=True)
    for ph in p["phases"]:
        if not isinstance(ph, dict) or set(ph) != {"name", "from", "to"}:
            raise _bad("has a bad phase")
        _text(ph["name"], "phase name", 40)
        _day(ph["from"], "phase start")
        _day(ph["to"], "phase end", optional=True)
    fav = p["favourites"]
    if not isinstance(fav, list) or len(fav) > 100 or not all(isinstance(c, str) for c in fav):
        raise _bad("has a bad list of favourites")
    if p["lead_email"] is not None:
        _text(p["lead_email"], "lead e-mail address", 320)
    settings = p["settings"]
    if not isinstance(settings, dict) or not set(settings) <= set(CARRIED_SETTINGS):
        raise _bad("has settings RxLog does not carry between PCs")
    for k, v in settings.items():
        _text(v, f"setting {k}", 200, empty=True)


# -- applying --------------------------------------------------------------------------
def _check_key(app: RxLog, profile: Profile) -> None:
    """A profile from an installation this PC knows must be signed with that
    installation's key (a profile signed with another key is not its own)."""
    known = known_installations(app).get(profile.installation["id"], {})
    key = known.get("key")
    if key and key != profile.fingerprint:
        raise _bad(
            f"is signed with key {profile.fingerprint[:16]}…, but the installation "
            f"{profile.installation['name']} signs with {key[:16]}…"
        )
    if profile.installation["id"] == app.installation().id:
        raise _bad("was written by this installation itself")


def _put(s: Any, key: str, value: str) -> None:
    from rxlog.storage.models import Setting

    row = s.get(Setting, key)
    if row is None:
        s.add(Setting(key=key, value=value))
    else:
        row.value = value


def _apply_calendar(s: Any, profile: Profile) -> tuple[int, int]:
    """Replace placements and phases by the profile's, inside the caller's transaction,
    each checked as ``rxlog placement add``/``phase add`` check them; refuses a calendar
    that leaves an entry of this PC outside every placement."""
    from rxlog import profile as prof
    from rxlog.entries import placement_on
    from rxlog.storage.models import Entry, Phase, Placement

    p = profile.data
    s.query(Placement).delete()
    s.query(Phase).delete()
    s.flush()
    try:
        for pl in p["placements"]:
            start, end = _day(pl["from"], "start"), _day(pl["to"], "end", optional=True)
            assert start is not None
            prof.add_placement(s, pl["ods"], pl["name"], pl["sector"], start, end)
        for ph in p["phases"]:
            start, end = _day(ph["from"], "start"), _day(ph["to"], "end", optional=True)
            assert start is not None
            prof.add_phase(s, ph["name"], start, end)
    except ValidationError as exc:
        raise _bad(f"has a calendar RxLog refuses: {exc.message}") from None
    calendar = prof.list_placements(s)
    orphans = [
        e
        for e in s.query(Entry).order_by(Entry.date)
        if placement_on(calendar, date.fromisoformat(e.date)) is None
    ]
    if orphans:
        listed = ", ".join(f"{e.date} {e.code} ({e.id[:8]})" for e in orphans[:10])
        raise _bad(
            f"has a calendar that leaves {len(orphans)} entries of this PC outside every "
            f"placement: {listed}"
        )
    return len(p["placements"]), len(p["phases"])


def check_setup(profile: Profile) -> None:
    """What ``setup_from_profile`` needs of a profile, checked before any folder is made."""
    from rxlog.export.signoff import check_email
    from rxlog.profile import check_technician

    try:
        check_technician(profile.name, profile.gphc)
    except ValidationError as exc:
        raise _bad(f"has a technician RxLog refuses: {exc.message}") from None
    lead = profile.data["lead_email"]
    if lead is not None:
        try:
            check_email(lead)
        except ValidationError:
            raise _bad("has a lead e-mail address that is not one") from None


def setup_from_profile(
    app: RxLog, profile: Profile, installation_name: str | None = None
) -> ImportResult:
    """Set a new installation up from a profile (name, GPhC, calendar, favourites, lead
    address, settings), all in one transaction: refused, nothing is kept."""
    from rxlog import profile as prof
    from rxlog.quick_entry import dump_favourites, parse_favourites

    check_setup(profile)
    tech = app.technician()
    if tech is not None and tech.gphc != profile.gphc:
        raise _bad(
            f"is {profile.name}'s (GPhC {profile.gphc}), but this installation belongs to "
            f"{tech.name} (GPhC {tech.gphc})"
        )
    if installation_name is not None:
        installation_name = prof.check_installation_name(installation_name)
    _check_key(app, profile)
    known = known_installations(app)
    with app.db.transaction() as s:
        prof.setup(s, profile.name, profile.gphc)
        prof.get_installation(s)
        if installation_name is not None:
            prof.name_installation(s, installation_name)
        placements, phases = _apply_calendar(s, profile)
        favs = parse_favourites(json.dumps(profile.data["favourites"]), app.taxonomy)
        _put(s, FAVOURITES, dump_favourites(favs))
        if profile.data["lead_email"] is not None:
            _put(s, LEAD_EMAIL, profile.data["lead_email"])
        for k, v in profile.data["settings"].items():
            _put(s, k, v)
        _put(s, PROFILE_AT, profile.written_at)
        for i in profile.data["installations"]:
            known.setdefault(str(i["id"]), {}).update(
                {"name": str(i["name"]), **({"key": i["key"]} if "key" in i else {})}
            )
        _put(s, KNOWN, json.dumps(known, sort_keys=True))
    return ImportResult(
        placements, phases, True, f"set up from the profile of {profile.installation['name']}"
    )


def import_profile(app: RxLog, profile: Profile) -> ImportResult:
    """Take a newer profile's placements and phases (and the installations it knows)."""
    tech = app.technician()
    if tech is None:
        raise ValidationError(
            "this installation is not set up yet: use rxlog setup --from-profile FILE", "setup"
        )
    if tech.gphc != profile.gphc:
        raise _bad(
            f"is {profile.name}'s (GPhC {profile.gphc}), not {tech.name}'s (GPhC {tech.gphc})"
        )
    _check_key(app, profile)
    held = app.setting(PROFILE_AT)
    if held is not None and profile.written_at < held:
        raise _bad(
            f"was written at {profile.written_at[:19]}, before the profile this PC already "
            f"has ({held[:19]}): an older profile never replaces a newer one"
        )
    if held is not None and profile.written_at == held:
        return ImportResult(0, 0, False, "this PC already has that profile: nothing changed")
    known = known_installations(app)
    with app.db.transaction() as s:
        placements, phases = _apply_calendar(s, profile)
        _put(s, PROFILE_AT, profile.written_at)
        for i in profile.data["installations"]:
            known.setdefault(str(i["id"]), {}).update(
                {"name": str(i["name"]), **({"key": i["key"]} if "key" in i else {})}
            )
        _put(s, KNOWN, json.dumps(known, sort_keys=True))
    return ImportResult(
        placements,
        phases,
        True,
        f"took {placements} placements and {phases} phases from the profile of "
        f"{profile.installation['name']}, written {profile.written_at[:10]}",
    )
