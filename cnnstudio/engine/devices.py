"""Devices TensorFlow can train on, named the way a person types them: `cpu`, `gpu:0`, `gpu:1`.

`resolve_device("auto")` picks the first GPU when there is one, else the CPU. The session places
the model and the training loop with `tf.device(device.tf_name)`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Device:
    """One logical device: `name` for people and configs, `tf_name` for `tf.device`."""

    name: str  # "cpu", "gpu:0"
    kind: str  # "cpu" or "gpu"
    tf_name: str  # "/device:CPU:0", "/device:GPU:0"
    description: str

    @property
    def is_gpu(self) -> bool:
        return self.kind == "gpu"


def list_devices() -> list[Device]:
    """Every logical device TensorFlow sees; the CPU is always first and always present."""
    import tensorflow as tf

    devices = [Device("cpu", "cpu", "/device:CPU:0", "CPU")]
    for index, logical in enumerate(tf.config.list_logical_devices("GPU")):
        description = "GPU"
        try:
            physical = tf.config.list_physical_devices("GPU")[index]
            details = tf.config.experimental.get_device_details(physical)
            description = details.get("device_name", description)
        except (IndexError, ValueError, RuntimeError):
            pass  # details are cosmetic; the device itself is usable
        devices.append(Device(f"gpu:{index}", "gpu", logical.name, description))
    return devices


def validate_device_name(name: str) -> str:
    """Normalise a device name without asking TensorFlow (cheap: used by config validation)."""
    text = name.strip().lower() if isinstance(name, str) else name
    if text in ("auto", "cpu"):
        return text
    if isinstance(text, str) and text.startswith("gpu"):
        index = text[3:].lstrip(":") or "0"
        if index.isdigit():
            return f"gpu:{int(index)}"
    raise ValueError(f"device must be 'auto', 'cpu' or 'gpu:N'; received {name!r}")


def resolve_device(name: str = "auto") -> Device:
    """The device `name` refers to; `auto` prefers the first GPU. Raises ValueError if absent."""
    wanted = validate_device_name(name)
    devices = list_devices()
    if wanted == "auto":
        gpus = [device for device in devices if device.is_gpu]
        return gpus[0] if gpus else devices[0]
    for device in devices:
        if device.name == wanted:
            return device
    available = ", ".join(device.name for device in devices)
    raise ValueError(f"device {name!r} is not available; available devices: {available}")
