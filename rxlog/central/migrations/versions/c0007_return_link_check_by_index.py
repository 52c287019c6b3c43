"""PostgreSQL: the statement trigger of c0006 finds the rows' returns by their primary
key, not by reading the whole ``central_return`` table.

c0006 checked ``id IN (SELECT return_pk FROM new_rows)``, which PostgreSQL planned as a
scan of every return (the planner knows nothing of a transition table's size): 1.6 ms a
statement at 1,000 returns, twice a return (entries and summary rows), and growing with
the store. The function now gathers the rows' distinct returns into one array first and
locks them through ``id = ANY(...)`` on the primary key: the same rule (every row names
a return that is there, locked ``FOR KEY SHARE`` as a foreign key locks it; otherwise
``foreign_key_violation``), the same rows, the same message.

SQLite: nothing changes (its foreign keys stay).

Revision ID: c0007
Revises: c0006
Create Date: 2026-12-01
"""

from alembic import op

revision = "c0007"
down_revision = "c0006"
branch_labels = None
depends_on = None

_BY_INDEX = """
CREATE OR REPLACE FUNCTION rxlog_rows_have_their_return() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  wanted integer[];
  found bigint;
BEGIN
  SELECT coalesce(array_agg(DISTINCT return_pk) FILTER (WHERE return_pk IS NOT NULL), '{}')
    INTO wanted FROM new_rows;
  PERFORM 1 FROM central_return WHERE id = ANY(wanted) FOR KEY SHARE;
  GET DIAGNOSTICS found = ROW_COUNT;
  IF found <> cardinality(wanted) THEN
    RAISE foreign_key_violation
      USING MESSAGE = 'a row of ' || TG_TABLE_NAME || ' names a return that is not there';
  END IF;
  RETURN NULL;
END $$
"""

# c0006's function, for the downgrade.
_BY_SCAN = """
CREATE OR REPLACE FUNCTION rxlog_rows_have_their_return() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  wanted bigint;
  found bigint;
BEGIN
  SELECT count(DISTINCT return_pk) INTO wanted FROM new_rows;
  PERFORM 1 FROM central_return WHERE id IN (SELECT return_pk FROM new_rows) FOR KEY SHARE;
  GET DIAGNOSTICS found = ROW_COUNT;
  IF found <> wanted THEN
    RAISE foreign_key_violation
      USING MESSAGE = 'a row of ' || TG_TABLE_NAME || ' names a return that is not there';
  END IF;
  RETURN NULL;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_BY_INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_BY_SCAN)
