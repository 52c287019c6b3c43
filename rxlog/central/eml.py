"""Reading returns out of saved e-mails (``.eml``), as the lead receives them by NHSmail.

Only attachments are read; the body and headers are ignored (they are not signed).
"""

from __future__ import annotations

from pathlib import Path

from rxlog.errors import ValidationError

MANIFEST_SUFFIX = ".manifest.json"


def attachments(path: Path) -> dict[str, bytes]:
    """File name -> content of every attachment of a saved e-mail."""
    import email
    from email import policy

    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}", field="path") from None
    msg = email.message_from_bytes(raw, policy=policy.default)
    found: dict[str, bytes] = {}
    for part in msg.walk():
        if part.is_multipart():
            continue
        name = part.get_filename()
        if not name:
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        found[Path(name).name] = payload
    return found


def manifests_in(files: dict[str, bytes]) -> list[str]:
    return sorted(n for n in files if n.endswith(MANIFEST_SUFFIX))
