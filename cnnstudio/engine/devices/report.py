"""What `cnnstudio devices` prints: the devices, what `auto` picks and why, and the precision
and XLA settings `auto` gets on it. Apart from `devices` and `precision`, which it joins, so
that neither of them imports the other."""

from __future__ import annotations

from typing import Any

from cnnstudio.engine.devices.devices import auto_choice, list_devices, prepare_devices
from cnnstudio.engine.devices.precision import automatic_settings


def device_report() -> dict[str, Any]:
    """What `cnnstudio devices` prints: every device, `auto`'s choice and why, the defaults
    for mixed precision and XLA that `auto` gets on it."""
    import tensorflow as tf

    prepared = prepare_devices()
    devices = list_devices()
    chosen, why = auto_choice(devices)
    policy, xla = automatic_settings([chosen])
    return {
        "devices": [device.to_dict() for device in devices],
        "auto": chosen.name,
        "auto_reason": why,
        "gpus": sum(device.is_gpu for device in devices),
        "mixed_precision": policy,
        "xla": xla,
        "memory_growth": prepared["memory_growth"] > 0,
        "tensorflow": tf.__version__,
        "built_with_cuda": tf.test.is_built_with_cuda(),
    }
