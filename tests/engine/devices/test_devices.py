"""Devices, the precision and XLA choice, and float32 exports of a mixed-precision run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cnnstudio.engine.devices import precision
from cnnstudio.engine.devices.devices import Device, parse_device_names, validate_device_name
from cnnstudio.engine.training.config import TrainingConfig

CPU = Device("cpu", "cpu", "/device:CPU:0", "CPU")
VOLTA = Device("gpu:0", "gpu", "/device:GPU:0", "Tesla V100", 16 << 30, (7, 0))
A100 = Device("gpu:1", "gpu", "/device:GPU:1", "A100", 40 << 30, (8, 0))
PASCAL = Device("gpu:0", "gpu", "/device:GPU:0", "GTX 1080 Ti", 11 << 30, (6, 1))


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("auto", ["auto"]),
        (" CPU ", ["cpu"]),
        ("gpu", ["gpu:0"]),
        ("GPU1", ["gpu:1"]),
        ("gpu:0, gpu:1", ["gpu:0", "gpu:1"]),
        ("cpu:0", ["cpu"]),
    ],
)
def test_device_names_normalise(text, names):
    assert parse_device_names(text) == names
    assert validate_device_name(text) == ",".join(names)


@pytest.mark.parametrize("text", ["", "tpu", "gpu:x", "gpu:0,gpu:0", "auto,gpu:0"])
def test_bad_device_names_are_one_clear_message(text):
    with pytest.raises(ValueError, match="device"):
        parse_device_names(text)


@pytest.mark.parametrize(
    ("devices", "mixed", "xla", "expected"),
    [
        ([CPU], "auto", "auto", ("float32", False)),  # XLA halved LeNet-5 on the CPU
        ([VOLTA], "auto", "auto", ("mixed_float16", True)),
        ([VOLTA, A100], "auto", "auto", ("mixed_float16", True)),
        ([PASCAL], "auto", "auto", ("float32", False)),  # no tensor cores
        ([VOLTA, PASCAL], "auto", "auto", ("float32", False)),
        ([CPU], "bfloat16", "on", ("mixed_bfloat16", True)),
        ([A100], "off", "off", ("float32", False)),
        ([A100], "float16", "auto", ("mixed_float16", True)),
    ],
)
def test_precision_and_xla_follow_the_devices(devices, mixed, xla, expected):
    assert precision.choose(mixed, xla, devices) == expected


@pytest.mark.parametrize(
    ("field", "value"),
    [("mixed_precision", "half"), ("xla", "maybe"), ("strategy", "horovod")],
)
def test_config_refuses_unknown_acceleration_values(field, value):
    with pytest.raises(ValueError, match=f"^{field} must be one of"):
        TrainingConfig(**{field: value}).validate(check_dataset=False)


def test_config_takes_device_lists_and_json_booleans_for_xla():
    config = TrainingConfig(device="gpu:0, gpu:1", xla=True).validate(check_dataset=False)
    assert (config.device, config.xla, config.strategy) == ("gpu:0,gpu:1", "on", "auto")
    with pytest.raises(ValueError, match="strategy 'none' trains on one device"):
        TrainingConfig(device="gpu:0,gpu:1", strategy="none").validate(check_dataset=False)


def test_strategy_auto_mirrors_a_device_list():
    from cnnstudio.engine.devices.distribute import strategy_kind

    assert strategy_kind(TrainingConfig(device="gpu:0,gpu:1")) == "mirrored"
    assert strategy_kind(TrainingConfig(device="gpu:1")) == "none"
    assert strategy_kind(TrainingConfig(strategy="multi-worker")) == "multi-worker"


@pytest.mark.parametrize(
    ("tf_config", "chief", "workers"),
    [
        ({"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 0}}, True, 2),
        ({"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 1}}, False, 2),
        (
            {"cluster": {"chief": ["c:1"], "worker": ["a:1"]}, "task": {"type": "worker"}},
            False,
            2,
        ),
        ({"cluster": {"chief": ["c:1"], "worker": ["a:1"]}, "task": {"type": "chief"}}, True, 2),
    ],
)
def test_the_chief_is_who_tensorflow_says(monkeypatch, tf_config, chief, workers):
    from cnnstudio.engine.devices.distribute import cluster_role

    monkeypatch.setenv("TF_CONFIG", json.dumps(tf_config))
    role = cluster_role()
    assert (role.is_chief, role.num_workers, role.source) == (chief, workers, "TF_CONFIG")


def test_the_cpu_is_listed_and_auto_says_why_there_is_no_gpu():
    from cnnstudio.engine.devices.report import device_report

    report = device_report()
    assert report["devices"][0]["name"] == "cpu"
    if report["gpus"] == 0:  # CI: no GPU
        assert report["auto"] == "cpu"
        assert report["auto_reason"].startswith("no GPU: ")
        assert (report["mixed_precision"], report["xla"]) == ("float32", False)
    json.dumps(report)  # --json prints it


def test_every_zoo_output_computes_in_float32_under_mixed_precision():
    from cnnstudio.models import list_models
    from tests.models.builds import shape_only

    for info in list_models():
        with precision.building_under("mixed_float16"):
            model = shape_only(info.name, num_classes=10)
        assert precision.policy_of(model) == "mixed_float16"
        precision.float32_outputs(model)
        for layer in precision.output_layers(model):
            assert layer.dtype_policy.compute_dtype == "float32", (info.name, layer.name)
    import keras

    assert keras.config.dtype_policy().name == "float32"  # the global policy is restored


def test_mixed_float16_compiles_with_keras_dynamic_loss_scaling():
    import keras

    from cnnstudio.engine.training import recipe

    config = TrainingConfig(epochs=1).validate(check_dataset=False)
    model = recipe.build_model(config, (32, 32, 1), 10, policy="mixed_float16")
    recipe.compile_trainer(
        model, config, steps_per_epoch=1, steps_per_execution=1, policy="mixed_float16"
    )
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert model.optimizer.dynamic_growth_steps > 0  # Keras's dynamic loss scale
    outputs = model(np.zeros((2, 32, 32, 1), "float32"))
    assert outputs.dtype == "float32"


def test_a_bfloat16_run_records_its_policy_and_exports_float32(tmp_path):
    import keras

    from cnnstudio.engine.store.runs import RunStore
    from cnnstudio.engine.training.session import TrainingSession
    from cnnstudio.engine.use.export import export_run

    config = TrainingConfig(epochs=1, limit_batches=2, mixed_precision="bfloat16", device="cpu")
    session = TrainingSession(config, runs=RunStore(tmp_path / "runs"))
    result = session.run()
    assert result.status == "finished", result.reason
    hardware = session.run_handle.reload()["hardware"]
    assert hardware["mixed_precision"] == "mixed_bfloat16" and hardware["xla"] is False
    assert hardware["strategy"] == "none" and hardware["devices"][0]["name"] == "cpu"
    assert precision.policy_of(session.model) == "mixed_bfloat16"

    exported = export_run(session.run_handle, "keras")
    assert exported.ok, exported.message
    model = keras.models.load_model(exported.path)
    assert precision.policy_of(model) == "float32"
    floats = {v.dtype for v in model.variables if "float" in v.dtype}
    assert floats == {"float32"}  # (Normalization's count is an int64)
    outputs = model(np.random.default_rng(0).random((4, 32, 32, 1), dtype=np.float32))
    assert outputs.dtype == "float32"


@pytest.mark.parametrize(("augment", "xla_used"), [(True, False), (False, True)])
def test_xla_on_trains_and_records_what_was_used(tmp_path, augment, xla_used):
    from cnnstudio.engine.store.runs import RunStore
    from cnnstudio.engine.training.session import TrainingSession

    config = TrainingConfig(epochs=1, limit_batches=2, xla="on", augment=augment)
    session = TrainingSession(config, runs=RunStore(tmp_path))
    result = session.run()
    assert result.status == "finished", result.reason  # the augmentation has no XLA kernel
    assert session.run_handle.reload()["hardware"]["xla"] is xla_used
    log = session.run_handle.log_file
    said = log.is_file() and precision.NO_XLA_WITH_AUGMENTATION in log.read_text()
    assert said is not xla_used
