"""The stroke-width augmentation as a training option: config, CLI flag, the trained model."""

import pytest

from cnnstudio import cli
from cnnstudio.engine.data.data_types import Augmentation
from cnnstudio.engine.training import recipe
from cnnstudio.engine.training.config import TrainingConfig


def test_the_option_is_checked_and_off_by_default():
    assert TrainingConfig().stroke_augmentation == 0.0
    assert TrainingConfig(stroke_augmentation=0.5).validate().stroke_augmentation == 0.5
    with pytest.raises(ValueError, match=r"stroke_augmentation must be a number in \[0, 1\]"):
        TrainingConfig(stroke_augmentation=2.0).validate()
    with pytest.raises(ValueError, match=r"Augmentation.stroke must be in \[0, 1\]"):
        Augmentation(stroke=-0.1)
    assert not Augmentation(stroke=0.3).is_identity


def test_the_trainer_gets_the_stroke_layer_before_the_affine_one_and_saves_without_it():
    from cnnstudio.engine.training.seeding import seeded_build
    from cnnstudio.models import create_model

    model = seeded_build(0, lambda: create_model("lenet5", (32, 32, 1), 10))
    trainer = recipe.with_training_augmentation(model, Augmentation(rotation=10, stroke=0.5))
    names = [layer.name for layer in trainer.layers]
    assert names.index(recipe.STROKE_AUGMENTATION_LAYER) < names.index(recipe.AUGMENTATION_LAYER)
    assert trainer.get_layer(recipe.STROKE_AUGMENTATION_LAYER).amount == 0.5
    plain = recipe.with_training_augmentation(model, Augmentation(rotation=10))
    assert recipe.STROKE_AUGMENTATION_LAYER not in [layer.name for layer in plain.layers]


def test_cnnstudio_train_takes_augment_stroke():
    from cnnstudio.cli.training import _training_config

    parser = cli.build_parser()
    args = parser.parse_args(["train", "--augment-stroke", "0.75", "--epochs", "1"])
    assert _training_config(args).stroke_augmentation == 0.75
    assert _training_config(parser.parse_args(["train"])).stroke_augmentation == 0.0
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "--augment-stroke", "thick"])
