"""The e-mail draft that hands a return to the project lead.

An ``.eml`` with ``X-Unsent: 1``: Outlook (and Thunderbird) open it as a new message
ready to send, with the return's files attached. Subject, body and attachment names
carry no patient data: only the site code, month and version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

_TYPES = {
    ".csv": ("text", "csv"),
    ".pdf": ("application", "pdf"),
    ".json": ("application", "json"),
}


@dataclass(frozen=True)
class EmlOptions:
    to: str | None  # the lead's address (settings: lead_email); None leaves To empty
    subject: str
    body: str
    when: datetime


def subject_for(main_site: str, month: str, version: int) -> str:
    return f"RxLog return {main_site} {month} v{version}"


def write_eml(options: EmlOptions, attachments: list[tuple[str, bytes]]) -> bytes:
    """The draft's bytes, with ``attachments`` as ``(file name, bytes)``."""
    msg = EmailMessage()
    if options.to:
        msg["To"] = options.to
    msg["Subject"] = options.subject
    msg["Date"] = format_datetime(options.when)
    msg["X-Unsent"] = "1"
    msg.set_content(options.body)
    for name, data in attachments:
        ext = "." + name.rsplit(".", 1)[-1].lower()
        maintype, subtype = _TYPES.get(ext, ("application", "octet-stream"))
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
