"""The text of a PDF RxLog wrote, for the tests: poppler's ``pdftotext`` where it is
installed (Linux: scripts/bootstrap.sh installs poppler-utils), else pypdf's extraction
(the Windows Python has no poppler; pypdf is pure Python and in the test requirements).

Both read the PDF's real text operators; only their spacing differs, which is why the
tests that need layout compare whitespace-collapsed text or words on one line.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

PDFTOTEXT = shutil.which("pdftotext")


def pdf_text(source: Path | str | bytes, *, layout: bool = False, last_page: int = 0) -> str:
    """The text of ``source`` (a path or the PDF's bytes), pages ended by form feeds as
    pdftotext ends them; ``layout`` keeps columns side by side; ``last_page`` (1-based,
    0 = all) stops early."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    if PDFTOTEXT:
        cmd = [PDFTOTEXT] + (["-layout"] if layout else [])
        cmd += ["-l", str(last_page)] if last_page else []
        out = subprocess.run([*cmd, "-", "-"], input=data, capture_output=True, check=True)
        return out.stdout.decode("utf-8")
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(data)).pages
    if last_page:
        pages = pages[:last_page]
    mode = "layout" if layout else "plain"
    return "".join(page.extract_text(extraction_mode=mode) + "\n\f" for page in pages)


def pdf_page_count(source: Path | str | bytes) -> int:
    from pypdf import PdfReader

    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    return len(PdfReader(io.BytesIO(data)).pages)
