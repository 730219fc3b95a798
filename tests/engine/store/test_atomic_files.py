"""Atomic writes name the file asked for when they cannot write, never their hidden temporary."""

from __future__ import annotations

import pytest

from cnnstudio.engine.store.atomic_files import atomic_write_text


def test_a_missing_folder_is_reported_with_the_file_asked_for(tmp_path):
    target = tmp_path / "missing" / "x.json"
    with pytest.raises(FileNotFoundError) as raised:
        atomic_write_text(target, "{}")
    assert raised.value.filename == str(target)
    assert ".tmp" not in str(raised.value)
    assert not (tmp_path / "missing").exists()


def test_a_write_replaces_the_file_whole(tmp_path):
    target = tmp_path / "x.json"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two" and [p.name for p in tmp_path.iterdir()] == ["x.json"]
