"""Table-driven tests over the registry: a model that is registered is tested for free."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest

from cnnstudio.models import create_model, get_model_info, list_models
from tests.models.builds import built
from tests.reference_figures import EXPECTED_MODELS, REFERENCES

MODELS = [info.name for info in list_models()]
SMALL_INPUTS = [(32, 32, 1), (32, 32, 3)]


def group(name: str):
    """Keep a model's tests on one xdist worker so its cached build is reused."""
    return pytest.param(name, marks=pytest.mark.xdist_group(name), id=name)


def keras_auto_name_stem(class_name: str) -> str:
    # Keras's own auto-naming rule: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d.
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def test_every_model_of_the_mission_is_registered():
    assert set(EXPECTED_MODELS) <= set(MODELS), set(EXPECTED_MODELS) - set(MODELS)


@pytest.mark.parametrize("name", [group(n) for n in MODELS])
def test_metadata_is_complete(name):
    info = get_model_info(name)
    assert info.display_name and info.family and info.paper
    assert 1989 <= info.year <= 2017
    assert len(info.description) >= 80, "a student deserves more than a line"
    assert len(info.canonical_input) == 3
    assert 1 <= info.min_input <= 32, "every model must also train on 32x32 images"
    assert len({o.name for o in info.options}) == len(info.options)


@pytest.mark.parametrize("name", [group(n) for n in MODELS])
def test_builds_at_canonical_input(name):
    info = get_model_info(name)
    model = built(name, info.canonical_input, info.default_classes)
    assert isinstance(model, keras.Model)
    assert tuple(model.input_shape) == (None, *info.canonical_input)
    assert tuple(model.output_shape) == (None, info.default_classes)
    assert not model.compiled, "builders return uncompiled models"


@pytest.mark.parametrize("shape", SMALL_INPUTS, ids=["32x32x1", "32x32x3"])
@pytest.mark.parametrize("name", [group(n) for n in MODELS])
def test_builds_and_runs_on_small_images(name, shape):
    model = built(name, shape, 10)
    batch = np.random.default_rng(0).random((2, *shape), dtype=np.float32)
    probabilities = keras.ops.convert_to_numpy(model(batch, training=False))
    assert probabilities.shape == (2, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-4)


@pytest.mark.parametrize("name", [group(n) for n in MODELS])
def test_layer_names_are_stable_and_meaningful(name):
    info = get_model_info(name)
    model = built(name, info.canonical_input, info.default_classes)
    names = [layer.name for layer in model.layers]
    assert len(names) == len(set(names))
    for layer in model.layers:
        stem = keras_auto_name_stem(type(layer).__name__)
        assert not re.fullmatch(rf"{stem}(_\d+)?", layer.name), f"auto-name {layer.name!r}"
    assert model.layers[-1].name == "predictions"


@pytest.mark.parametrize("name", [group(n) for n in MODELS])
def test_one_training_step_on_a_tiny_batch_lowers_the_loss(name):
    keras.utils.set_random_seed(1)
    model = create_model(name, (32, 32, 3), 10)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(1)
    images = rng.random((8, 32, 32, 3), dtype=np.float32)
    labels = np.arange(8) % 10
    before = float(model.evaluate(images, labels, verbose=0))
    for _ in range(3):
        model.train_on_batch(images, labels)
    after = float(model.evaluate(images, labels, verbose=0))
    assert after < before


@pytest.mark.parametrize(
    "ref", [pytest.param(r, marks=pytest.mark.xdist_group(r.model), id=r.id) for r in REFERENCES]
)
def test_parameter_counts_equal_the_references(ref):
    model = built(ref.model, ref.input_shape, ref.num_classes, **ref.options)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    if ref.total is not None:
        assert model.count_params() == pytest.approx(ref.total, rel=ref.params_rtol, abs=0)
    if ref.trainable is not None:
        assert trainable == pytest.approx(ref.trainable, rel=ref.params_rtol, abs=0)


def option_combinations(name):
    """Each value of every option at least once, with the other options varied alongside.

    The full product is hundreds of builds for AlexNet (about 7 minutes), so the values are
    walked in lock-step: combination i takes value i (mod its count) of every option.
    """
    info = get_model_info(name)
    discrete = [o for o in info.options if o.choices is not None or o.kind is bool]
    values = [o.choices if o.choices is not None else (False, True) for o in discrete]
    numeric = {o.name: 0.25 for o in info.options if o.kind is float}
    rounds = max((len(v) for v in values), default=1)
    for i in range(rounds):
        yield {**numeric, **{o.name: v[i % len(v)] for o, v in zip(discrete, values, strict=True)}}


# One representative per family builder: the variants share its code.
FAMILY_REPRESENTATIVES = sorted({info.family: info.name for info in list_models()}.values())


@pytest.mark.parametrize("name", [group(n) for n in FAMILY_REPRESENTATIVES])
def test_every_option_value_builds(name):
    for options in option_combinations(name):
        keras.backend.clear_session()
        model = create_model(name, (32, 32, 3), 10, **options)
        # Auxiliary training heads (Inception) add outputs; the main classifier comes first.
        assert tuple(model.outputs[0].shape) == (None, 10), options


@pytest.mark.parametrize("name", [group(n) for n in MODELS])
def test_invalid_arguments_name_what_was_received(name):
    info = get_model_info(name)
    with pytest.raises(ValueError, match="bogus"):
        create_model(name, (32, 32, 3), 10, bogus=1)
    with pytest.raises(ValueError, match="received 1"):
        create_model(name, (32, 32, 3), 1)
    too_small = max(info.min_input - 1, 1)
    if too_small < info.min_input:
        with pytest.raises(
            ValueError,
            match=rf"at least {info.min_input}x{info.min_input}.*"
            rf"received {too_small}x{too_small}x3",
        ):
            create_model(name, (too_small, too_small, 3), 10)
    for option in info.options:
        bad = "no-such-value" if option.kind is not str or option.choices else None
        if bad is not None:
            with pytest.raises(ValueError, match="no-such-value"):
                create_model(name, (32, 32, 3), 10, **{option.name: bad})


def test_unknown_model_suggests_close_names():
    with pytest.raises(ValueError, match="resnet50"):
        get_model_info("resnet-5O")
