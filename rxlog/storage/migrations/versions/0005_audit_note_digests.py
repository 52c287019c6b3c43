"""The audit chain covers a salted hash of each note, not its text (so a note can be
redacted from the trail without breaking the chain); existing trails are re-chained.

Each record's ``before``/``after`` snapshot keeps ``"note": "sha256:<hex>"`` where the
hex is SHA-256 of ``salt + "\\0" + text``; the salt and the text are kept beside it in
the new ``notes`` column, which the record's hash does not cover. Redacting a note
deletes that material: the digest left in the chain cannot be turned back into the
text without the salt.

Re-chaining keeps every problem the old chain had visible: a record whose hash did not
match its content keeps its (wrong) hash, and a broken link stays broken, so
``rxlog audit --verify`` reports the same records after the upgrade as before.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import hashlib
import json
import secrets
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
_BATCH = 5000
_FIELDS = ("seq", "at", "os_user", "technician", "action", "entry_id", "before", "after", "reason")


def _canonical(value: Any) -> str:  # the same canonical JSON as rxlog.audit at this revision
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=repr
    )


def _sha(text: str) -> str:  # the chain's formula: SHA-256 of prev_hash + canonical fields
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _digest(salt: str, text: str) -> str:
    return "sha256:" + hashlib.sha256(f"{salt}\0{text}".encode()).hexdigest()


def _seal(raw: str | None) -> tuple[str | None, dict[str, str] | None]:
    """(the snapshot string to hash, the note material) for one side of a record."""
    if raw is None or '"note":null' in raw:  # canonical JSON: no note, nothing to seal
        return raw, None
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return raw, None  # damaged: left exactly as it is (verify reports it)
    if not isinstance(value, dict) or not isinstance(value.get("note"), str):
        return raw, None
    salt = secrets.token_hex(16)
    text = value["note"]
    value["note"] = _digest(salt, text)
    return _canonical(value), {"salt": salt, "text": text}


def upgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        batch.add_column(sa.Column("notes", sa.Text, nullable=True))
    conn = op.get_bind()
    old_prev, new_prev, last_seq = GENESIS, GENESIS, None
    while True:
        q = (
            'SELECT seq, at, os_user, technician, action, entry_id, "before", "after", '
            "reason, "
            "prev_hash, hash FROM audit"
            + (" WHERE seq > ?" if last_seq is not None else "")
            + f" ORDER BY seq LIMIT {_BATCH}"
        )
        rows = conn.exec_driver_sql(q, (last_seq,) if last_seq is not None else ()).fetchall()
        if not rows:
            break
        updates = []
        for row in rows:
            fields = dict(zip(_FIELDS, row[:9], strict=True))
            stored_prev, stored_hash = row[9], row[10]
            link_ok = stored_prev == old_prev
            before, before_note = _seal(fields["before"])
            after, after_note = _seal(fields["after"])
            prev = new_prev if link_ok else stored_prev
            sealed = before_note is not None or after_note is not None
            if not sealed and prev == stored_prev:
                new_hash = stored_hash  # neither this record nor any before it changed
            else:
                old_text = _canonical(fields)
                content_ok = _sha(str(stored_prev) + old_text) == stored_hash
                if sealed:
                    fields["before"], fields["after"] = before, after
                    new_text = _canonical(fields)
                else:
                    new_text = old_text
                new_hash = _sha(str(prev) + new_text) if content_ok else stored_hash
                notes = {k: v for k, v in (("before", before_note), ("after", after_note)) if v}
                updates.append(
                    (before, after, _canonical(notes) if notes else None, prev, new_hash, row[0])
                )
            old_prev, new_prev, last_seq = stored_hash, new_hash, row[0]
        if updates:
            conn.exec_driver_sql(
                'UPDATE audit SET "before" = ?, "after" = ?, notes = ?, prev_hash = ?, '
                "hash = ? WHERE seq = ?",
                updates,
            )


def downgrade() -> None:
    raise NotImplementedError("note digests cannot be turned back into note text")
