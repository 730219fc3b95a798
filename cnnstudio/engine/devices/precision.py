"""Mixed precision and XLA: what a run uses, chosen from the config and the devices it trains on.

`auto` (the default of both) means: on GPUs of compute capability 7.0 or newer (Volta, Turing,
Ampere, Hopper: the ones with tensor cores) `mixed_float16` and XLA on, where they pay off
(NVIDIA's ResNet-50 numbers: about 2.6x from mixed precision and XLA on an A100); everywhere else
float32 and XLA off: on the CPU, XLA made LeNet-5 about half as fast (11,000 against 18,000
images/s on 2 cores, `benchmarks/devices.py`) and float16 has no fast kernels there.

How the model is built under a mixed policy: `building_under(policy)` sets Keras's dtype policy
(thread-local in Keras 3) only while the zoo's builder runs, so the engine's own layers around it
(input standardisation, augmentation) stay float32, and `float32_outputs` then turns the model's
output layers (the softmax `predictions`) back to float32: a softmax in float16 loses the small
probabilities the loss needs. Loss scaling is Keras's own `LossScaleOptimizer` (dynamic scale),
which `compile` adds by itself only when the compiled model carries the policy: ours does not (its
outer layers are float32), so `recipe.compile_trainer` wraps the optimizer the same way.

Exports are float32 whatever the training policy: `as_float32(model)` rebuilds a model from its
config with every layer float32 and copies the weights (mixed-precision variables are float32
already, so nothing is rounded).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import keras

    from cnnstudio.engine.devices.devices import Device

MIXED_PRECISION_CHOICES = ("auto", "off", "float16", "bfloat16")
XLA_CHOICES = ("auto", "on", "off")
# The oldest GPUs with tensor cores (Volta).
TENSOR_CORE_CAPABILITY = (7, 0)
_POLICIES = {"off": "float32", "float16": "mixed_float16", "bfloat16": "mixed_bfloat16"}
# The augmentation layer's resampling (ImageProjectiveTransformV3) has no XLA kernel: a train step
# with it does not compile ("tf2xla conversion failed"), so the session trains such runs without
# XLA, says so in log.txt and records xla false. `--no-augment` runs use XLA as chosen.
NO_XLA_WITH_AUGMENTATION = (
    "XLA off: the augmentation layer's image transform has no XLA kernel; "
    "train with --no-augment to use XLA"
)


def has_tensor_cores(devices: Sequence[Device]) -> bool:
    """True when every device is a GPU of compute capability 7.0 or newer."""
    return bool(devices) and all(
        device.is_gpu
        and device.compute_capability is not None
        and tuple(device.compute_capability) >= TENSOR_CORE_CAPABILITY
        for device in devices
    )


def automatic_settings(devices: Sequence[Device]) -> tuple[str, bool]:
    """(dtype policy, XLA) that `auto` gives on `devices`."""
    fast = has_tensor_cores(devices)
    return ("mixed_float16" if fast else "float32"), fast


def choose(mixed_precision: str, xla: str, devices: Sequence[Device]) -> tuple[str, bool]:
    """The dtype policy name and jit_compile a run uses for the config's two settings."""
    auto_policy, auto_xla = automatic_settings(devices)
    policy = auto_policy if mixed_precision == "auto" else _POLICIES[mixed_precision]
    jit = auto_xla if xla == "auto" else xla == "on"
    return policy, jit


@contextlib.contextmanager
def building_under(policy: str) -> Iterator[None]:
    """Keras's dtype policy set to `policy` while the block builds layers, then restored."""
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def output_layers(model: keras.Model) -> list[Any]:
    """The layers that produce `model`'s outputs."""
    return [tensor._keras_history.operation for tensor in model.outputs]


def float32_outputs(model: keras.Model) -> keras.Model:
    """Compute `model`'s output layers in float32 (their variables are float32 already under
    a mixed policy, so only the computation changes). Returns `model`."""
    for layer in output_layers(model):
        if layer.dtype_policy.compute_dtype != "float32":
            layer.dtype_policy = "float32"
    return model


def policy_of(model: keras.Model) -> str:
    """The mixed policy any layer of `model` uses, else "float32"."""
    for layer in _all_layers(model):
        name = layer.dtype_policy.name
        if name.startswith("mixed_"):
            return name
    return "float32"


def _all_layers(model: Any) -> Iterator[Any]:
    for layer in getattr(model, "layers", []):
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)


def as_float32(model: keras.Model) -> keras.Model:
    """`model` itself when it is float32 throughout; else the same model rebuilt with every
    layer in float32 and the same weights."""
    if policy_of(model) == "float32":
        return model
    config = _float32_config(model.get_config())
    with building_under("float32"):
        rebuilt = model.__class__.from_config(config)
    rebuilt.set_weights(model.get_weights())
    for layer in _all_layers(rebuilt):
        # Normalization computes from its adapted mean and variance once, when loaded or
        # adapted; set_weights alone leaves it standardising with mean 0 and variance 1.
        if callable(getattr(layer, "finalize_state", None)):
            layer.finalize_state()
    return rebuilt


def _float32_config(value: Any) -> Any:
    """A layer config with every dtype policy replaced by float32."""
    if isinstance(value, dict):
        if value.get("class_name") in ("DTypePolicy", "FloatDTypePolicy") and isinstance(
            value.get("config"), dict
        ):
            return {**value, "config": {**value["config"], "name": "float32"}}
        return {key: _float32_config(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_float32_config(item) for item in value]
    if isinstance(value, str) and value.startswith("mixed_"):
        return "float32"
    return value


def loss_scaled(optimizer: Any, policy: str) -> Any:
    """`optimizer` wrapped in Keras's dynamic loss scaling when `policy` is mixed_float16
    (bfloat16 has float32's range and needs none), as Keras's own compile does."""
    import keras

    if policy != "mixed_float16" or isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer)
