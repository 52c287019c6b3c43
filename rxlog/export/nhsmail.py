"""NHSmail's rules for the e-mail that carries a return: what the technician is warned
about before sending the draft (see docs/governance/dpia.md, "NHSmail")."""

from __future__ import annotations

# NHSmail refuses a message whose attachments pass 35 MB (NHSmail's own guidance). The
# draft's size counts the base64 encoding the attachments travel in, so it is what a
# mail system measures; decimal megabytes, the lower reading of "35 MB".
NHSMAIL_LIMIT_BYTES = 35_000_000
NHSMAIL_DOMAIN = "nhs.net"


def nhsmail_warnings(
    draft_bytes: int, to: str | None, limit: int = NHSMAIL_LIMIT_BYTES
) -> list[str]:
    """What the technician must know before sending the draft from NHSmail: a message
    over the attachment limit, and a recipient outside NHSmail (``[secure]``)."""
    warnings = []
    if draft_bytes > limit:
        warnings.append(
            f"the e-mail draft is {draft_bytes / 1_000_000:.1f} MB, over NHSmail's "
            f"{limit / 1_000_000:g} MB limit, so NHSmail will not send it: send the CSV, "
            "the PDF and the manifest in separate e-mails, or hand the folder to your lead"
        )
    if to and not to.lower().endswith("@" + NHSMAIL_DOMAIN):
        warnings.append(
            f"the lead's address {to} is not an NHSmail (nhs.net) address: unless it is on "
            "another accredited secure e-mail system, type [secure] at the start of the "
            "subject when you send it from NHSmail, so that NHSmail encrypts it"
        )
    return warnings
