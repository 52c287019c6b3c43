"""``MonthlyReturn``: the façade for a technician's monthly return.

What ``rxlog month ...``, ``rxlog export``, ``rxlog key ...``, ``rxlog config set
lead-email``, the Month dialog, the profile dialog and the first-run wizard all drive:
check a month, sign it off, reopen it, list its returns, the signing key and the lead's
address. The shells only ask and present; the rules live behind these methods (and the
modules they call: :mod:`~rxlog.export.month_check`, :mod:`~rxlog.export.signoff`,
:mod:`~rxlog.export.keys`, :mod:`~rxlog.export.handover`).

Heavy modules (reportlab, pyHanko, cryptography) are imported by those modules where
first needed, so building a ``MonthlyReturn`` costs nothing.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rxlog.errors import ValidationError
from rxlog.settings import LEAD_EMAIL

if TYPE_CHECKING:
    from rxlog.export.handover import KeyEmail
    from rxlog.export.keys import KeyInfo
    from rxlog.export.month_check import MonthCheck
    from rxlog.export.signoff import ExportResult
    from rxlog.service import RxLog
    from rxlog.storage.models import MonthLock


class MonthlyReturn:
    """A technician's monthly return, over one installation (``RxLog``)."""

    def __init__(self, app: RxLog) -> None:
        self.app = app

    @property
    def data_dir(self) -> Path:
        return self.app.db.data_dir

    # -- the month -------------------------------------------------------------------
    def check(self, month: str) -> MonthCheck:
        """What would make ``month``'s return wrong or weak (see ``check_month``)."""
        from rxlog.export.month_check import check_month

        return check_month(self.app, month)

    def sign_off(
        self, month: str, out_dir: Path, passphrase: str | None = None, *, nil: bool = False
    ) -> ExportResult:
        """Sign ``month`` off: write its signed return to ``out_dir`` and lock it."""
        from rxlog.export.signoff import ExportOptions, export_month

        return export_month(self.app, month, ExportOptions(Path(out_dir), passphrase, nil=nil))

    def reopen(self, month: str, reason: str) -> MonthLock:
        """Open a signed-off month again (its next export supersedes the last)."""
        from rxlog.export.signoff import reopen_month

        return reopen_month(self.app, month, reason)

    def returns(self, month: str | None = None) -> list[dict[str, Any]]:
        """The returns written, oldest first (of ``month`` only, when given)."""
        from rxlog.export.signoff import returns_of

        return returns_of(self.app, month)

    # -- the signing key -------------------------------------------------------------
    def has_key(self) -> bool:
        from rxlog.export import keys

        return keys.has_keys(self.data_dir)

    def needs_passphrase(self) -> bool:
        """Does the signing key need a passphrase to sign? (``False`` with no key.)

        The one place this is decided; a key file that cannot be read raises its
        ``SigningKeyError``, which a window may treat as "no"."""
        from rxlog.export import keys

        return keys.has_keys(self.data_dir) and keys.is_encrypted(self.data_dir)

    def key_info(self) -> KeyInfo:
        from rxlog.export.keys import key_info

        return key_info(self.data_dir)

    def create_key(self, passphrase: str | None) -> KeyInfo:
        """Create this installation's signing keys for its technician."""
        from rxlog.export.keys import create_keys

        tech = self.app.technician()
        if tech is None:
            raise ValidationError("set up the technician first (rxlog setup)", "setup")
        return create_keys(self.data_dir, tech.name, tech.gphc, passphrase)

    def export_key(self, file: Path) -> KeyInfo:
        """Write the public key and certificate, bound to the technician, to ``file``."""
        from rxlog.export.keys import export_public

        tech = self.app.technician()
        inst = self.app.installation()
        return export_public(
            self.data_dir,
            Path(file),
            name=tech.name if tech else None,
            gphc=tech.gphc if tech else None,
            installation=inst.id if inst else None,
            installation_name=inst.name if inst else None,
        )

    # -- the lead --------------------------------------------------------------------
    def lead_email(self) -> str | None:
        return self.app.settings[LEAD_EMAIL]

    def set_lead_email(self, value: str) -> str:
        """Check and keep the address the e-mail draft is sent to (the lead's)."""
        from rxlog.export.signoff import set_lead_email

        return set_lead_email(self.app, value)

    def get_ready(self, passphrase: str, again: str, lead_email: str | None) -> KeyInfo | None:
        """The first-run wizard's month-end step: the key (unless there is one) and the
        lead's address, everything checked before anything is written."""
        from rxlog.export.handover import get_ready

        return get_ready(self.app, passphrase, again, lead_email)

    def key_email(self, out_dir: Path, when: datetime | None = None) -> KeyEmail:
        """An e-mail draft handing the lead this installation's public key."""
        from rxlog.export.handover import key_email

        return key_email(self.app, out_dir, when)
