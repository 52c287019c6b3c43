"""The lead's roster and calendar: completeness per technician-month against the roster
(a rostered technician who sent nothing is missing), and the report rebased at the
calendar's pilot start."""

from __future__ import annotations

import contextlib
import io
import json
import random

import pytest
from central_db import central_url  # noqa: F401  (fixture: SQLite and PostgreSQL)
from conftest import bench_module

from rxlog.central.importer import import_paths
from rxlog.central.report_data import gather
from rxlog.central.store import CentralStore
from rxlog.central.trust import trust_key
from rxlog.cli import main as cli_main

gen = bench_module("gen_returns")


def central(url: str, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli_main(["central", "--db", url, *args])
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def lead(tmp_path, central_url):  # noqa: F811
    """A store (SQLite and PostgreSQL) with two technicians' returns; its URL."""
    url = central_url
    st = CentralStore.open(url)
    inbox = tmp_path / "inbox"
    sent = {1: ("2026-01", "2026-02", "2026-03"), 2: ("2026-03",)}
    for t, months in sent.items():
        inst = gen.Installation.new(t)
        trust_key(st, inst.write_key(tmp_path / f"{t}.pem"), inst.name)
        for m in months:
            rows = gen.make_rows(inst, m, 1, 60, random.Random(f"{t}{m}"), "pilot")
            gen.write_return(inst, m, rows, inbox / inst.gphc)
    assert all(r.outcome == "imported" for r in import_paths(st, [inbox], workers=1))
    st.close()
    return url


def test_completeness_is_measured_against_the_roster(lead):
    url = lead
    gphc = [gen.Installation.new(t).gphc for t in (1, 2, 3)]
    for g, name in zip(gphc, ("Technician 001", "Technician 002", "Technician 003"), strict=True):
        code, out, err = central(url, "roster", "add", g, "--name", name, "--from", "2026-01-01")
        assert code == 0, err
    # Technician 1 leaves at the end of February: March is no longer owed (but was sent).
    code, out, _ = central(url, "roster", "end", gphc[0], "--on", "2026-02-28")
    assert code == 0 and "to 2026-02-28" in out
    code, out, _ = central(url, "roster", "list", "--format", "json")
    assert json.loads(out) == [
        {"gphc": gphc[0], "name": "Technician 001", "from": "2026-01-01", "to": "2026-02-28"},
        {"gphc": gphc[1], "name": "Technician 002", "from": "2026-01-01", "to": None},
        {"gphc": gphc[2], "name": "Technician 003", "from": "2026-01-01", "to": None},
    ]
    code, out, _ = central(url, "status", "--format", "json")
    cells = {(r["gphc"], r["month"]): r["state"] for r in json.loads(out)}
    assert cells[(gphc[2], "2026-01")] == "missing"  # sent nothing at all: missing
    assert [cells[(gphc[1], m)] for m in ("2026-01", "2026-02", "2026-03")] == [
        "missing", "missing", "received"
    ]  # fmt: skip
    st = CentralStore.open(url)
    data = gather(st)
    st.close()
    missing = sorted((g, m) for _, g, m in data.missing)
    assert missing == sorted(
        [(gphc[1], "2026-01"), (gphc[1], "2026-02")]
        + [(gphc[2], m) for m in ("2026-01", "2026-02", "2026-03")]
    )
    assert data.returns == 4


def test_roster_and_calendar_refuse_bad_input_and_change_nothing(lead):
    url = lead
    g = gen.Installation.new(1).gphc
    assert central(url, "roster", "add", g, "--name", "A", "--from", "2026-01-01")[0] == 0
    for args, words in (
        (("roster", "add", "12", "--name", "A", "--from", "2026-01-01"), "GPhC"),
        (("roster", "add", g, "--name", "A", "--from", "2026-02-01"), "overlap"),
        (("roster", "add", "5100009", "--name", "B", "--from", "2026-13-01"), "not a date"),
        (
            (
                "roster",
                "add",
                "5100009",
                "--name",
                "B",
                "--from",
                "2026-03-01",
                "--to",
                "2026-02-01",
            ),
            "before",
        ),  # fmt: skip
        (("roster", "end", "5100009", "--on", "2026-03-01"), "no open period"),
        (
            (
                "calendar",
                "set",
                "--baseline",
                "2026-01-01",
                "2026-02-28",
                "--pilot",
                "2026-02-01",
                "2026-12-31",
            ),
            "before the baseline ends",
        ),  # fmt: skip
    ):
        code, out, err = central(url, *args)
        assert code == 2 and words in err, (args, err)
    code, out, _ = central(url, "roster", "list", "--format", "json")
    assert [p["gphc"] for p in json.loads(out)] == [g]


def test_the_report_is_rebased_at_the_calendars_pilot_start(lead):
    url = lead
    code, out, err = central(url, "calendar", "set", "--baseline", "2026-01-01", "2026-02-28",
                             "--pilot", "2026-03-01", "2026-12-31")  # fmt: skip
    assert code == 0, err
    st = CentralStore.open(url)
    data = gather(st)
    st.close()
    monthly = next(s for s in data.series if s.key == "INT_RATE_M").chart
    # Every entry says "pilot", but the lead's calendar decides the phases.
    assert [p.phase for p in monthly.points] == ["baseline", "baseline", "pilot"]
    weekly = next(s for s in data.series if s.key == "INT_RATE_W").chart
    assert all((p.phase == "pilot") == (p.label >= "2026-02-23") for p in weekly.points)


def test_a_store_at_the_previous_revision_upgrades_and_keeps_its_returns(tmp_path, lead):
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine, inspect, text

    from rxlog.central.store import KNOWN_REVISIONS, SCHEMA_HEAD

    cfg = Config()
    cfg.set_main_option("script_location", "rxlog.central:migrations")
    script = ScriptDirectory.from_config(cfg)
    assert script.get_current_head() == SCHEMA_HEAD
    assert [r.revision for r in reversed(list(script.walk_revisions()))] == list(KNOWN_REVISIONS)
    # The lead fixture's store, taken back to the revision before the roster, then reopened.
    engine = create_engine(lead)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "c0003")  # the revision before the roster
    with engine.connect() as conn:
        assert "central_roster" not in inspect(conn).get_table_names()
        before = conn.execute(text("select count(*) from central_entry")).scalar()
    engine.dispose()
    st = CentralStore.open(lead)
    assert st.revision() == SCHEMA_HEAD
    with st.read() as conn:
        assert conn.execute(text("select count(*) from central_entry")).scalar() == before > 0
    st.close()
    assert central(lead, "roster", "list")[0] == 0


def test_sector_by_phase_follows_the_calendar_and_adds_up(lead):
    url = lead
    st = CentralStore.open(url)
    before = gather(st)
    assert before.phases_from == "technicians" and set(before.by_phase) == {"pilot"}
    st.close()
    central(url, "calendar", "set", "--baseline", "2026-01-01", "2026-02-28", "--pilot",
            "2026-03-01", "2026-12-31")  # fmt: skip
    st = CentralStore.open(url)
    data = gather(st)
    st.close()
    assert data.phases_from == "calendar"
    assert set(data.by_phase) == {"baseline", "pilot"}
    assert data.phase_returns == {"baseline": 2, "pilot": 2}
    for ph, tot in data.by_phase.items():
        parts = [t for (_, p), t in data.by_sector_phase.items() if p == ph]
        assert sum(t.minutes for t in parts) == tot.minutes
        assert sum(t.interventions for t in parts) == tot.interventions
    for sec, tot in data.by_sector.items():
        parts = [t for (s, _), t in data.by_sector_phase.items() if s == sec]
        assert sum(t.minutes for t in parts) == tot.minutes
    assert {s for s, _ in data.by_sector_phase} == {"primary", "secondary"}
