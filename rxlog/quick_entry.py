"""The quick-entry line: a small grammar for one entry, and ranking codes as you type.

Qt-free so it is tested alone and could serve a future shell. The grammar (also in
``docs/user-guide.md``)::

    rec 2 25m            top match for "rec", count 2, 25 minutes
    f1                   favourite number 1 (as starred, in order)
    int s4 h:B r10 o:a   intervention graded Eadon 4, NCC MERP B, 10 min released, accepted
    y / -2d / d:30/11    yesterday / two days ago / that date (any day the date fields take)
    dr:2026-11-02 / dr:-1d   discharge information received on
    ad:y@22:40 / ad:07:15    admitted (admission reconciliation): day@time, or a time today
    t:09:30              the time the reconciliation was done (default: now)
    @G82001              at that site (one of your placements)
    "free note"          a note (quotes keep the spaces)

Words that are none of these search the codes and titles. A bare number is always the
count (patients or items); minutes always carry ``m`` or ``h``. ``doubts`` says what the
app asks before saving a line that looks like a typo.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from rxlog.errors import ValidationError

if TYPE_CHECKING:  # kept out of start-up: the window paints before the taxonomy loads
    from rxlog.domain import EntryInput
    from rxlog.taxonomy import Code, Taxonomy

GRAMMAR_HINT = (
    "rec 2 25m (a bare number is the count, 25m the minutes) · f1 favourite · "
    "s4 h:B r10 o:a grading · y, -2d or d:30/11 · dr:y discharge information received · "
    "ad:y@22:40 admitted · t:09:30 time done · "
    '@G82001 site · "note"'
)
OUTCOME_LETTERS = {"a": "accepted", "d": "declined", "p": "pending"}

_MINUTES = re.compile(r"(?:(\d+)h)?(?:(\d+)(?:m|min|mins)?)?", re.IGNORECASE)


class Parsed:
    """What a quick-entry line says, before a code is chosen.

    (A plain class, not a dataclass: this module is on the GUI's first-paint path and
    ``dataclasses`` costs ~5 ms to import there.)
    """

    __slots__ = ("query", "favourite", "values", "problems")

    def __init__(self) -> None:
        self.query = ""
        self.favourite: int | None = None  # 1-based index into the favourites
        self.values: dict[str, Any] = {}
        self.problems: list[tuple[str, str]] = []  # (field, message)

    def __repr__(self) -> str:
        return (
            f"Parsed(query={self.query!r}, favourite={self.favourite!r}, "
            f"values={self.values!r}, problems={self.problems!r})"
        )

    def entry(self, code: str) -> EntryInput:
        """The entry to log with ``code``; raise the first problem, if any."""
        if self.problems:
            fld, message = self.problems[0]
            raise ValidationError(message, field=fld)
        from rxlog.domain import EntryInput

        return EntryInput(code=code, **self.values)


def _relative_day(token: str, today: date) -> date | None:
    if token.lower() in ("y", "yday", "yesterday"):
        return today - timedelta(days=1)
    m = re.fullmatch(r"-(\d{1,3})d", token, re.IGNORECASE)
    if m:
        return today - timedelta(days=int(m.group(1)))
    return None


def _date_value(text: str, today: date, fld: str) -> date:
    """``d:``/``dr:`` take any day the date fields take (``30/11``, ``y``, ``-2d``, ...)."""
    from rxlog.dates import parse_day

    return parse_day(text, today, fld)


def _admitted_value(text: str, today: date) -> Any:
    """``ad:`` takes a day and a time joined by ``@`` (``y@22:40``, ``19/11@08:05``,
    ``2026-11-19@08:05``), or a time alone for today (``07:15``)."""
    from datetime import datetime

    from rxlog.dates import parse_clock

    day_text, at, clock = text.rpartition("@")
    if not at:
        day_text = "today"
    if not clock:
        raise ValidationError(
            "ad: needs the admission time too: ad:y@22:40 (day@HH:MM) or ad:07:15 (today)",
            field="admitted",
        )
    try:
        when = parse_clock(clock, "admitted")
    except ValidationError:
        raise ValidationError(
            f"{text!r} is not an admission day and time: type ad:y@22:40 or ad:07:15",
            field="admitted",
        ) from None
    return datetime.combine(_date_value(day_text, today, "admitted"), when)


def _duration(token: str) -> int | None:
    """Minutes in ``25m``, ``1h``, ``1h30``, ``1h30m``; None if it is not a duration."""
    low = token.lower()
    if not re.search(r"[hm]", low) or not low[0].isdigit():
        return None
    m = _MINUTES.fullmatch(low)
    if not m or (m.group(1) is None and m.group(2) is None):
        return None
    if m.group(1) is not None and m.group(2) is None and not low.endswith("h"):
        return None
    if m.group(1) is None and not re.search(r"m(in|ins)?$", low):
        return None
    return int(m.group(1) or 0) * 60 + int(m.group(2) or 0)


_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')


def parse(text: str, today: date) -> Parsed:
    """Read a quick-entry line. Never raises: problems are collected per field."""
    out = Parsed()
    words: list[str] = []
    for m in _TOKEN.finditer(text):
        if m.group(2) is None:
            if m.group(1).strip():
                out.values["note"] = m.group(1).strip()
            continue
        token = m.group(2)
        low = token.lower()
        try:
            if re.fullmatch(r"f[1-9]", low):
                out.favourite = int(low[1])
            elif token.isdigit():
                if "count" in out.values:
                    raise ValidationError(
                        f"two counts given ({out.values['count']} and {token})", field="count"
                    )
                out.values["count"] = int(token)
            elif (mins := _duration(token)) is not None:
                out.values["minutes"] = mins
            elif re.fullmatch(r"s\d+", low):
                out.values["significance"] = int(low[1:])
            elif low.startswith("h:"):
                out.values["harm"] = token[2:].upper()
            elif re.fullmatch(r"r\d+", low):
                out.values["released_minutes"] = int(low[1:])
            elif low.startswith("o:"):
                val = low[2:]
                out.values["outcome"] = OUTCOME_LETTERS.get(val, val)
            elif low.startswith("dr:"):
                out.values["discharge_received"] = _date_value(
                    token[3:], today, "discharge_received"
                )
            elif low.startswith("ad:"):
                out.values["admitted"] = _admitted_value(token[3:], today)
            elif low.startswith("t:"):
                from rxlog.dates import parse_clock

                out.values["time"] = parse_clock(token[2:], "time")
            elif low.startswith("d:"):
                out.values["date"] = _date_value(token[2:], today, "date")
            elif _relative_day(token, today) is not None:
                out.values["date"] = _relative_day(token, today)
            elif token.startswith("@") and len(token) > 1:
                out.values["site"] = token[1:].upper()
            else:
                words.append(token)
        except ValidationError as exc:
            out.problems.append((exc.field or "quick", exc.message))
    out.query = " ".join(words)
    return out


def _tier(code: Code, words: Sequence[str]) -> int | None:
    """How well ``words`` match a code (lower is better); None if one word misses."""
    name = code.code.lower()
    parts = name.split("-")
    title_words = re.findall(r"[a-z0-9]+", code.title.lower())
    title = code.title.lower()
    worst = 0
    for w in words:
        if name == w:
            t = 0
        elif name.startswith(w):
            t = 1
        elif any(p.startswith(w) for p in parts):
            t = 2
        elif any(tw.startswith(w) for tw in title_words):
            t = 3
        elif w in name or w in title or w in code.category_title.lower():
            t = 4
        else:
            return None
        worst = max(worst, t)
    return worst


class Match(NamedTuple):
    code: Code
    exact: bool
    favourite: bool
    recent: bool
    fits_sector: bool


def rank(
    taxonomy: Taxonomy,
    query: str,
    favourites: Sequence[str] = (),
    recents: Sequence[str] = (),
    sector: str | None = None,
    limit: int = 8,
) -> list[Match]:
    """Codes matching ``query``: an exact code first, then favourites, then recent codes,
    then the rest by how well they match. Codes for the other sector come last; retired
    codes are left out. An empty query lists favourites then recent codes."""
    words = [w for w in re.split(r"\s+", query.strip().lower()) if w]
    fav_pos = {c: i for i, c in enumerate(favourites)}
    rec_pos = {c: i for i, c in enumerate(recents)}
    scored = []
    for code in taxonomy.active():
        if words:
            tier = _tier(code, words)
            if tier is None:
                continue
        elif code.code in fav_pos or code.code in rec_pos:
            tier = 0
        else:
            continue
        exact = bool(words) and code.code.lower() == " ".join(words)
        fits = sector is None or sector in code.sectors
        key = (
            0 if exact else 1,
            0 if fits else 1,
            0 if code.code in fav_pos else (1 if code.code in rec_pos else 2),
            tier,
            fav_pos.get(code.code, rec_pos.get(code.code, 0)),
            code.code,
        )
        scored.append((key, Match(code, exact, code.code in fav_pos, code.code in rec_pos, fits)))
    scored.sort(key=lambda kv: kv[0])
    return [m for _, m in scored[:limit]]


def choose(
    parsed: Parsed,
    taxonomy: Taxonomy,
    favourites: Sequence[str],
    recents: Sequence[str] = (),
    sector: str | None = None,
) -> Code:
    """The code a line logs: its favourite number, else the top match; raise if none."""
    if parsed.favourite is not None:
        if parsed.favourite > len(favourites):
            raise ValidationError(
                f"there is no favourite {parsed.favourite}: star a code first (Ctrl+D)",
                field="code",
            )
        code = taxonomy.get(favourites[parsed.favourite - 1])
        if code is None:
            raise ValidationError(
                f"favourite {favourites[parsed.favourite - 1]} is unknown", field="code"
            )
        return code
    if not parsed.query.strip():
        raise ValidationError("type part of a code or title first", field="code")
    matches = rank(taxonomy, parsed.query, favourites, recents, sector, limit=1)
    if not matches:
        raise ValidationError(f"no activity matches {parsed.query!r}", field="code")
    return matches[0].code


def describe(parsed: Parsed, code: Code | None, today: date, site: str | None = None) -> str:
    """A one-line reading of the line, shown live under it."""
    if parsed.problems:
        return "⚠ " + parsed.problems[0][1]
    if code is None:
        return "no matching activity" if parsed.query or parsed.favourite else ""
    v = parsed.values
    bits = [f"{code.code} – {code.title}"]
    if code.counts != "none":
        n = v.get("count", 1)
        bits.append(f"{n} {code.counts[:-1] if n == 1 else code.counts}")
    bits.append(f"{v.get('minutes', code.default_minutes)} min")
    if v.get("significance") is not None:
        bits.append(f"Eadon {v['significance']}")
    if v.get("harm"):
        bits.append(f"harm {v['harm']}")
    if v.get("released_minutes") is not None:
        bits.append(f"{v['released_minutes']} min released")
    if v.get("outcome"):
        bits.append(v["outcome"])
    if v.get("discharge_received"):
        bits.append(f"discharge information received {_day(v['discharge_received'], today)}")
    if v.get("admitted"):
        adm = v["admitted"]
        bits.append(f"admitted {_day(adm.date(), today)} {adm:%H:%M}")
    if v.get("time"):
        bits.append(f"done at {v['time']:%H:%M}")
    day = v.get("date") or today
    bits.append(
        _day(day, today)
        + (f" at {v['site']}" if v.get("site") else (f" at {site}" if site else ""))
    )
    if v.get("note"):
        bits.append(f'"{v["note"]}"')
    if "count" in v and "minutes" not in v and code.counts != "none":
        bits.append(f"(a bare number is the count; {v['count']}m would be minutes)")
    return " · ".join(bits)


def _day(d: date, today: date) -> str:
    from rxlog.dates import day_text

    if d == today:
        return "today"
    return "yesterday" if d == today - timedelta(1) else day_text(d)


# When a quick-entry line is questioned before it is saved (not refused: the core's
# limits are MAX_MINUTES and 10,000 a count). Working figures for one activity, not
# published facts: a count above these, or under a minute a patient, is more often a
# typo (minutes typed as a bare number) than a real entry.
PLAUSIBLE_COUNT = {"patients": 15, "items": 100}
LONG_ENTRY_MINUTES = 240


class Doubt(NamedTuple):
    """Something to ask before logging a line. ``kind``: ``count`` (a bare number that
    may have meant minutes) or ``minutes`` (a long entry)."""

    kind: str
    question: str


def doubts(parsed: Parsed, code: Code) -> list[Doubt]:
    """What to ask about ``parsed`` logged as ``code`` before saving it."""
    v = parsed.values
    minutes = v.get("minutes", code.default_minutes)
    out = []
    count = v.get("count")
    if count is not None and code.counts != "none":
        per = minutes / count if count else None
        if count > PLAUSIBLE_COUNT.get(code.counts, 100) or (per is not None and per < 1):
            what = code.counts[:-1] if count == 1 else code.counts
            typed = "" if "minutes" in v else f" (no minutes typed, so {minutes}, the usual)"
            out.append(
                Doubt("count", f"{count} {what} in {minutes} minutes{typed}: is that right?")
            )
    if minutes > LONG_ENTRY_MINUTES:
        out.append(
            Doubt(
                "minutes",
                f"{minutes // 60} h {minutes % 60:02d} in one entry: is that right?",
            )
        )
    return out


def parse_favourites(raw: str | None, taxonomy: Taxonomy) -> list[str]:
    """The starred codes stored as a JSON list in the settings table (bad data → none)."""
    import json

    try:
        items = json.loads(raw) if raw else []
    except ValueError:
        return []
    if not isinstance(items, list):
        return []
    return [c for c in items if isinstance(c, str) and taxonomy.get(c) is not None]


def dump_favourites(codes: Iterable[str]) -> str:
    import json

    return json.dumps(list(dict.fromkeys(codes)))
