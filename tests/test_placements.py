"""The rotation calendar, editable: placement end / edit / delete / next rotation, each
change audited, and no entry ever left outside every placement without the user's say."""

import json

import pytest
from conftest import TODAY
from test_cli import db_state


@pytest.fixture
def ready(cli):
    """Setup as a new technician leaves it: one open-ended placement (id 1) from 1 Oct."""
    assert cli("setup", "--name", "Alex Morgan", "--gphc", "5012345").code == 0
    r = cli("placement", "add", "G82001", "--name", "Test Surgery", "--sector", "primary",
            "--from", "2026-10-01")  # fmt: skip
    assert r.code == 0, r.err
    return cli


def placements(cli):
    return json.loads(cli("placement", "list", "--format", "json").out)


def entries(cli):
    return json.loads(cli("list", "--format", "json").out)


def log(cli, code, day):
    r = cli("log", code, "--date", day)
    assert r.code == 0, r.err
    return r.out.strip()


def test_end_then_the_next_rotation_is_accepted_and_both_are_audited(ready):
    log(ready, "QRY-PAT", "2026-10-05")
    # the trap: an open-ended placement refuses the next one as overlapping
    refused = ready("placement", "add", "RPA", "--name", "Medway NHS FT", "--sector",
                    "secondary", "--from", "2026-11-01")  # fmt: skip
    assert refused.code == 2 and "overlaps" in refused.err
    r = ready("placement", "end", "1", "--on", "2026-10-31")
    assert r.code == 0, r.err
    assert "to 2026-10-31" in r.out
    r = ready("placement", "add", "RPA", "--name", "Medway NHS FT", "--sector", "secondary",
              "--from", "2026-11-01")  # fmt: skip
    assert r.code == 0, r.err
    assert [(p["ods"], p["date_from"], p["date_to"]) for p in placements(ready)] == [
        ("G82001", "2026-10-01", "2026-10-31"),
        ("RPA", "2026-11-01", None),
    ]
    records = json.loads(ready("audit", "--format", "json").out)
    end = [r for r in records if r["action"] == "placement-end"]
    assert len(end) == 1 and end[0]["entry_id"] == "placement:1"
    assert json.loads(end[0]["before"])["date_to"] is None
    assert json.loads(end[0]["after"])["date_to"] == "2026-10-31"
    assert ready("audit", "--verify").code == 0


def test_end_is_refused_while_it_would_leave_entries_outside_every_placement(ready, data_dir):
    late = log(ready, "QRY-PAT", "2026-11-03")
    log(ready, "QRY-PAT", "2026-10-05")
    before = db_state(data_dir)
    r = ready("placement", "end", "1", "--on", "2026-10-31")
    assert r.code == 2
    assert r.err.startswith("rxlog: on:")
    assert "outside every placement" in r.err and "2026-11-03 QRY-PAT" in r.err
    assert late[:8] in r.err
    assert db_state(data_dir) == before
    # the explicit choice: delete them (audited with the reason)
    r = ready("placement", "end", "1", "--on", "2026-10-31", "--delete-entries",
              "--reason", "left early")  # fmt: skip
    assert r.code == 0, r.err
    assert "1 entries outside every placement were deleted" in r.out
    assert [e["date"] for e in entries(ready)] == ["2026-10-05"]
    records = json.loads(ready("audit", "--format", "json").out)
    deleted = [r for r in records if r["action"] == "delete"]
    assert deleted[0]["entry_id"] == late and "left early" in deleted[0]["reason"]
    assert ready("audit", "--verify").code == 0


def test_next_rotation_moves_the_entries_from_its_first_day(ready):
    log(ready, "QRY-PAT", "2026-10-30")
    moved = log(ready, "QRY-PAT", "2026-11-02")  # logged before the calendar was updated
    r = ready("placement", "add", "Y05090", "--name", "Riverside PCN", "--sector", "primary",
              "--from", "2026-11-01", "--end-previous")  # fmt: skip
    assert r.code == 0, r.err
    assert "Ended placement 1" in r.out and "1 entries now belong" in r.out
    rows = {e["id"]: e for e in entries(ready)}
    assert rows[moved]["site"] == "Y05090"
    assert [e["site"] for e in entries(ready) if e["date"] == "2026-10-30"] == ["G82001"]
    assert [(p["ods"], p["date_to"]) for p in placements(ready)] == [
        ("G82001", "2026-10-31"),
        ("Y05090", None),
    ]
    assert ready("audit", "--verify").code == 0


def test_next_rotation_into_a_sector_that_cannot_hold_an_entry_is_refused(ready, data_dir):
    log(ready, "QRY-PAT", "2026-11-02")
    log(ready, "REP-MGMT", "2026-11-03")  # repeat prescribing: primary care only
    before = db_state(data_dir)
    r = ready("placement", "add", "RPA", "--name", "Medway NHS FT", "--sector", "secondary",
              "--from", "2026-11-01", "--end-previous")  # fmt: skip
    assert r.code == 2 and r.err.startswith("rxlog: from:")
    assert "cannot hold" in r.err and "2026-11-03 REP-MGMT" in r.err
    assert "QRY-PAT" not in r.err  # a query fits either sector
    assert db_state(data_dir) == before


def test_edit_changes_name_dates_and_sector_and_needs_a_reason(ready, data_dir):
    r = ready("placement", "edit", "1", "--name", "Test Surgery (north)", "--to", "2026-12-31",
              "--reason", "letter says December")  # fmt: skip
    assert r.code == 0, r.err
    (p,) = placements(ready)
    assert (p["name"], p["date_to"]) == ("Test Surgery (north)", "2026-12-31")
    r = ready("placement", "edit", "1", "--open-ended", "--reason", "extended")
    assert r.code == 0, r.err
    assert placements(ready)[0]["date_to"] is None
    before = db_state(data_dir)
    r = ready("placement", "edit", "1", "--name", "X")  # no --reason
    assert r.code == 2 and "--reason" in r.err
    assert db_state(data_dir) == before
    actions = [r["action"] for r in json.loads(ready("audit", "--format", "json").out)]
    assert actions == ["placement-edit", "placement-edit"]


EDIT_REFUSALS = [
    (("placement", "edit", "1", "--reason", "x"), "changes", "nothing to change"),
    (("placement", "edit", "9", "--name", "N", "--reason", "x"), "id", "no placement with id 9"),
    (("placement", "edit", "one", "--name", "N", "--reason", "x"), "id", "not a placement id"),
    (("placement", "edit", "1", "--name", "N", "--reason", "  "), "reason", "reason is required"),
    (("placement", "edit", "1", "--name", " ", "--reason", "x"), "name", "needs a name"),
    (("placement", "edit", "1", "--to", "2026-09-30", "--reason", "x"), "to", "before it starts"),
    (("placement", "edit", "1", "--to", "2026-13-01", "--reason", "x"), "to", "not a date"),
    (("placement", "edit", "1", "--from", "2026-10-10", "--reason", "x"), "from", "outside every"),
    (("placement", "edit", "1", "--sector", "secondary", "--reason", "x"), "sector", "cannot hold"),
    (("placement", "edit", "1", "--name", "Pt 943 476 5919", "--reason", "x"), "name", "NHS"),
    (("placement", "end", "1", "--on", "2026-09-30"), "on", "before it starts"),
    (("placement", "end", "1", "--on", "31/10/2026"), "on", "not a date"),
    (("placement", "end", "1", "--on", "2026-10-04"), "on", "outside every placement"),
    (("placement", "delete", "1", "--reason", "x"), "id", "depend on this placement"),
    (("placement", "delete", "7", "--reason", "x"), "id", "no placement with id 7"),
    (("placement", "add", "RPA", "--name", "M", "--sector", "secondary", "--end-previous"),
     "from", "needs --from"),
    (("placement", "add", "RPA", "--name", "M", "--sector", "secondary", "--from", "2026-10-01",
      "--end-previous"), "from", "cannot end before"),
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(("args", "field", "words"), EDIT_REFUSALS)
def test_each_calendar_refusal_names_its_field_and_changes_nothing(
    ready, data_dir, args, field, words
):
    log(ready, "REP-MGMT", "2026-10-05")
    before = db_state(data_dir)
    r = ready(*args)
    assert r.code == 2, (r.code, r.err)
    assert r.err.startswith(f"rxlog: {field}:"), r.err
    assert words in r.err, r.err
    assert db_state(data_dir) == before


def test_edit_to_an_overlap_is_refused(ready, data_dir):
    assert ready("placement", "end", "1", "--on", "2026-10-31").code == 0
    r = ready("placement", "add", "RPA", "--name", "Medway NHS FT", "--sector", "secondary",
              "--from", "2026-11-01")  # fmt: skip
    assert r.code == 0
    before = db_state(data_dir)
    r = ready("placement", "edit", "1", "--open-ended", "--reason", "x")
    assert r.code == 2 and r.err.startswith("rxlog: from:") and "overlaps" in r.err
    assert db_state(data_dir) == before


def test_delete_a_placement_nothing_depends_on(ready):
    assert ready("placement", "end", "1", "--on", "2026-10-31").code == 0
    r = ready("placement", "add", "RPA", "--name", "Wrong one", "--sector", "secondary",
              "--from", "2026-12-01")  # fmt: skip
    assert r.code == 0
    r = ready("placement", "delete", "2", "--reason", "typed the wrong site")
    assert r.code == 0, r.err
    assert [p["id"] for p in placements(ready)] == [1]
    rec = json.loads(ready("audit", "--format", "json").out)[-1]
    assert (rec["action"], rec["entry_id"]) == ("placement-delete", "placement:2")
    assert rec["after"] is None
    assert rec["reason"] == "typed the wrong site"
    assert ready("audit", "--verify").code == 0


def test_a_signed_off_month_keeps_its_entries_where_they_are(ready, data_dir):
    from rxlog.service import RxLog
    from rxlog.storage.models import MonthLock

    log(ready, "QRY-PAT", "2026-10-20")
    app = RxLog.open(data_dir, today=lambda: TODAY)
    try:
        with app.db.transaction() as s:
            s.add(MonthLock(month="2026-10", version=1, locked=1, locked_at="2026-11-02T09:00"))
    finally:
        app.close()
    before = db_state(data_dir)
    r = ready("placement", "end", "1", "--on", "2026-10-10", "--delete-entries")
    assert r.code == 2 and "signed off" in r.err and "2026-10" in r.err
    assert db_state(data_dir) == before
