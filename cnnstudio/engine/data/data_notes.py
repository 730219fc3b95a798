"""What a person should know about a loaded data set before training on it, as short lines:
the files an image folder skipped (how many, the first few with their reason) and the classes
that validation cannot measure (no image of theirs in the validation split, as happens to a class
of one image, which the stratified split keeps in training). `cnnstudio train` prints them; the
data panel shows the same facts in its own widgets."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cnnstudio.engine.data.data_types import Dataset

SHOWN_SKIPPED = 5  # the first few skipped files are named; the rest are counted


def skipped_files_note(dataset: Dataset, shown: int = SHOWN_SKIPPED) -> str | None:
    """'skipped 7 file(s) of the image folder: a.txt (not an image), ...' or None."""
    skipped = dataset.report.skipped if dataset.report is not None else []
    if not skipped:
        return None
    named = "; ".join(f"{Path(path).name}: {reason}" for path, reason in skipped[:shown])
    more = f"; and {len(skipped) - shown} more" if len(skipped) > shown else ""
    return (
        f"skipped {len(skipped)} file(s) of the image folder, loaded "
        f"{dataset.report.loaded:,} images ({named}{more})"
    )


def unmeasured_classes(dataset: Dataset) -> list[tuple[str, int]]:
    """(class name, its image count) for each class with no validation image."""
    names = dataset.info.class_names
    if dataset.info.validation_size == 0:
        return []  # no validation at all: said elsewhere, not per class
    in_validation = set(np.unique(dataset.validation.labels).tolist())
    counts = np.bincount(
        np.concatenate([dataset.train.labels, dataset.validation.labels]).astype(np.int64),
        minlength=len(names),
    )
    return [(names[i], int(counts[i])) for i in range(len(names)) if i not in in_validation]


def unmeasured_classes_note(dataset: Dataset) -> str | None:
    """'class 'owl' has only 1 image: all in training, so validation cannot measure it' or
    None."""
    classes = unmeasured_classes(dataset)
    if not classes:
        return None
    listed = ", ".join(
        f"{name!r} ({count} image{'s' if count != 1 else ''})" for name, count in classes
    )
    return (
        f"no validation image for class(es) {listed}: they are all in training, so validation "
        f"accuracy cannot measure them; add images to those classes"
    )


def data_notes(dataset: Dataset) -> list[str]:
    """Every note for `dataset`, in the order a person would act on them."""
    return [
        note for note in (skipped_files_note(dataset), unmeasured_classes_note(dataset)) if note
    ]
