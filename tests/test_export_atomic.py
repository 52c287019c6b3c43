"""A batch of files (an export) is renamed into place together and its folder synced
once, after the last rename, so every rename is on the disk when commit returns."""

from __future__ import annotations

from pathlib import Path

import pytest

from rxlog.errors import StorageError
from rxlog.export.atomic import FileBatch
from rxlog.storage import durable


def test_the_folder_is_synced_once_with_every_file_in_place(tmp_path, monkeypatch):
    seen: list[list[str]] = []
    real = durable.fsync_dir

    def watch(folder: Path) -> None:
        seen.append(sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")))
        real(folder)

    monkeypatch.setattr(durable, "fsync_dir", watch)
    batch = FileBatch(tmp_path)
    for name in ("a.csv", "a.pdf", "a.manifest.json", "a.eml"):
        batch.add(name, name.encode())
    assert seen == []  # nothing renamed yet
    placed = batch.commit()
    assert seen == [["a.csv", "a.eml", "a.manifest.json", "a.pdf"]]
    assert [p.read_bytes() for p in placed] == [b"a.csv", b"a.pdf", b"a.manifest.json", b"a.eml"]
    assert sorted(p.name for p in tmp_path.iterdir()) == seen[0]  # no temporary file left


def test_a_file_in_the_way_leaves_nothing_of_the_batch(tmp_path):
    (tmp_path / "a.pdf").write_bytes(b"someone else's")
    batch = FileBatch(tmp_path)
    batch.add("a.csv", b"1")
    batch.add("a.pdf", b"2")
    with pytest.raises(StorageError, match="already exists"):
        batch.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]
    assert (tmp_path / "a.pdf").read_bytes() == b"someone else's"
