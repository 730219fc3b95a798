"""Image folders: ``folder/<class name>/**/<image>``, scanned once, then read whole or streamed.

``scan_image_folder`` finds the class folders and every image file in them and reads each file's
header only (`images.probe`: size, grey or colour; links, FIFOs and bombs refused first), listing
every file it skips with the reason. Both readers build on that one scan:

* ``load_image_folder`` decodes every image into one array and splits it, for training;
* an evaluation streams the scan's files batch by batch (`insight.run_evaluation`), so a folder of
  10,000 photos never has to fit in memory, and names each image by its path.

``FolderScan.fingerprint`` identifies a folder's content without decoding it: every file's path,
label, size in bytes and modification time, hashed; any changed, added or removed file changes it.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cnnstudio.engine.data.data_types import Dataset, DatasetInfo, LoadReport, Split
from cnnstudio.engine.data.images import probe, read_pixels, reason_of
from cnnstudio.engine.errors import CodedError
from cnnstudio.i18n import _
from cnnstudio.locations import expand_user_path

FOLDER_PREFIX = "folder:"
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif"})
# The default size (the most common one) is scaled down to fit this, keeping the aspect ratio,
# so a folder of camera photos does not become gigabytes of arrays.
MAX_DEFAULT_SIDE = 256


class ImageFolderError(CodedError):
    """A folder that cannot be used as an image folder; `code` says why, `values` with what."""


@dataclass(frozen=True)
class FolderImage:
    """One image file of a scan: its header was read, its pixels not yet."""

    path: Path
    label: int
    size: tuple[int, int]  # (width, height), from the header
    gray: bool
    bytes: int
    mtime_ns: int


@dataclass
class FolderScan:
    root: Path
    class_names: tuple[str, ...]
    images: list[FolderImage]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)

    def fingerprint(self) -> str:
        """sha256 of what the folder holds, from the file system's records, not the pixels."""
        digest = hashlib.sha256()
        digest.update(repr(self.class_names).encode())
        for image in self.images:
            digest.update(
                f"{image.path}\0{image.label}\0{image.bytes}\0{image.mtime_ns}\n".encode()
            )
        for path, _reason in self.skipped:
            digest.update(f"skipped\0{path}\n".encode())
        return digest.hexdigest()


def missing_folder_message(root: Path) -> str:
    return _("Image folder {root} does not exist or is not a folder").format(root=root)


def scan_image_folder(folder: str | os.PathLike[str]) -> FolderScan:
    """The class folders (sorted sub-folder names, hidden ones left out) of `folder` and the image
    files under each, in sorted order, headers read; files that are not images, cannot be opened
    or are too large are skipped with their reason. ImageFolderError when there is no folder,
    fewer than two classes, or no image at all."""
    root = expand_user_path(folder)
    if not root.is_dir():
        raise ImageFolderError("missing_folder", missing_folder_message(root), root=str(root))
    class_dirs = sorted(
        (entry for entry in root.iterdir() if entry.is_dir() and not _is_hidden(entry.name)),
        key=lambda entry: entry.name,
    )
    if not class_dirs:
        raise ImageFolderError(
            "no_class_folders",
            _(
                "Image folder {root} has no class sub-folders: put the images of each "
                "class in a sub-folder named after the class (e.g. {value}, {value2})"
            ).format(root=root, value=root / "cats", value2=root / "dogs"),
            root=str(root),
        )
    if len(class_dirs) == 1:
        raise ImageFolderError(
            "one_class",
            _(
                "Image folder {root} has one class ({name!r}); a classifier needs at "
                "least two class sub-folders"
            ).format(root=root, name=class_dirs[0].name),
            root=str(root),
            name=class_dirs[0].name,
        )
    skipped: list[tuple[str, str]] = []
    images: list[FolderImage] = []
    for label, class_dir in enumerate(class_dirs):
        for path in _visible_files(class_dir, skipped):
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                kind = path.suffix or _("no extension")
                skipped.append((str(path), _("not an image file type ({kind})").format(kind=kind)))
                continue
            try:
                size, gray = probe(path)  # the header only; links, FIFOs, sizes checked first
                status = path.stat()
            except Exception as error:  # ImageReadError, or one of Pillow's many types
                skipped.append((str(path), reason_of(path, error)))
                continue
            images.append(FolderImage(path, label, size, gray, status.st_size, status.st_mtime_ns))
    if not images:
        raise ImageFolderError(
            "no_images", _no_images_message(root, skipped), root=str(root), skipped=len(skipped)
        )
    return FolderScan(root, tuple(entry.name for entry in class_dirs), images, skipped)


def load_image_folder(
    folder: str | os.PathLike[str],
    *,
    validation_fraction: float = 0.2,
    seed: int = 0,
    image_size: tuple[int, int] | None = None,
) -> Dataset:
    """Load ``folder/<class name>/**/<image>`` (PNG, JPEG, BMP, GIF) as a data set.

    Class names are the sorted sub-folder names; hidden files and folders are ignored. Images
    are resized (bilinear, aspect ratio not kept) to ``image_size`` = (height, width); by
    default the most common size in the folder, scaled down to at most ``MAX_DEFAULT_SIDE``
    pixels on its longer side. They are grayscale when every image is, RGB otherwise (alpha
    dropped; a GIF gives its first frame). Unreadable files (corrupt, truncated, empty, not an
    image) are skipped and listed with the reason in ``Dataset.report``. The validation split
    is stratified: ``round(validation_fraction * n)`` images of each class, chosen with ``seed``
    (a class of one image stays in training). Each split keeps its images' paths.
    """
    if not 0.0 <= validation_fraction < 1.0:
        raise ImageFolderError(
            "bad_fraction",
            _("validation_fraction must be in [0, 1); received {validation_fraction}").format(
                validation_fraction=validation_fraction
            ),
            validation_fraction=validation_fraction,
        )
    scan = scan_image_folder(folder)
    root, class_names, skipped = scan.root, scan.class_names, scan.skipped
    height, width = image_size or _default_image_size([image.size for image in scan.images])
    grayscale = all(image.gray for image in scan.images)
    mode, channels = ("L", 1) if grayscale else ("RGB", 3)

    images = np.empty((len(scan.images), height, width, channels), dtype=np.uint8)
    labels = np.empty(len(scan.images), dtype=np.int64)
    paths: list[str] = []
    for entry in scan.images:
        try:
            pixels = read_pixels(entry.path, mode, (width, height))
        except Exception as error:  # the pixel data is bad even though the header was fine
            skipped.append((str(entry.path), reason_of(entry.path, error)))
            continue
        images[len(paths)] = pixels.reshape(height, width, -1)
        labels[len(paths)] = entry.label
        paths.append(str(entry.path))
    count = len(paths)
    if count == 0:
        raise ImageFolderError("no_images", _no_images_message(root, skipped), root=str(root))
    images, labels = images[:count], labels[:count]

    empty_classes = [class_names[i] for i in range(len(class_names)) if not np.any(labels == i)]
    if empty_classes:
        reasons = _reasons_in(skipped, [root / name for name in empty_classes])
        raise ImageFolderError(
            "empty_classes",
            _(
                "Image folder {root}: no readable image in class folder(s) "
                "{value}{reasons}; add images or remove the folder(s)"
            ).format(root=root, value=", ".join(map(repr, empty_classes)), reasons=reasons),
            root=str(root),
            classes=empty_classes,
        )

    train_rows, validation_rows = _stratified_split(labels, validation_fraction, seed)
    if len(validation_rows) == 0 and validation_fraction > 0:
        raise ImageFolderError(
            "no_validation",
            _(
                "Image folder {root} leaves no validation images: with {count} images "
                "in {len} classes and a validation fraction of "
                "{validation_fraction:g}, every image goes to training, and a run "
                "could not measure anything; add images (at least two per class) or "
                "raise the validation fraction"
            ).format(
                root=root,
                count=count,
                len=len(class_names),
                validation_fraction=validation_fraction,
            ),
            root=str(root),
        )
    info = DatasetInfo(
        name=f"{FOLDER_PREFIX}{root}",
        title=root.name or str(root),
        description=f"Image folder {root}: {count} images in {len(class_names)} classes.",
        image_shape=(height, width, channels),
        num_classes=len(class_names),
        class_names=class_names,
        train_size=len(train_rows),
        validation_size=len(validation_rows),
        license="(the folder owner's)",
        source=str(root),
        bundled=False,
    )

    def split(rows: np.ndarray) -> Split:
        return Split(images[rows], labels[rows], paths=[paths[row] for row in rows])

    return Dataset(
        info, split(train_rows), split(validation_rows), LoadReport(loaded=count, skipped=skipped)
    )


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def _visible_files(folder: Path, skipped: list[tuple[str, str]]) -> list[Path]:
    """Files under `folder`, hidden ones left out; a sub-folder that cannot be listed
    (permission denied, a link loop) is added to `skipped` with its reason."""

    def unreadable(error: OSError) -> None:
        where = error.filename or str(folder)
        if isinstance(error, PermissionError):
            reason = _("permission denied")
        else:
            reason = error.strerror or str(error)
        skipped.append((str(where), _("folder not readable: {reason}").format(reason=reason)))

    files = []
    for directory, subdirs, names in os.walk(folder, onerror=unreadable):
        subdirs[:] = sorted(name for name in subdirs if not _is_hidden(name))
        files.extend(Path(directory) / name for name in sorted(names) if not _is_hidden(name))
    return files


def _reasons_in(skipped: list[tuple[str, str]], folders: list[Path]) -> str:
    """' (the reasons met there)' for the skipped entries under `folders`."""
    found = []
    for path, reason in skipped:
        if any(Path(path) == folder or folder in Path(path).parents for folder in folders):
            found.append(f"{Path(path).name}: {reason}")
    if not found:
        return ""
    return " (" + "; ".join(found[:3]) + ("; ..." if len(found) > 3 else "") + ")"


def _default_image_size(sizes: list[tuple[int, int]]) -> tuple[int, int]:
    """(height, width): the most common (width, height), shrunk to MAX_DEFAULT_SIDE if larger."""
    counts = Counter(sizes)
    # Ties go to the larger size, then to the smaller width, so the choice is deterministic.
    width, height = max(counts, key=lambda size: (counts[size], size[0] * size[1], -size[0]))
    scale = min(1.0, MAX_DEFAULT_SIDE / max(width, height))
    return max(1, round(height * scale)), max(1, round(width * scale))


def _stratified_split(
    labels: np.ndarray, validation_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    train_rows, validation_rows = [], []
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        n_validation = min(round(validation_fraction * len(rows)), len(rows) - 1)
        validation_rows.append(rows[:n_validation])
        train_rows.append(rows[n_validation:])
    # Sorted rows keep the folder's order; the training pipeline shuffles anyway.
    return np.sort(np.concatenate(train_rows)), np.sort(np.concatenate(validation_rows))


def _no_images_message(root: Path, skipped: list[tuple[str, str]]) -> str:
    examples = "; ".join(f"{Path(path).name}: {reason}" for path, reason in skipped[:3])
    more = f" ({examples}{'; ...' if len(skipped) > 3 else ''})" if skipped else ""
    return _(
        "Image folder {root} has no readable image (PNG, JPEG, BMP or GIF) in its class "
        "sub-folders; {count} file(s) skipped{more}"
    ).format(root=root, count=len(skipped), more=more)
