"""The lead's store under test on both databases it runs on: SQLite and PostgreSQL.

A test that takes ``central_url`` runs twice: on a SQLite file in its temp folder and on
a fresh PostgreSQL database of its own (created on the server ``RXLOG_TEST_PG_URL``
names, dropped afterwards), so each test starts from nothing on either. Without
``RXLOG_TEST_PG_URL`` the PostgreSQL run is skipped; with ``RXLOG_REQUIRE_PG=1`` (CI) a
missing URL or a server that does not answer fails instead. Start a throwaway server
with ``bash scripts/pg-test-server.sh start /tmp/rxlog-pg`` (it prints the URL).

Import the fixtures into a test module with ``from central_db import central_url``. A
module-scoped store (one built once and shared by a module's tests, as the fuzz tests
do) takes ``params=BACKENDS`` and ``with store_url(request.param, folder) as url``.
``tests/test_store_backends.py`` fails for a test module that opens a central store
without one of these.
"""

from __future__ import annotations

import atexit
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

PG_URL = os.environ.get("RXLOG_TEST_PG_URL")
REQUIRE_PG = os.environ.get("RXLOG_REQUIRE_PG") == "1"
BACKENDS = ("sqlite", "postgresql")


def _no_server(why: str) -> None:
    if REQUIRE_PG:
        pytest.fail(f"RXLOG_REQUIRE_PG=1 but {why}", pytrace=False)
    pytest.skip(why)


# Databases this process made and emptied again, for its next test: CREATE DATABASE
# costs about 0.5 s a time on the shared 2-CPU machine, emptying one about 0.05 s.
_SPARE: list[str] = []
_MADE: list[str] = []


def fresh_pg_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server of ``server_url``; its URL. Afterwards it is
    emptied (every connection to it ended, every schema dropped, ``public`` made anew)
    for this process's next test, and dropped when the process ends."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    admin_url = make_url(server_url)
    admin = create_engine(admin_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = _SPARE.pop() if _SPARE else f"rxlog_t_{uuid.uuid4().hex[:16]}"
    try:
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                {"n": name}).first():  # fmt: skip
                conn.execute(text(f'CREATE DATABASE "{name}"'))
                if not _MADE:
                    atexit.register(_drop_spares, admin_url)
                _MADE.append(name)
    except OperationalError as exc:
        admin.dispose()
        _no_server(f"the PostgreSQL server at {admin_url.host}:{admin_url.port} "
                   f"does not answer ({type(exc.orig).__name__})")  # fmt: skip
    url = admin_url.set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        try:
            _empty(admin, url, name)
            _SPARE.append(name)
        except Exception:  # emptying failed: the database goes
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty(admin: Any, url: Any, name: str) -> None:
    """Leave the database ``name`` as CREATE DATABASE makes it: nobody connected, only
    an empty ``public`` schema."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                 "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name},
        )  # fmt: skip
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            schemas = conn.execute(
                text("SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
                     "AND nspname <> 'information_schema'")
            ).scalars().all()  # fmt: skip
            for schema in schemas:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            conn.execute(text("CREATE SCHEMA public AUTHORIZATION pg_database_owner"))
            conn.execute(text("GRANT USAGE ON SCHEMA public TO PUBLIC"))
    finally:
        engine.dispose()


def _drop_spares(admin_url: Any) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(admin_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            while _SPARE:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{_SPARE.pop()}" WITH (FORCE)'))
    except Exception:  # the server went first (CI stops it at the end): nothing to drop
        pass
    finally:
        admin.dispose()


@contextmanager
def store_url(backend: str, folder: Path) -> Iterator[str]:
    """The URL of an empty central store on ``backend``: ``central.sqlite3`` in
    ``folder``, or a fresh PostgreSQL database (dropped when the block ends)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'central.sqlite3'}"
        return
    if not PG_URL:
        _no_server("RXLOG_TEST_PG_URL is not set")
    assert PG_URL is not None
    yield from fresh_pg_database(PG_URL)


@pytest.fixture(params=BACKENDS)
def central_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty central store: a SQLite file, or a fresh PostgreSQL database."""
    with store_url(request.param, tmp_path) as url:
        yield url


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def rows(url: str, sql: str, **params: object) -> list[tuple]:
    """The rows of one SQL query on the store at ``url`` (either database)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params).all()]
    finally:
        engine.dispose()


def dump(url: str, tables: tuple[str, ...]) -> dict[str, list[tuple]]:
    """Every row of ``tables``, in id order: to check a refused input changed nothing."""
    return {t: rows(url, f"SELECT * FROM {t} ORDER BY 1") for t in tables}
