"""Table-driven tests over the registry: a model that is registered is tested for free."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest

from cnnstudio.models import create_model, get_model_info, list_models
from tests.models.builds import shape_only, without_weights
from tests.reference_figures import EXPECTED_MODELS

MODELS = [info.name for info in list_models()]
SMALL_INPUTS = [(32, 32, 1), (32, 32, 3)]
# Deeper variants of a family whose smaller member trains in `make test`: the same blocks, only
# more of them, and each eager training step costs 40-100 s on 2 cores. Their numbers flow in
# `make test-all`; their structure, names, parameters and MACs are checked in `make test`.
DEEP_SIBLINGS = {"resnet101", "resnet152", "densenet169", "densenet201"}
TRAINED_IN_MAKE_TEST = [
    pytest.param(name, marks=pytest.mark.slow) if name in DEEP_SIBLINGS else name for name in MODELS
]


def keras_auto_name_stem(class_name: str) -> str:
    # Keras's own auto-naming rule: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d.
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def test_every_model_of_the_mission_is_registered():
    assert set(EXPECTED_MODELS) <= set(MODELS), set(EXPECTED_MODELS) - set(MODELS)


@pytest.mark.parametrize("name", MODELS)
def test_metadata_is_complete(name):
    info = get_model_info(name)
    assert info.display_name and info.family and info.paper
    assert 1989 <= info.year <= 2017
    assert len(info.description) >= 80, "a student deserves more than a line"
    assert len(info.canonical_input) == 3
    assert 1 <= info.min_input <= 32, "every model must also train on 32x32 images"
    assert len({o.name for o in info.options}) == len(info.options)


@pytest.mark.parametrize("name", MODELS)
def test_builds_at_canonical_input_with_stable_meaningful_names(name):
    info = get_model_info(name)
    model = shape_only(name, info.canonical_input, info.default_classes)
    assert isinstance(model, keras.Model)
    assert tuple(model.input_shape) == (None, *info.canonical_input)
    assert tuple(model.output_shape) == (None, info.default_classes)
    assert not model.compiled, "builders return uncompiled models"
    names = [layer.name for layer in model.layers]
    assert len(names) == len(set(names))
    for layer in model.layers:
        stem = keras_auto_name_stem(type(layer).__name__)
        assert not re.fullmatch(rf"{stem}(_\d+)?", layer.name), f"auto-name {layer.name!r}"
    assert model.layers[-1].name == "predictions"


@pytest.mark.parametrize("name", TRAINED_IN_MAKE_TEST)
def test_runs_on_small_images_and_one_training_step_lowers_the_loss(name):
    """The numbers flow: real weights, built here and let go after the test."""
    keras.utils.set_random_seed(1)
    # Trained at 16x16 where the model allows it: the eager tape of DenseNet-201 at 32x32
    # alone peaked at 2.4 GB (1.4 GB at 16x16), and ResNeXt's grouped convolutions take TF's
    # slow CPU path (a training step 10 s at 16x16).
    side = max(get_model_info(name).min_input, 16)
    trained = create_model(name, (side, side, 3), 10)
    rng = np.random.default_rng(1)
    images = rng.random((8, side, side, 3), dtype=np.float32)
    labels = np.arange(8) % 10
    for shape in SMALL_INPUTS:
        model = trained if shape == (side, side, 3) else create_model(name, shape, 10)
        batch = rng.random((2, *shape), dtype=np.float32)
        probabilities = keras.ops.convert_to_numpy(model(batch, training=False))
        assert probabilities.shape == (2, 10), shape
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-4)
        del model
    # Eagerly: tracing the train step of a 300-layer network costs 45 s here and tests
    # TensorFlow's tracer, not the model; the engine's tests train through the traced step.
    trained.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        run_eagerly=True,
    )
    before = float(trained.evaluate(images, labels, verbose=0))
    for _ in range(3):
        trained.train_on_batch(images, labels)
    after = float(trained.evaluate(images, labels, verbose=0))
    assert after < before


def test_shape_only_builds_hold_no_weights_even_after_a_real_build():
    """The suite's memory rests on this: a model built for its shapes never gets buffers."""
    big = shape_only("vgg16", (224, 224, 3), 1000)
    create_model("lenet5", (32, 32, 1), 10)
    with keras.StatelessScope():  # closing an initializing scope fills every pending variable
        pass
    assert big.count_params() == 138_357_544
    assert all(variable._value is None for variable in big.weights)


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


# Every model, not one per family: built without weights the whole grid costs seconds, and the
# variants of a family differ in their blocks (ResNet-18's basic block, ResNet-50's bottleneck).
@pytest.mark.parametrize("name", MODELS)
def test_every_option_value_builds(name):
    for options in option_combinations(name):
        model = shape_only(name, (32, 32, 3), 10, **options)
        # Auxiliary training heads (Inception) add outputs; the main classifier comes first.
        assert tuple(model.outputs[0].shape) == (None, 10), options


@pytest.mark.parametrize("name", MODELS)
def test_invalid_arguments_name_what_was_received(name):
    info = get_model_info(name)
    # Refusals come before or during the build: no weights are made either way.
    with without_weights():
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
