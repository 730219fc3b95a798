"""Where the graph view's statistics come from: zoo models without weights (memoised), trained
models from a .keras file, weight statistics and convolution filters."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cnnstudio.engine.anatomy import graph_source, stats_store
from cnnstudio.engine.anatomy.graph_source import (
    canonical_key,
    conv_filters,
    trained_model,
    weight_statistics,
    without_weights,
    zoo_stats,
)
from tests.engine.anatomy import generators
from tests.engine.graph_zoo import ZOO, canonical_stats

pytestmark = pytest.mark.xdist_group("graph")


def test_zoo_stats_are_memoised_by_their_arguments():
    graph_source.clear_cache()
    first = zoo_stats("lenet5", (32, 32, 1), 10)
    assert zoo_stats("LENET5", "32x32x1", 10) is first
    assert zoo_stats("lenet5", (32, 32, 1), 10, {"pooling": "avg"}) is first  # the default
    max_pooled = zoo_stats("lenet5", (32, 32, 1), 10, {"pooling": "max"})
    assert max_pooled is not first
    assert max_pooled.layer("s2_pool").type == "MaxPooling2D"
    assert first.layer("s2_pool").type == "AveragePooling2D"
    assert zoo_stats("lenet5", (32, 32, 1), 5).layers[-1].output_shape == (None, 5)
    assert first.params == 61_706


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("no_such_model",), "unknown model"),
        (("vgg16", (16, 16, 3)), "at least 32x32"),
        (("lenet5", None, 10, {"pooling": "median"}), "pooling"),
    ],
)
def test_zoo_stats_refuse_bad_input_with_the_registry_message(arguments, message):
    with pytest.raises(ValueError, match=message):
        zoo_stats(*arguments)


def test_without_weights_leaves_no_pending_variables():
    import keras
    from keras.src.backend.common import global_state

    pending = global_state.get_global_attribute("uninitialized_variables", [], True)
    before = len(pending)
    with without_weights():
        layer = keras.layers.Dense(3)
        layer.build((None, 4))
        assert len(global_state.get_global_attribute("uninitialized_variables", [])) > before
    assert len(global_state.get_global_attribute("uninitialized_variables", [])) == before


@pytest.fixture(scope="module")
def saved_lenet(tmp_path_factory):
    """A real LeNet-5 at 32x32x1 with one pruned weight and a known bias, saved as .keras."""
    from cnnstudio.models import create_model

    model = create_model("lenet5", (32, 32, 1), 10)
    kernel, _ = model.get_layer("c1_conv").get_weights()
    kernel[0, 0, 0, 0] = 0.0
    model.get_layer("c1_conv").set_weights([kernel, np.arange(6, dtype="float32")])
    path = tmp_path_factory.mktemp("trained") / "lenet5.keras"
    model.save(path)
    return path, kernel


def test_a_keras_file_opens_with_its_weight_statistics(saved_lenet):
    path, kernel = saved_lenet
    model = trained_model(path)
    kernel_stats, bias_stats = weight_statistics(model, "c1_conv")
    assert kernel_stats.name == "kernel" and kernel_stats.shape == (5, 5, 1, 6)
    assert kernel_stats.min == pytest.approx(kernel.min())
    assert kernel_stats.max == pytest.approx(kernel.max())
    assert kernel_stats.mean == pytest.approx(kernel.mean(), abs=1e-6)
    assert kernel_stats.std == pytest.approx(kernel.std(), abs=1e-6)
    assert kernel_stats.zero_fraction == pytest.approx(1 / kernel.size)
    assert (bias_stats.name, bias_stats.shape, bias_stats.min, bias_stats.max) == (
        "bias",
        (6,),
        0,
        5,
    )
    assert bias_stats.zero_fraction == pytest.approx(1 / 6)
    assert weight_statistics(model, "c1_tanh") == []


def test_convolution_filters_become_small_images(saved_lenet):
    path, kernel = saved_lenet
    model = trained_model(path)
    images = conv_filters(model, "c1_conv")
    assert images.shape == (6, 5, 5) and images.dtype == np.float32
    assert images.min() == 0.0 and images.max() == 1.0
    # Each filter is its kernel (one input channel) scaled to [0, 1].
    first = kernel[:, :, 0, 0]
    expected = (first - first.min()) / (first.max() - first.min())
    np.testing.assert_allclose(images[0], expected, atol=1e-6)
    # c3 sees six channels: their mean; `limit` caps the count.
    assert conv_filters(model, "c3_conv", limit=4).shape == (4, 5, 5)
    assert conv_filters(model, "f6_dense") is None
    with pytest.raises(ValueError, match="no layer 'nope'"):
        conv_filters(model, "nope")


def test_missing_or_foreign_trained_models_say_why(tmp_path):
    with pytest.raises(ValueError, match="no such model file"):
        trained_model(tmp_path / "missing.keras")
    not_a_model = tmp_path / "picture.keras"
    not_a_model.write_bytes(b"\x89PNG not a zip")
    with pytest.raises(ValueError, match="not a Keras model file"):
        trained_model(not_a_model)
    with pytest.raises(ValueError, match="no run 'nosuchrun'"):
        trained_model("nosuchrun")


# --- the stores: shipped canonical statistics and the local cache ---------------------------


@pytest.mark.parametrize("name", ZOO)
def test_shipped_statistics_are_current(name):
    """When this fails after a model change: python -m cnnstudio.engine.anatomy.stats_store
    --write"""
    shipped = stats_store.shipped_stats(canonical_key(name))
    assert shipped is not None, f"{name} is missing from {stats_store.SHIPPED_PATH.name}"
    fresh = canonical_stats(name)
    assert shipped.to_dict() | {"keras_version": ""} == fresh.to_dict() | {"keras_version": ""}


def test_statistics_survive_the_round_trip_through_json():
    stats = canonical_stats("inception_v1")
    again = stats_store.stats_from_dict(json.loads(json.dumps(stats.to_dict())))
    assert again == stats


def test_canonical_statistics_come_from_the_shipped_file(monkeypatch):
    graph_source.clear_cache()
    monkeypatch.setattr(graph_source, "compute_zoo_stats", _must_not_build)
    stats = zoo_stats("densenet201", None, None)
    assert len(stats.layers) == 709 and stats.params == canonical_stats("densenet201").params


def test_other_configurations_are_cached_on_disk(cnnstudio_home, monkeypatch):
    graph_source.clear_cache()
    built = zoo_stats("lenet5", (36, 36, 1), 7, {"pooling": "max"})
    assert list((cnnstudio_home / "cache" / "graph-stats").glob("lenet5-*.json"))
    graph_source.clear_cache()
    monkeypatch.setattr(graph_source, "compute_zoo_stats", _must_not_build)
    assert zoo_stats("lenet5", "36x36x1", 7, {"pooling": "max"}) == built
    # A damaged entry is recomputed, never an error.
    for path in (cnnstudio_home / "cache" / "graph-stats").glob("*.json"):
        path.write_text("{not json")
    graph_source.clear_cache()
    monkeypatch.undo()
    assert zoo_stats("lenet5", (36, 36, 1), 7, {"pooling": "max"}) == built


def _must_not_build(key):
    raise AssertionError(f"built {key} instead of reading a store")


DATASET_CONFIGS = [
    ("lenet5", (32, 32, 3), 10),  # CIFAR-10
    ("vgg11", (32, 32, 3), 100),  # CIFAR-100
    ("nin", (28, 28, 1), 10),  # MNIST
]


@pytest.mark.parametrize(("name", "shape", "classes"), DATASET_CONFIGS)
def test_data_set_configurations_are_shipped_and_equal_fresh_builds(name, shape, classes):
    key = graph_source.stats_key(name, shape, classes)
    assert key in generators.zoo_stats.dataset_keys()
    # Stale shipped statistics are a failure, not a skip: a skip would hide them for ever.
    assert stats_store.shipped_extra_current(), (
        "the shipped data-set statistics are stale: " + stats_store.REGENERATE_COMMAND
    )
    shipped = stats_store.shipped_stats(key)
    assert shipped is not None
    fresh = graph_source.compute_zoo_stats(key)
    assert shipped.to_dict() | {"keras_version": ""} == fresh.to_dict() | {"keras_version": ""}


def test_data_set_entries_are_ignored_once_the_sources_change(monkeypatch):
    dataset_key = graph_source.stats_key("lenet5", (32, 32, 3), 10)
    monkeypatch.setattr(stats_store, "source_hash_now", lambda: "edited")
    assert stats_store.shipped_stats(dataset_key) is None
    assert stats_store.shipped_stats(canonical_key("lenet5")) is not None  # checked by tests


def test_the_archive_is_deterministic_and_a_damaged_one_is_only_slower(tmp_path, monkeypatch):
    stats = canonical_stats("lenet5")
    key = canonical_key("lenet5")
    dataset_key = graph_source.stats_key("lenet5", (32, 32, 3), 10)
    canonical = {"lenet5": (stats_store._config_json(*key[1:]), stats.to_dict())}
    extra = {stats_store._key_text(dataset_key): stats.to_dict()}
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    generators.zoo_stats.write_archive(first, canonical, "hash", extra)
    generators.zoo_stats.write_archive(second, canonical, "hash", extra)
    assert first.read_bytes() == second.read_bytes()

    monkeypatch.setattr(stats_store, "SHIPPED_PATH", first)
    monkeypatch.setattr(stats_store, "source_hash_now", lambda: "hash")
    stats_store._index.cache_clear()
    try:
        assert stats_store.shipped_stats(key) == stats
        assert stats_store.shipped_stats(dataset_key) == stats
        assert stats_store.shipped_stats(canonical_key("vgg11")) is None
        first.write_bytes(first.read_bytes()[:100])  # truncated
        stats_store._index.cache_clear()
        assert stats_store.shipped_stats(key) is None
    finally:
        stats_store._index.cache_clear()


def test_a_run_opens_by_id_or_folder(saved_lenet):
    import shutil

    from cnnstudio.engine.store.runs import RunStore

    path, kernel = saved_lenet
    run = RunStore().create("lenet5", "mnist-5k")
    run.write_record({"status": "finished", "config": {"model": "lenet5"}})
    with pytest.raises(ValueError, match=r"no model\.keras yet"):
        trained_model(run.id)
    shutil.copy(path, run.model_file)
    for source in (run.id, str(run.path)):
        model = trained_model(source)
        np.testing.assert_allclose(model.get_layer("c1_conv").get_weights()[0], kernel)


def test_a_regenerated_member_is_byte_identical_to_the_shipped_one(tmp_path):
    """The generator in packaging/ still writes what ships: LeNet-5's canonical member and a
    data-set member, rebuilt and written as the generator writes them."""
    import zipfile

    key = canonical_key("lenet5")
    dataset_key = graph_source.stats_key("nin", (28, 28, 1), 10)
    canonical = {
        "lenet5": (stats_store._config_json(*key[1:]), canonical_stats("lenet5").to_dict())
    }
    extra = {
        stats_store._key_text(dataset_key): graph_source.compute_zoo_stats(dataset_key).to_dict()
    }
    fresh = tmp_path / "fresh.zip"
    generators.zoo_stats.write_archive(fresh, canonical, stats_store.source_hash_now() or "", extra)
    with zipfile.ZipFile(fresh) as made, zipfile.ZipFile(stats_store.SHIPPED_PATH) as shipped:
        for name in made.namelist():
            if name != "index.json":
                assert made.read(name) == shipped.read(name), (
                    f"{name}: {stats_store.REGENERATE_COMMAND}"
                )
