"""The plain data types of data sets, NumPy only: what a data set is, its splits, what loading
skipped, and the random changes made to training images; and where Keras caches its data sets,
which tells whether a `DatasetInfo` is available offline.

`datasets` makes them (the registry, the loaders), `pipeline` turns splits into `tf.data`
pipelines, the training recipe applies an `Augmentation`; all import them from here.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from cnnstudio.i18n import _


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    description: str
    image_shape: tuple[int, int, int]
    num_classes: int
    class_names: tuple[str, ...]
    train_size: int
    validation_size: int
    license: str
    source: str
    bundled: bool
    # Mirrored digits are other symbols (or nothing): augmentation must not flip them.
    flips_allowed: bool = True
    # A Keras data set's files in the Keras cache (relative to `keras_datasets_dir()`), as
    # Keras 3 names them; empty for the others.
    cache_files: tuple[str, ...] = ()

    def cache_paths(self) -> list[Path]:
        return [keras_datasets_dir() / relative for relative in self.cache_files]

    def is_available_offline(self) -> bool:
        """True when loading needs no network: bundled, already in the Keras cache, or local."""
        if self.bundled:
            return True
        if self.cache_files:
            return all(path.is_file() for path in self.cache_paths())
        return Path(self.source).is_dir()  # an image folder


@dataclass
class Split:
    images: np.ndarray  # (N, H, W, C) uint8
    labels: np.ndarray  # (N,) int64
    # Each image's file, for an image folder (None for the data sets held as arrays): what an
    # evaluation shows beside a wrong prediction, so a person can open the file.
    paths: list[str] | None = None

    def __len__(self) -> int:
        return len(self.labels)


@dataclass
class LoadReport:
    """What an image folder load kept and what it skipped, with the reason for each file."""

    loaded: int
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


@dataclass
class Dataset:
    info: DatasetInfo
    train: Split
    validation: Split
    report: LoadReport | None = None


@dataclass(frozen=True)
class Augmentation:
    """Random changes to training images, applied per batch (see `augmentation_layer`).

    shift: largest translation, as a fraction of height and width.
    rotation: largest rotation in degrees, either way.
    zoom: largest zoom in or out, as a fraction.
    crop: pixels of zero padding added on each side before a random crop back to the input
        size (the classic CIFAR recipe); 0 turns it off.
    flip: random horizontal flips. Off by default, and wrong for digits (a mirrored 2 is not a
        2): ``for_dataset`` turns it off where ``DatasetInfo.flips_allowed`` is False.
    stroke: thicker and thinner strokes, up to this fraction of a pixel's dilation or erosion
        either way (``RandomStroke``); 0 turns it off. For handwriting drawn with other pens.

    Areas uncovered by shift, rotation and zoom are filled with zeros (the MNIST background).
    """

    shift: float = 0.0
    rotation: float = 0.0
    zoom: float = 0.0
    crop: int = 0
    flip: bool = False
    stroke: float = 0.0

    def __post_init__(self) -> None:
        for name in ("shift", "zoom"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(
                    _("Augmentation.{name} must be in [0, 1); received {value}").format(
                        name=name, value=value
                    )
                )
        if not 0.0 <= self.rotation <= 180.0:
            raise ValueError(
                _("Augmentation.rotation must be 0-180 degrees; received {rotation}").format(
                    rotation=self.rotation
                )
            )
        if not 0.0 <= self.stroke <= 1.0:
            raise ValueError(
                _("Augmentation.stroke must be in [0, 1]; received {stroke}").format(
                    stroke=self.stroke
                )
            )
        if self.crop < 0:
            raise ValueError(
                _("Augmentation.crop must be >= 0 pixels; received {crop}").format(crop=self.crop)
            )

    @property
    def is_identity(self) -> bool:
        return not (
            self.shift or self.rotation or self.zoom or self.crop or self.flip or self.stroke
        )

    def for_dataset(self, info: DatasetInfo) -> Augmentation:
        """This augmentation, without flips when the data set says they are wrong."""
        return self if info.flips_allowed else replace(self, flip=False)


def keras_datasets_dir() -> Path:
    """Where ``keras.utils.get_file`` keeps data sets, computed as Keras does.

    Keras reads ``KERAS_HOME`` once, when it is imported; before that the environment decides.
    Like ``get_file``, an unwritable home falls back to ``/tmp/.keras``.
    """
    keras_config = sys.modules.get("keras.src.backend.config")
    if keras_config is not None:
        base = keras_config.keras_home()
    elif "KERAS_HOME" in os.environ:
        base = os.environ["KERAS_HOME"]
    else:
        home = os.path.expanduser("~")
        base = os.path.join(home if os.access(home, os.W_OK) else "/tmp", ".keras")
    base = os.path.expanduser(base)
    if not os.access(base, os.W_OK):
        base = os.path.join("/tmp", ".keras")
    return Path(base) / "datasets"
