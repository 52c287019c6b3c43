"""The one list of texts a monthly return carries off the PC.

Every human-entered text that reaches a return file, a file name, the PDF's metadata or
signature, the signing certificate or the e-mail draft is declared here, and
:func:`rxlog.identifiers.check_outgoing_texts` runs the identifier filter over all of
them before a byte is written. Texts RxLog composes (file names, the subject, the
e-mail body) are checked too, as a second net. ``tests/test_outgoing_texts.py`` plants an
NHS number in every ``source`` declared here and in every text column of the database,
and scans every exported byte for it: a writer that prints a new text without declaring
it here fails that test.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rxlog.export.month_data import MonthData
from rxlog.identifiers import OutgoingText

DERIVED = "derived"  # composed by RxLog from the declared texts and structured data


@dataclass(frozen=True)
class Composed:
    """The texts RxLog builds for one export (names and headers of the files it writes)."""

    file_names: tuple[str, ...]
    subject: str
    body: str


def month_texts(data: MonthData) -> list[OutgoingText]:
    """The human-entered texts of the month that its return prints."""
    texts = [
        OutgoingText("name", "the technician's name", data.technician.name, "technician.name"),
    ]
    if data.installation is not None:
        texts.append(
            OutgoingText(
                "installation-name",
                "the installation name",
                data.installation.name,
                "installation.name",
            )
        )
    for ods in sorted(set(data.sites_used) | {p.ods for p in data.placements}):
        texts.append(
            OutgoingText(
                "name", f"the name of site {ods}", data.site_names.get(ods), "placement.name"
            )
        )
    for phase in sorted({e.phase for e in data.entries if e.phase}):
        texts.append(OutgoingText("name", "a phase name", phase, "phase.name"))
    if data.supersedes_reason:
        texts.append(
            OutgoingText(
                "reason",
                f"the reason {data.month} was reopened",
                data.supersedes_reason,
                "month_lock.reopen_reason",
            )
        )
    return texts


def outgoing_texts(
    data: MonthData,
    *,
    lead_email: str | None,
    certificate_cn: str | None,
    composed: Composed | None = None,
) -> list[OutgoingText]:
    """Every text this export sends off the PC (see the module docstring)."""
    texts = month_texts(data)
    texts.append(
        OutgoingText("lead-email", "the lead's e-mail address", lead_email, "setting:lead_email")
    )
    texts.append(
        OutgoingText(
            "name",
            "the name in the signing certificate (rxlog key create makes a new one)",
            certificate_cn,
            "certificate:CN",
        )
    )
    if composed is not None:
        texts.extend(_composed(composed))
    return texts


def _composed(c: Composed) -> Iterable[OutgoingText]:
    for name in c.file_names:
        yield OutgoingText("name", "a file name of the return", name, DERIVED)
    yield OutgoingText("name", "the e-mail subject", c.subject, DERIVED)
    yield OutgoingText("name", "the e-mail text", c.body, DERIVED)
