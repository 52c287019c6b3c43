"""The one PDF style kit: NHS colours, fonts, paragraph and table styles, escaping and
the number formats, shared by the technician's return (``rxlog.export.pdf_writer``) and
the lead's evidence report (``rxlog.central.report_pdf``).

reportlab is imported where first needed (start-up stays fast): the colours and
formats here are plain strings, the styles are built by :class:`Kit`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from rxlog.text import pdf_text, plain

# NHS identity colours (NHS England, "NHS identity guidelines: colours").
NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"
NHS_WARM_YELLOW = "#FFB81C"
NHS_RED = "#DA291C"
NHS_BLACK = "#231F20"
ZEBRA = "#F4F7F8"  # every other row of a table, lighter than pale grey


def hours(minutes: int, *, exact: bool = False) -> str:
    """Minutes as hours for a table or a sentence.

    ``exact`` (the technician's own record): always one decimal. Otherwise (the lead's
    report, which adds up to thousands of hours): ``0`` for none, no decimals from 10
    hours on, one decimal below."""
    if exact:
        return f"{minutes / 60:,.1f}"
    if not minutes:
        return "0"
    return f"{minutes / 60:,.0f}" if minutes >= 600 else f"{minutes / 60:,.1f}"


def money(pence: int) -> str:
    """``£1,234.56``."""
    return f"£{pence / 100:,.2f}"


def pdf_lines(text: object) -> str:
    """Text from anywhere as ``Paragraph`` markup: escaped (:func:`rxlog.text.pdf_text`),
    its line breaks kept as ``<br/>``."""
    s = "" if text is None else str(text)
    return "<br/>".join(pdf_text(line) for line in s.split("\n"))


_FONT_CANDIDATES = (
    # (regular, bold): fonts with wide Unicode coverage, so a name such as "Łukasz" or
    # "Nguyễn" prints; the PDF's standard Helvetica only covers Western European text.
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("arial.ttf", "arialbd.ttf"),
)
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "C:/Windows/Fonts", "/Library/Fonts")
STANDARD_FONTS = ("Helvetica", "Helvetica-Bold")


@lru_cache(maxsize=1)
def unicode_fonts() -> tuple[str, str]:
    """(regular, bold) font names, embedding a Unicode TTF when one is found."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    from rxlog.resources import resources_dir

    folders = [resources_dir() / "fonts", *(Path(d) for d in _FONT_DIRS)]
    for regular, bold in _FONT_CANDIDATES:
        for folder in folders:
            r, b = folder / regular, folder / bold
            if r.is_file() and b.is_file():
                try:
                    pdfmetrics.registerFont(TTFont("RxSans", str(r)))
                    pdfmetrics.registerFont(TTFont("RxSans-Bold", str(b)))
                except (TTFError, OSError):
                    continue
                return "RxSans", "RxSans-Bold"
    return STANDARD_FONTS


CELL_PADDING = 6  # reportlab's default left and right padding of a table cell


def _fit_words(style: Any, text: str, width: float) -> Any:
    """``style``, smaller where a word of ``text`` is wider than the column: a header
    wraps between words, never inside one ("Not g / rade / d")."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase.pdfmetrics import stringWidth

    room = width - 2 * CELL_PADDING
    widest = max((stringWidth(w, style.fontName, style.fontSize) for w in text.split()), default=0)
    if widest <= room:
        return style
    size = max(5.5, style.fontSize * room / widest * 0.98)
    return ParagraphStyle(f"{style.name}-fit", parent=style, fontSize=size,
                          leading=max(size + 1, style.leading * size / style.fontSize))  # fmt: skip


class Kit:
    """Paragraph and table styles of one PDF, in NHS colours.

    ``size`` is the body text size; headings, notes and cells are sized from it, so the
    technician's return (9.5 pt, Unicode font) and the lead's report (9 pt, Helvetica)
    are one family. Styles: ``title``, ``subtitle``, ``banner_title`` and
    ``banner_subtitle`` (white, on a blue band), ``h1``, ``h2``, ``body``, ``small``,
    ``cell``, ``big`` (a key figure) and ``label`` (under a key figure)."""

    body: Any
    title: Any
    subtitle: Any
    banner_title: Any
    banner_subtitle: Any
    h1: Any
    h2: Any
    small: Any
    cell: Any
    big: Any
    label: Any
    th: Any

    def __init__(
        self, fonts: tuple[str, str] = STANDARD_FONTS, size: float = 9.0, space_after: float = 0
    ) -> None:
        from reportlab.lib import colors

        self.font, self.bold = fonts
        self.size = size
        self.space_after = space_after
        self.colors = colors
        self.blue = colors.HexColor(NHS_BLUE)
        self.dark = colors.HexColor(NHS_DARK_BLUE)
        self.dark_grey = colors.HexColor(NHS_DARK_GREY)
        self.grey = colors.HexColor(NHS_MID_GREY)
        self.pale = colors.HexColor(NHS_PALE_GREY)
        self.zebra = colors.HexColor(ZEBRA)
        for name, style in self._styles().items():
            setattr(self, name, style)

    def _styles(self) -> dict[str, Any]:
        from reportlab.lib.enums import TA_LEFT
        from reportlab.lib.styles import ParagraphStyle

        s, white = self.size, self.colors.white
        body = ParagraphStyle(
            "body", fontName=self.font, fontSize=s, leading=s + 3, spaceAfter=self.space_after
        )

        def style(name: str, **kw: Any) -> Any:
            return ParagraphStyle(name, parent=body, **{"spaceAfter": 0, **kw})

        heading = {"fontName": self.bold, "textColor": self.dark}
        # A heading stays with what follows it (never alone at the foot of a page).
        h1 = style("h1", fontSize=14, leading=17, spaceBefore=10, spaceAfter=6, keepWithNext=1,
                   **heading)  # fmt: skip
        h2 = style("h2", fontName=self.bold, fontSize=s + 2, leading=s + 5, textColor=self.dark,
                   spaceBefore=6, spaceAfter=4, keepWithNext=1)  # fmt: skip
        return {
            "h1": h1,
            "h2": h2,
            "body": body,
            "title": style("title", fontSize=18, leading=22, spaceAfter=4, **heading),
            "subtitle": style(
                "subtitle", fontSize=11, leading=14, textColor=self.dark_grey, spaceAfter=10
            ),  # fmt: skip
            "banner_title": style(
                "banner_title",
                fontName=self.bold,
                fontSize=20,
                leading=24,
                textColor=white,
                alignment=TA_LEFT,
            ),  # fmt: skip
            "banner_subtitle": style("banner_subtitle", fontSize=11, leading=14, textColor=white),
            "small": style("small", fontSize=s - 1.5, leading=s + 0.5, textColor=self.dark_grey),
            "cell": style("cell", fontSize=s - 1, leading=s + 1),
            "big": style(
                "big", fontName=self.bold, fontSize=16, leading=19, textColor=self.blue
            ),  # fmt: skip
            "label": style("label", fontSize=8, leading=10, textColor=self.dark_grey),
            "th": style(
                "th", fontName=self.bold, fontSize=s - 1, leading=s + 0.5, textColor=white
            ),  # fmt: skip
        }

    def p(self, text: object, style: Any = None) -> Any:
        """A paragraph of text from anywhere (escaped; line breaks kept)."""
        from reportlab.platypus import Paragraph

        return Paragraph(pdf_lines(text), style or self.body)

    def markup(self, markup: str, style: Any = None) -> Any:
        """A paragraph of the code's own markup (``<b>``); every value put into it must
        have gone through :func:`rxlog.text.pdf_text` already."""
        from reportlab.platypus import Paragraph

        return Paragraph(markup, style or self.body)

    def table(
        self,
        rows: list[list[Any]],
        widths: list[float],
        numeric_from: int = 1,
        total_row: bool = False,
        size: float | None = None,
    ) -> Any:
        """A table in the house style: the first row is the (repeated) header, cells
        from column ``numeric_from`` on are right-aligned, a total row is bold."""
        from reportlab.lib.enums import TA_LEFT, TA_RIGHT
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.platypus import Paragraph, Table, TableStyle

        size = size or self.size - 1
        th = ParagraphStyle("thx", parent=self.th, fontSize=size)
        right = ParagraphStyle("thr", parent=th, alignment=TA_RIGHT)
        left = ParagraphStyle("thl", parent=th, alignment=TA_LEFT)
        head = [
            Paragraph(pdf_text(h), _fit_words(right if i >= numeric_from else left, h, w))
            if isinstance(h, str)
            else h
            for i, (h, w) in enumerate(zip(rows[0], widths, strict=False))
        ]
        # A string cell is drawn as it is (not read as markup): made plain, not escaped.
        body = [[plain(c) if isinstance(c, str) else c for c in row] for row in rows[1:]]
        t = Table([head, *body], colWidths=widths, repeatRows=1, hAlign="LEFT")
        t.setStyle(TableStyle(self.table_style(len(body), numeric_from, total_row, size)))
        return t

    def table_style(
        self, n_rows: int, numeric_from: int, total_row: bool, size: float
    ) -> list[tuple[Any, ...]]:
        white = self.colors.white
        style: list[tuple[Any, ...]] = [
            ("FONT", (0, 0), (-1, 0), self.bold, size),
            ("FONT", (0, 1), (-1, -1), self.font, size),
            ("TEXTCOLOR", (0, 0), (-1, 0), white),
            ("BACKGROUND", (0, 0), (-1, 0), self.blue),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [white, self.zebra]),
            ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, self.pale),
            ("LINEBELOW", (0, -1), (-1, -1), 0.5, self.grey),
        ]
        if total_row and n_rows:
            style += [
                ("FONT", (0, -1), (-1, -1), self.bold, size),
                ("LINEABOVE", (0, -1), (-1, -1), 0.75, self.dark),
                ("BACKGROUND", (0, -1), (-1, -1), white),
            ]
        return style
