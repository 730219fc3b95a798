"""Data sets and the input pipeline: the bundled subset, the Keras cache, image folders, fitting."""

from __future__ import annotations

import gzip
import struct
import urllib.error
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cnnstudio.engine.data import datasets
from cnnstudio.engine.data.data_types import Augmentation, Split
from cnnstudio.engine.data.datasets import (
    DatasetUnavailable,
    get_dataset_info,
    list_datasets,
    load_dataset,
)
from cnnstudio.engine.data.pipeline import make_pipeline, plan_fit

# --------------------------------------------------------------------------- registry


def test_registry_lists_the_default_first_and_every_keras_data_set():
    names = [info.name for info in list_datasets()]
    assert names == ["mnist-5k", "mnist", "fashion-mnist", "cifar10", "cifar100"]
    for info in list_datasets():
        assert info.num_classes == len(info.class_names) == len(set(info.class_names))
        assert info.title and info.description and info.license and info.source


def test_mnist_5k_info_describes_the_bundled_subset():
    info = get_dataset_info("mnist-5k")
    assert info.title == "MNIST (5,000-digit subset)"
    assert info.image_shape == (28, 28, 1)
    assert (info.train_size, info.validation_size) == (4000, 1000)
    assert info.bundled and info.is_available_offline()
    assert not info.flips_allowed
    assert get_dataset_info("cifar10").flips_allowed


def test_unknown_name_is_a_value_error_naming_it_and_the_known_names():
    with pytest.raises(ValueError, match=r"'imagenet'.*mnist-5k.*cifar100"):
        get_dataset_info("imagenet")
    with pytest.raises(ValueError, match=r"'no-such-set'.*mnist-5k"):
        load_dataset("no-such-set")


# --------------------------------------------------------------------------- mnist-5k


@pytest.fixture(scope="module")
def mnist_5k():
    return load_dataset("mnist-5k")


def test_mnist_5k_has_a_fixed_stratified_split(mnist_5k):
    train, validation = mnist_5k.train, mnist_5k.validation
    assert train.images.shape == (4000, 28, 28, 1) and train.images.dtype == np.uint8
    assert validation.images.shape == (1000, 28, 28, 1) and validation.images.dtype == np.uint8
    assert train.labels.dtype == np.int64 and validation.labels.dtype == np.int64
    assert np.bincount(train.labels).tolist() == [400] * 10
    assert np.bincount(validation.labels).tolist() == [100] * 10
    assert train.labels[:10].tolist() == list(range(10))  # classes interleaved
    assert 0 < train.images.mean() < 255 and train.images.max() == 255


def test_mnist_5k_split_is_deterministic_and_ignores_the_seed(mnist_5k):
    again = load_dataset("mnist-5k", seed=123, validation_fraction=0.5)
    assert np.array_equal(again.train.images, mnist_5k.train.images)
    assert np.array_equal(again.validation.labels, mnist_5k.validation.labels)
    # No image is in both splits.
    train_rows = {row.tobytes() for row in mnist_5k.train.images}
    assert not any(row.tobytes() in train_rows for row in mnist_5k.validation.images)


def test_bundled_file_matches_the_recorded_sha256():
    readme = datasets.bundled_data_path("README.md").read_text()
    assert datasets.MNIST_5K_SHA256 in readme
    assert datasets.bundled_data_path(datasets.MNIST_5K_FILE).stat().st_size < 1_000_000


# --------------------------------------------------------------------------- pipeline


def _first_epoch(dataset):
    images, labels = zip(*[(x.numpy(), y.numpy()) for x, y in dataset], strict=True)
    return np.concatenate(images), np.concatenate(labels)


def test_lenet_input_pads_28_to_32_with_zeros_and_keeps_the_digit(mnist_5k):
    validation = mnist_5k.validation
    pipeline = make_pipeline(validation, input_shape=(32, 32, 1), batch_size=256, training=False)
    images, labels = _first_epoch(pipeline)
    assert images.shape == (1000, 32, 32, 1) and images.dtype == np.float32
    assert np.array_equal(labels, validation.labels)
    # Equal up to float rounding (TF may divide by 255 as a multiply by 1/255).
    np.testing.assert_allclose(images[:, 2:30, 2:30], validation.images / 255.0, rtol=1e-6)
    border = images.copy()
    border[:, 2:30, 2:30] = 0
    assert not border.any()
    assert images.min() == 0.0 and images.max() == 1.0


def test_grayscale_becomes_rgb_for_a_32x32x3_model(mnist_5k):
    split = Split(mnist_5k.validation.images[:50], mnist_5k.validation.labels[:50])
    images, _ = _first_epoch(
        make_pipeline(split, input_shape=(32, 32, 3), batch_size=16, training=False)
    )
    assert images.shape == (50, 32, 32, 3)
    assert np.array_equal(images[..., 0], images[..., 2])
    np.testing.assert_allclose(images[:, 2:30, 2:30, 1], split.images[..., 0] / 255.0, rtol=1e-6)


def test_larger_inputs_are_resized_into_0_1(mnist_5k):
    split = Split(mnist_5k.validation.images[:20], mnist_5k.validation.labels[:20])
    for cache in (True, False):
        images, _ = _first_epoch(
            make_pipeline(split, input_shape=(64, 64, 1), batch_size=8, training=False, cache=cache)
        )
        assert images.shape == (20, 64, 64, 1)
        assert images.min() >= 0.0 and images.max() <= 1.0 and images.mean() > 0.05


def test_rgb_becomes_grayscale_by_luminance():
    rgb = np.zeros((3, 4, 4, 3), np.uint8)
    for index in range(3):
        rgb[index, ..., index] = 255  # pure red, green, blue
    split = Split(rgb, np.arange(3))
    images, _ = _first_epoch(
        make_pipeline(split, input_shape=(4, 4, 1), batch_size=3, training=False)
    )
    np.testing.assert_allclose(images[:, 0, 0, 0], [0.299, 0.587, 0.114], rtol=1e-5)


@pytest.mark.parametrize(
    ("source", "target", "spatial", "channels"),
    [
        ((28, 28, 1), (28, 28, 1), "same", "same"),
        ((28, 28, 1), (32, 32, 1), "pad", "same"),
        ((28, 28, 1), (35, 35, 3), "pad", "gray_to_rgb"),  # 35 = 28 * 1.25
        ((28, 28, 1), (36, 36, 1), "resize", "same"),
        ((32, 32, 3), (28, 28, 1), "resize", "rgb_to_gray"),
        ((28, 28, 1), (32, 64, 1), "resize", "same"),
    ],
)
def test_fit_rule_pads_up_to_25_percent_per_side_else_resizes(source, target, spatial, channels):
    plan = plan_fit(source, target)
    assert (plan.spatial, plan.channels) == (spatial, channels)
    assert "[0, 1]" in plan.describe()


def test_training_shuffles_with_the_seed_and_reshuffles_each_epoch():
    split = Split(np.arange(64, dtype=np.uint8).reshape(64, 1, 1, 1), np.arange(64))
    pipeline = make_pipeline(split, input_shape=(1, 1, 1), batch_size=10, training=True, seed=3)
    _, first = _first_epoch(pipeline)
    _, second = _first_epoch(pipeline)
    _, again = _first_epoch(
        make_pipeline(split, input_shape=(1, 1, 1), batch_size=10, training=True, seed=3)
    )
    assert sorted(first.tolist()) == list(range(64))
    assert not np.array_equal(first, np.arange(64)) and not np.array_equal(first, second)
    assert np.array_equal(first, again)


def test_augmentation_drops_flips_for_digits_and_checks_its_amounts(mnist_5k):
    augment = Augmentation(shift=0.1, rotation=10, zoom=0.1, crop=2, flip=True)
    assert augment.for_dataset(mnist_5k.info).flip is False
    assert augment.for_dataset(get_dataset_info("cifar10")).flip is True
    with pytest.raises(ValueError, match="shift"):
        Augmentation(shift=1.5)


# --------------------------------------------------------------------------- Keras cache


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    """An empty Keras home, and no network: a download attempt fails like it does offline."""
    import keras.src.backend.config as keras_config
    import keras.src.utils.file_utils as file_utils

    home = tmp_path / "keras_home"
    home.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(home))  # Keras reads the env at import

    def offline(url, *args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(file_utils, "urlretrieve", offline)
    return home


@pytest.mark.parametrize(
    ("name", "file_name"),
    [
        ("mnist", "mnist.npz"),
        ("fashion-mnist", "train-images-idx3-ubyte.gz"),
        ("cifar10", "cifar-10-batches-py-target_archive"),
        ("cifar100", "cifar-100-python-target_archive"),
    ],
)
def test_offline_and_not_cached_is_a_clear_message(keras_home, name, file_name):
    info = get_dataset_info(name)
    assert not info.is_available_offline()
    with pytest.raises(DatasetUnavailable) as caught:
        load_dataset(name)
    message = str(caught.value)
    assert file_name in message
    assert str(keras_home / "datasets") in message
    assert "mnist-5k" in message and "not in the Keras cache" in message


def test_mnist_is_read_from_the_keras_cache(keras_home, monkeypatch):
    import keras.src.utils.file_utils as file_utils

    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "y_train": np.array([0, 1, 2, 3, 4, 5], np.uint8),
        "x_test": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
        "y_test": np.array([6, 7, 8, 9], np.uint8),
    }
    (keras_home / "datasets").mkdir()
    np.savez(keras_home / "datasets" / "mnist.npz", **arrays)
    # keras checks the real file's sha256; a tiny stand-in cannot match it.
    monkeypatch.setattr(file_utils, "validate_file", lambda *args, **kwargs: True)

    assert get_dataset_info("mnist").is_available_offline()
    dataset = load_dataset("mnist")
    assert dataset.train.images.shape == (6, 28, 28, 1) and dataset.train.images.dtype == np.uint8
    assert np.array_equal(dataset.train.images[..., 0], arrays["x_train"])
    assert dataset.validation.labels.tolist() == [6, 7, 8, 9]
    assert dataset.validation.labels.dtype == np.int64


def _write_idx(path: Path, array: np.ndarray) -> None:
    """The IDX format of the MNIST family: magic, sizes, then the bytes, gzipped."""
    header = struct.pack(">I", 0x0800 + array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as file:
        file.write(header + array.astype(np.uint8).tobytes())


def test_fashion_mnist_is_read_from_the_keras_cache(keras_home):
    folder = keras_home / "datasets" / "fashion-mnist"
    folder.mkdir(parents=True)
    train_images = np.arange(3 * 28 * 28).reshape(3, 28, 28) % 256
    _write_idx(folder / "train-labels-idx1-ubyte.gz", np.array([0, 1, 9]))
    _write_idx(folder / "train-images-idx3-ubyte.gz", train_images)
    _write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.array([5, 5]))
    _write_idx(folder / "t10k-images-idx3-ubyte.gz", np.zeros((2, 28, 28)))

    assert get_dataset_info("fashion-mnist").is_available_offline()
    dataset = load_dataset("fashion-mnist")
    assert dataset.train.labels.tolist() == [0, 1, 9]
    assert np.array_equal(dataset.train.images[..., 0], train_images)
    assert dataset.validation.images.shape == (2, 28, 28, 1)


# --------------------------------------------------------------------------- image folders


def _save(path: Path, array: np.ndarray, **options) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, **options)
    return path


@pytest.fixture
def messy_folder(tmp_path):
    rng = np.random.default_rng(0)
    root = tmp_path / "pets"
    rgb = lambda: rng.integers(0, 256, (8, 6, 3), dtype=np.uint8)  # noqa: E731
    gray = lambda: rng.integers(0, 256, (8, 6), dtype=np.uint8)  # noqa: E731
    _save(root / "cats" / "a.png", rgb())
    _save(root / "cats" / "b.jpg", rgb())
    _save(root / "cats" / "nested" / "c.png", gray())
    _save(root / "dogs" / "d.bmp", gray())
    _save(root / "dogs" / "e.gif", rgb())
    _save(root / "dogs" / "f.JPEG", rgb(), format="JPEG")
    _save(root / "dogs" / "g.png", rgb()[:4])  # another size: resized to the common 8x6
    # The bad ones.
    corrupt = bytearray(_save(root / "cats" / "corrupt.png", rgb()).read_bytes())
    corrupt[60:-20] = bytes(byte ^ 0x5A for byte in corrupt[60:-20])  # header fine, pixels not
    (root / "cats" / "corrupt.png").write_bytes(bytes(corrupt))
    (root / "cats" / "fake.png").write_bytes(b"not a PNG at all" * 4)
    big = _save(root / "dogs" / "truncated.jpg", rng.integers(0, 256, (64, 64, 3), np.uint8))
    big.write_bytes(big.read_bytes()[: big.stat().st_size // 2])
    (root / "dogs" / "empty.png").write_bytes(b"")
    (root / "dogs" / "notes.txt").write_text("not an image")
    # Ignored without a word: hidden files and folders.
    _save(root / "cats" / ".hidden.png", rgb())
    _save(root / ".thumbnails" / "x.png", rgb())
    (root / ".DS_Store").write_bytes(b"\0\0")
    return root


def test_image_folder_loads_good_files_and_reports_the_bad(messy_folder):
    dataset = load_dataset(str(messy_folder), validation_fraction=0.34, seed=1)
    assert dataset.info.class_names == ("cats", "dogs")
    assert dataset.info.image_shape == (8, 6, 3)  # most common (h, w); RGB as some are colour
    assert dataset.report.loaded == 7
    assert len(dataset.train) + len(dataset.validation) == 7
    assert dataset.train.images.dtype == np.uint8 and dataset.train.images.shape[1:] == (8, 6, 3)
    # Stratified: one image of each class validates (round(0.34 * 3) = round(0.34 * 4) = 1).
    assert sorted(dataset.validation.labels.tolist()) == [0, 1]

    reasons = {Path(path).name: reason for path, reason in dataset.report.skipped}
    assert set(reasons) == {"corrupt.png", "fake.png", "truncated.jpg", "empty.png", "notes.txt"}
    assert "corrupt image" in reasons["corrupt.png"]
    assert "not a readable image" in reasons["fake.png"]
    assert "truncated" in reasons["truncated.jpg"]
    assert reasons["empty.png"] == "empty file"
    assert "not an image file type (.txt)" in reasons["notes.txt"]


def test_image_folder_options_and_folder_prefix(messy_folder):
    dataset = load_dataset(f"folder:{messy_folder}", image_size=(5, 7), validation_fraction=0.0)
    assert dataset.train.images.shape == (7, 5, 7, 3) and len(dataset.validation) == 0
    assert dataset.info.is_available_offline() and not dataset.info.bundled


def test_an_all_grayscale_folder_stays_single_channel(tmp_path):
    for name in ("a", "b"):
        for index in range(3):
            _save(tmp_path / name / f"{index}.png", np.full((4, 4), index * 50, np.uint8))
    dataset = load_dataset(str(tmp_path), validation_fraction=0.0)
    assert dataset.train.images.shape == (6, 4, 4, 1)


def test_unusable_folders_are_clear_value_errors(tmp_path):
    with pytest.raises(ValueError, match="no class sub-folders"):
        load_dataset(f"folder:{tmp_path}")
    _save(tmp_path / "only" / "a.png", np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match="one class"):
        load_dataset(f"folder:{tmp_path}")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "a.png").write_bytes(b"")
    with pytest.raises(ValueError, match=r"no readable image in class folder.*'other'"):
        load_dataset(f"folder:{tmp_path}")
    (tmp_path / "only" / "a.png").write_text("text")
    with pytest.raises(ValueError, match=r"no readable image.*2 file"):
        load_dataset(f"folder:{tmp_path}")
    with pytest.raises(ValueError, match="does not exist"):
        load_dataset(f"folder:{tmp_path / 'missing'}")
