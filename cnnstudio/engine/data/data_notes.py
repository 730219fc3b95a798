"""What a person should know about a loaded data set before training on it, as short lines:
the files an image folder skipped (how many, the first few with their reason) and the classes
that validation cannot measure (no image of theirs in the validation split, as happens to a class
of one image, which the stratified split keeps in training). `cnnstudio train` prints them; the
data panel shows the same facts in its own widgets."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cnnstudio.engine.data.data_types import Dataset
from cnnstudio.i18n import _, ngettext

SHOWN_SKIPPED = 5  # the first few skipped files are named; the rest are counted


def skipped_files_note(dataset: Dataset, shown: int = SHOWN_SKIPPED) -> str | None:
    """'skipped 7 file(s) of the image folder: a.txt (not an image), ...' or None."""
    skipped = dataset.report.skipped if dataset.report is not None else []
    if not skipped:
        return None
    named = "; ".join(f"{Path(path).name}: {reason}" for path, reason in skipped[:shown])
    if len(skipped) > shown:
        text = _(
            "skipped {count} file(s) of the image folder, loaded {loaded:,} images ({named}; "
            "and {more} more)"
        )
    else:
        text = _("skipped {count} file(s) of the image folder, loaded {loaded:,} images ({named})")
    return text.format(
        count=len(skipped), loaded=dataset.report.loaded, named=named, more=len(skipped) - shown
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
        ngettext("{name!r} ({count} image)", "{name!r} ({count} images)", count).format(
            name=name, count=count
        )
        for name, count in classes
    )
    return _(
        "no validation image for class(es) {listed}: they are all in training, so validation "
        "accuracy cannot measure them; add images to those classes"
    ).format(listed=listed)


def data_notes(dataset: Dataset) -> list[str]:
    """Every note for `dataset`, in the order a person would act on them."""
    return [
        note for note in (skipped_files_note(dataset), unmeasured_classes_note(dataset)) if note
    ]
