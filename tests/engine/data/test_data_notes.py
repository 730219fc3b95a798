"""The notes a person reads about a loaded data set, tested directly."""

from __future__ import annotations

import numpy as np

from cnnstudio.engine.data.data_notes import (
    data_notes,
    skipped_files_note,
    unmeasured_classes,
    unmeasured_classes_note,
)
from cnnstudio.engine.data.data_types import Dataset, DatasetInfo, LoadReport, Split


def dataset(train_labels, validation_labels, skipped=()) -> Dataset:
    names = ("cat", "dog", "owl")

    def split(labels):
        labels = np.asarray(labels, dtype=np.int64)
        return Split(np.zeros((len(labels), 4, 4, 1), np.uint8), labels)

    info = DatasetInfo(
        name="folder:/x",
        title="x",
        description="",
        image_shape=(4, 4, 1),
        num_classes=3,
        class_names=names,
        train_size=len(train_labels),
        validation_size=len(validation_labels),
        license="",
        source="",
        bundled=False,
    )
    loaded = len(train_labels) + len(validation_labels)
    return Dataset(
        info, split(train_labels), split(validation_labels), LoadReport(loaded, list(skipped))
    )


def test_a_class_without_validation_images_is_named_with_its_count():
    data = dataset([0, 0, 1, 1, 2], [0, 1])
    assert unmeasured_classes(data) == [("owl", 1)]
    note = unmeasured_classes_note(data)
    assert note.startswith("no validation image for class(es) 'owl' (1 image)")
    assert unmeasured_classes(dataset([0, 1, 2, 2], [0, 1, 2])) == []


def test_skipped_files_are_counted_and_the_first_five_named():
    skipped = [(f"/x/cat/{i}.txt", "not an image file type (.txt)") for i in range(7)]
    data = dataset([0, 1, 2], [0, 1, 2], skipped)
    note = skipped_files_note(data)
    assert note.startswith("skipped 7 file(s) of the image folder, loaded 6 images")
    assert "4.txt: not an image file type (.txt)" in note and "5.txt" not in note
    assert note.endswith("; and 2 more)")
    assert data_notes(data) == [note]
    assert data_notes(dataset([0, 1, 2], [0, 1, 2])) == []
