"""The one scan of an image folder: what `load_image_folder` loads and an evaluation streams."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cnnstudio.engine.data import datasets
from cnnstudio.engine.data.image_folders import (
    ImageFolderError,
    load_image_folder,
    scan_image_folder,
)
from cnnstudio.engine.data.images import read_pixels


def _folder(root: Path, counts: dict[str, int]) -> Path:
    for label, (name, count) in enumerate(counts.items()):
        (root / name).mkdir(parents=True)
        for index in range(count):
            # Each image its own grey level, so a test can tell which file gave which pixels.
            Image.new("L", (10, 12), 20 + 50 * label + index).save(root / name / f"{index}.png")
    return root


def test_the_public_names_are_still_found_where_they_always_were():
    assert datasets.load_image_folder is load_image_folder
    assert datasets.scan_image_folder is scan_image_folder
    assert datasets.FOLDER_PREFIX == "folder:" and ".png" in datasets.IMAGE_SUFFIXES


def test_a_scan_lists_classes_and_files_in_order_and_skips_with_reasons(tmp_path):
    root = _folder(tmp_path / "data", {"cats": 3, "dogs": 2})
    (root / "cats" / "notes.txt").write_text("hello")
    (root / "dogs" / "broken.png").write_bytes(b"not a png")
    (root / ".hidden").mkdir()
    scan = scan_image_folder(root)
    assert scan.root == root and scan.class_names == ("cats", "dogs")
    assert [(image.path.name, image.label) for image in scan.images] == [
        ("0.png", 0), ("1.png", 0), ("2.png", 0), ("0.png", 1), ("1.png", 1),
    ]  # fmt: skip
    first = scan.images[0]
    assert first.size == (10, 12) and first.gray and first.bytes == first.path.stat().st_size
    reasons = {Path(path).name: reason for path, reason in scan.skipped}
    assert reasons["notes.txt"] == "not an image file type (.txt)"
    assert "not a readable image" in reasons["broken.png"]


def test_refusals_carry_a_code(tmp_path):
    with pytest.raises(ImageFolderError) as missing:
        scan_image_folder(tmp_path / "nowhere")
    assert missing.value.code == "missing_folder"
    root = _folder(tmp_path / "one", {"cats": 2})
    with pytest.raises(ImageFolderError) as one:
        scan_image_folder(root)
    assert one.value.code == "one_class" and one.value.values["name"] == "cats"
    empty = tmp_path / "empty"
    for name in ("a", "b"):
        (empty / name).mkdir(parents=True)
        (empty / name / "x.txt").write_text("")
    with pytest.raises(ImageFolderError) as none:
        scan_image_folder(empty)
    assert none.value.code == "no_images" and none.value.values["skipped"] == 2
    assert isinstance(none.value, ValueError)  # callers that catch ValueError still do


def test_the_fingerprint_follows_every_change_of_the_files(tmp_path):
    root = _folder(tmp_path / "data", {"cats": 3, "dogs": 3})
    before = scan_image_folder(root).fingerprint()
    assert scan_image_folder(root).fingerprint() == before  # nothing changed: the same
    path = root / "dogs" / "1.png"
    Image.new("L", (10, 12), 255).save(path)
    # A later modification time, as the next edit of a file gets (the file system's clock may
    # not tick between two saves in a test).
    stamp = path.stat().st_mtime_ns + 1_000_000_000
    os.utime(path, ns=(stamp, stamp))
    edited = scan_image_folder(root).fingerprint()
    assert edited != before
    Image.new("L", (10, 12), 1).save(root / "cats" / "new.png")
    added = scan_image_folder(root).fingerprint()
    assert added != edited
    (root / "cats" / "new.png").rename(root / "dogs" / "new.png")  # relabelled
    assert scan_image_folder(root).fingerprint() != added


def test_each_split_keeps_the_path_of_each_image(tmp_path):
    root = _folder(tmp_path / "data", {"cats": 5, "dogs": 5})
    (root / "dogs" / "broken.png").write_bytes(b"not a png")
    dataset = load_image_folder(root, validation_fraction=0.4, seed=3)
    for split in (dataset.train, dataset.validation):
        assert split.paths is not None and len(split.paths) == len(split)
        for image, label, path in zip(split.images, split.labels, split.paths, strict=True):
            assert Path(path).parent.name == dataset.info.class_names[label]
            np.testing.assert_array_equal(image, read_pixels(path, "L", (10, 12)))
    assert set(dataset.train.paths).isdisjoint(dataset.validation.paths)
    assert len(dataset.validation) == 4 and dataset.report.loaded == 10
    assert [Path(path).name for path, _reason in dataset.report.skipped] == ["broken.png"]
