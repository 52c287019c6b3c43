"""Text from outside, made safe to show: on a terminal, in a table, in a PDF.

A return, a key file or an e-mail can carry text meant to mislead whoever reads it:
terminal escape codes that rewrite a line, bidirectional overrides that reorder it
("Trojan Source"), or reportlab markup (``<font>``, ``<a href>``, ``<img src>``) that a
``Paragraph`` would obey. :func:`plain` drops control, format and separator
characters; :func:`pdf_text` also escapes markup, so every such text renders as text.
"""

from __future__ import annotations

import unicodedata

# Cc: C0/C1 controls (ESC, CR, BEL...); Cf: format characters (bidi overrides and
# isolates, zero-width joiners); Zl/Zp: line and paragraph separators; Cs: lone
# surrogates; Co/Cn: private-use and unassigned code points.
_DROP = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def plain(text: object) -> str:
    """``text`` as one line of printable characters (tabs and line breaks become spaces)."""
    s = "" if text is None else str(text)
    if s.isascii() and s.isprintable():
        return s
    out = []
    for ch in s:
        cat = unicodedata.category(ch)
        if ch in "\t\r\n\u2028\u2029":
            out.append(" ")
        elif cat not in _DROP:
            out.append(ch)
    return "".join(out)


def pdf_text(text: object) -> str:
    """:func:`plain` text escaped for a reportlab ``Paragraph`` (``&``, ``<``, ``>``, quotes)."""
    from xml.sax.saxutils import escape

    return escape(plain(text), {'"': "&quot;", "'": "&#39;"})
