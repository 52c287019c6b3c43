"""Getting ready for month end at setup: the signing key, the lead's address, and the
lead's copy of the public key. The orchestration the app's first-run wizard needs, over
the same core functions ``rxlog setup``, ``rxlog key export`` and ``rxlog config set
lead-email`` use (``create_keys``, ``export_public``, ``set_lead_email``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rxlog.errors import ValidationError
from rxlog.settings import LEAD_EMAIL

if TYPE_CHECKING:
    from rxlog.export.keys import KeyInfo
    from rxlog.service import RxLog

KEY_SUBJECT = "RxLog signing key: "


def confirmed_passphrase(first: str, again: str) -> str | None:
    """The passphrase typed twice, or ``None`` for none: long enough by the core's rule
    (``keys.check_new_passphrase``, as ``rxlog setup`` checks it) and the same twice."""
    from rxlog.export.keys import check_new_passphrase

    check_new_passphrase(first)  # the core's rule for a new key's passphrase (length)
    if first != again:
        raise ValidationError(
            "the two passphrases differ: type the same passphrase in both fields",
            "passphrase_again",
        )
    return first or None


def get_ready(app: RxLog, passphrase: str, again: str, lead_email: str | None) -> KeyInfo | None:
    """Create the signing key (unless the installation has one) and keep the lead's
    address; every input is checked before anything is written. The new key's
    ``KeyInfo``, or ``None`` when a key was already there."""
    from rxlog.export import keys
    from rxlog.export.signoff import check_email, set_lead_email

    tech = app.technician()
    if tech is None:
        raise ValidationError("set up the technician first (rxlog setup)", "setup")
    lead = check_email(lead_email) if lead_email and lead_email.strip() else None
    need_key = not keys.has_keys(app.db.data_dir)
    secret = confirmed_passphrase(passphrase, again) if need_key else None
    info = keys.create_keys(app.db.data_dir, tech.name, tech.gphc, secret) if need_key else None
    if lead:
        set_lead_email(app, lead)
    return info


@dataclass(frozen=True)
class KeyEmail:
    """The e-mail draft that hands the lead this installation's public key."""

    eml: Path
    key_file: Path
    fingerprint: str


def key_email(app: RxLog, out_dir: Path, when: datetime | None = None) -> KeyEmail:
    """Write the public key file (as ``rxlog key export`` does) and an e-mail draft to the
    lead with it attached, both in ``out_dir``. Nothing secret leaves: the public key and
    certificate only."""
    from rxlog.export.atomic import write_atomic
    from rxlog.export.keys import export_public
    from rxlog.identifiers import check_outgoing
    from rxlog.returnformat.eml import EmlOptions, write_eml

    tech = app.technician()
    if tech is None:
        raise ValidationError("set up the technician first (rxlog setup)", "setup")
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise ValidationError(f"the folder {out_dir} does not exist", "folder")
    key_file = out_dir / f"rxlog-key-{tech.gphc}.pem"
    info = export_public(app.db.data_dir, key_file)
    lead = app.settings[LEAD_EMAIL]
    body = check_outgoing(
        f"Hello,\n\nThis is the signing key of my RxLog installation, so that you can check "
        f"the monthly returns I send you. Please add it to RxLog Central (Trust a key…).\n\n"
        f"Technician: {tech.name} (GPhC {tech.gphc})\n"
        f"Key fingerprint (SHA-256): {info.fingerprint}\n\n"
        "Before you trust it, please check the fingerprint with me by phone or in person.\n",
        "name",
        "the e-mail to the lead",
    )
    eml_bytes = write_eml(
        EmlOptions(
            to=lead,
            subject=f"{KEY_SUBJECT}{tech.name} (GPhC {tech.gphc})",
            body=body,
            when=when or datetime.now().astimezone(),
        ),
        [(key_file.name, key_file.read_bytes())],
    )
    eml = out_dir / f"rxlog-key-{tech.gphc}.eml"
    write_atomic(eml, eml_bytes)
    return KeyEmail(eml, key_file, info.fingerprint)
