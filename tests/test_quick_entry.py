"""The quick-entry grammar and code ranking (no Qt)."""

from __future__ import annotations

from datetime import date

import pytest

from rxlog import quick_entry as qe
from rxlog.domain import EntryInput
from rxlog.errors import ValidationError
from rxlog.taxonomy import current_taxonomy

TODAY = date(2026, 11, 20)
TAX = current_taxonomy()


def test_count_minutes_and_query():
    p = qe.parse("rec 2 25m", TODAY)
    assert p.query == "rec"
    assert p.values == {"count": 2, "minutes": 25}
    assert p.entry("REC-ADM") == EntryInput("REC-ADM", count=2, minutes=25)


@pytest.mark.parametrize(
    ("token", "minutes"), [("25m", 25), ("1h", 60), ("1h30", 90), ("1h30m", 90), ("45min", 45)]
)
def test_durations(token, minutes):
    assert qe.parse(f"adm {token}", TODAY).values == {"minutes": minutes}


def test_grading_dates_site_note():
    p = qe.parse('int s4 h:b r10 o:a -2d dr:-3d @g82001 "called GP re dose"', TODAY)
    assert p.query == "int"
    assert p.values == {
        "significance": 4,
        "harm": "B",
        "released_minutes": 10,
        "outcome": "accepted",
        "date": date(2026, 11, 18),
        "discharge_received": date(2026, 11, 17),
        "site": "G82001",
        "note": "called GP re dose",
    }


def test_yesterday_and_iso_date():
    assert qe.parse("y rec", TODAY).values["date"] == date(2026, 11, 19)
    assert qe.parse("rec d:2026-11-03", TODAY).values["date"] == date(2026, 11, 3)


def test_unclosed_quote_is_a_note_while_typing():
    assert qe.parse('rec "awaiting rep', TODAY).values["note"] == "awaiting rep"


def test_problems_are_collected_and_raised_on_entry():
    p = qe.parse("rec d:2026-13-01", TODAY)
    assert p.problems and p.problems[0][0] == "date"
    with pytest.raises(ValidationError) as exc:
        p.entry("REC-ADM")
    assert exc.value.field == "date"
    assert qe.parse("rec 2 3", TODAY).problems[0][0] == "count"


def test_exact_code_ranks_first_even_over_favourites():
    ranked = qe.rank(TAX, "qry-cp", favourites=["QRY-PAT"], recents=["QRY-CLIN"])
    assert ranked[0].code.code == "QRY-CP" and ranked[0].exact


def test_favourites_then_recents_then_the_rest():
    ranked = qe.rank(TAX, "qry", favourites=["QRY-CP"], recents=["QRY-CLIN"])
    assert [m.code.code for m in ranked] == ["QRY-CP", "QRY-CLIN", "QRY-PAT"]


def test_title_words_match_and_other_sector_comes_last():
    ranked = qe.rank(TAX, "discharge", sector="secondary")
    codes = [m.code.code for m in ranked]
    assert "ACU-DCOUNSEL" in codes and "REC-DIS" in codes
    assert codes.index("REC-DIS") > codes.index("ACU-DCOUNSEL")
    assert not ranked[codes.index("REC-DIS")].fits_sector


def test_empty_query_lists_favourites_and_recents_only():
    ranked = qe.rank(TAX, "", favourites=["ADM-MEET"], recents=["REC-ADM"])
    assert [m.code.code for m in ranked] == ["ADM-MEET", "REC-ADM"]


def test_choose_by_favourite_number_and_errors():
    favs = ["ADM-MEET", "REC-ADM"]
    assert qe.choose(qe.parse("f2", TODAY), TAX, favs).code == "REC-ADM"
    with pytest.raises(ValidationError, match="no favourite 3"):
        qe.choose(qe.parse("f3", TODAY), TAX, favs)
    with pytest.raises(ValidationError, match="no activity matches"):
        qe.choose(qe.parse("zzzz", TODAY), TAX, favs)


def test_describe_reads_back_the_line():
    p = qe.parse("rec 2 25m y", TODAY)
    text = qe.describe(p, TAX.get("REC-ADM"), TODAY, site="RPA")
    assert "REC-ADM" in text and "2 patients" in text and "25 min" in text
    assert "yesterday at RPA" in text


def test_favourites_round_trip_and_bad_data():
    raw = qe.dump_favourites(["REC-ADM", "REC-ADM", "ADM-MEET"])
    assert qe.parse_favourites(raw, TAX) == ["REC-ADM", "ADM-MEET"]
    assert qe.parse_favourites("not json", TAX) == []
    assert qe.parse_favourites('["NOPE", "ADM-MEET"]', TAX) == ["ADM-MEET"]


def test_a_parsed_line_logs_through_the_core(rx):
    p = qe.parse("rec 3 25m y", rx.today())
    code = qe.choose(p, TAX, [], sector="secondary")
    entry = rx.log(p.entry(code.code)).entry
    assert (entry.code, entry.count, entry.minutes) == ("REC-ADM", 3, 25)
    assert entry.date == date(2026, 11, 19)


def test_admission_tokens_day_at_time_and_time_today():
    from datetime import datetime, time

    p = qe.parse("rec y ad:-2d@22:40 t:09:05", TODAY)
    assert p.values == {
        "date": date(2026, 11, 19),
        "admitted": datetime(2026, 11, 18, 22, 40),
        "time": time(9, 5),
    }
    assert qe.parse("rec ad:07:15", TODAY).values["admitted"] == datetime(2026, 11, 20, 7, 15)
    assert qe.parse("rec ad:19/11@8:05", TODAY).values["admitted"] == datetime(2026, 11, 19, 8, 5)
    assert qe.parse("rec ad:2026-11-19@23:59", TODAY).values["admitted"] == datetime(
        2026, 11, 19, 23, 59
    )
    text = qe.describe(p, TAX.get("REC-ADM"), TODAY)
    assert "admitted Wed 18 Nov 2026 22:40" in text and "done at 09:05" in text


@pytest.mark.parametrize("line", ["rec ad:y", "rec ad:y@", "rec ad:y@25:00", "rec ad:zz@10:00",
                                  "rec ad:y@10", "rec t:9.30"])  # fmt: skip
def test_bad_admission_tokens_are_problems_naming_the_field(line):
    p = qe.parse(line, TODAY)
    assert p.problems and p.problems[0][0] in ("admitted", "time"), p.problems
    with pytest.raises(ValidationError):
        p.entry("REC-ADM")


def test_an_admission_line_logs_through_the_core(rx):
    from datetime import datetime, time

    p = qe.parse("rec adm y ad:-2d@22:40 t:09:05", rx.today())
    code = qe.choose(p, TAX, [], sector="secondary")
    entry = rx.log(p.entry(code.code)).entry
    assert (entry.code, entry.admitted, entry.time) == (
        "REC-ADM", datetime(2026, 11, 18, 22, 40), time(9, 5))  # fmt: skip
