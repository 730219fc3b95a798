"""One validation: `TrainingConfig.check()` returns problems as data and changes nothing; the
form and the CLI turn them into text with `describe` (issue 20, section 2)."""

from __future__ import annotations

import dataclasses
import math

import pytest

from cnnstudio.engine.training.config import LIMITS, TrainingConfig
from cnnstudio.engine.training.problems import ConfigError, Problem, describe


def test_check_returns_every_problem_as_field_code_values_and_changes_nothing():
    config = TrainingConfig(
        epochs=0, learning_rate=math.nan, optimizer="SGD", seed=2**40, model_options={}
    )
    before = dataclasses.asdict(config)
    problems = config.check(check_model=False, check_dataset=False)
    assert dataclasses.asdict(config) == before  # no mutation, however often it is asked
    by_field = {problem.field: problem for problem in problems}
    assert by_field["epochs"] == Problem("epochs", "not_positive_int", {"received": 0})
    assert by_field["learning_rate"].code == "not_number_in"
    assert by_field["seed"] == Problem(
        "seed", "too_large", {"received": 2**40, "high": LIMITS["seed"]}
    )
    assert "optimizer" not in by_field  # a case-insensitive choice is fine


def test_describe_names_the_field_and_the_value():
    assert describe(Problem("epochs", "not_positive_int", {"received": 0})) == (
        "epochs must be a positive integer; received 0"
    )
    text = describe(Problem("seed", "too_large", {"received": 2**40, "high": 2**32 - 1}))
    assert text.startswith("seed must be at most 4,294,967,295")
    where = {"low": 0.0, "high": 1.0, "low_open": False, "high_open": True}
    assert describe(Problem("momentum", "not_number_in", {"received": 1.0, **where})) == (
        "momentum must be a number in [0, 1); received 1.0"
    )


def test_validate_raises_one_config_error_holding_all_problems():
    with pytest.raises(ConfigError) as refused:
        TrainingConfig(epochs=-1, batch_size=0).validate(check_dataset=False)
    assert [p.field for p in refused.value.problems] == ["epochs", "batch_size"]
    assert isinstance(refused.value, ValueError)
    assert str(refused.value) == "epochs must be a positive integer; received -1"


def test_model_option_problems_come_from_the_registry_and_nan_is_refused():
    problems = TrainingConfig(model_options={"dropout": math.nan}).check(check_dataset=False)
    assert [(p.field, p.code) for p in problems] == [("model_options", "bad_option")]
    assert "finite" in describe(problems[0])
