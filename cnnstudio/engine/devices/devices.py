"""Devices TensorFlow can train on, named the way a person types them: `cpu`, `gpu:0`, `gpu:1`.

`resolve_device("auto")` picks the first GPU when there is one, else the CPU, and `auto_choice()`
says why (with no GPU: why TensorFlow found none). Several devices are written `gpu:0,gpu:1`;
they train under `tf.distribute.MirroredStrategy` (`cnnstudio.engine.devices.distribute`).

`prepare_devices()` must run before anything initialises TensorFlow's devices: it turns on GPU
memory growth (TensorFlow otherwise takes nearly all of a GPU's memory for the first process, and
the GUI, the drawing pad and a training run could not share it) and, for tests and benchmarks
only, splits the CPU into `CNNSTUDIO_LOGICAL_CPUS` logical devices so that the multi-device code
path runs without GPUs. The CLI calls it first thing; so does the GUI's engine loader.
"""

from __future__ import annotations

import ctypes
import os
from dataclasses import asdict, dataclass
from typing import Any

from cnnstudio.i18n import _

# Tests and benchmarks only: split the CPU into this many logical devices (MirroredStrategy
# over them exercises the multi-device code path on machines without GPUs).
LOGICAL_CPUS_ENV = "CNNSTUDIO_LOGICAL_CPUS"

_prepared: dict[str, Any] = {}


@dataclass(frozen=True)
class Device:
    """One logical device: `name` for people and configs, `tf_name` for `tf.device`."""

    name: str  # "cpu", "cpu:1" (logical CPUs, tests only), "gpu:0"
    kind: str  # "cpu" or "gpu"
    tf_name: str  # "/device:CPU:0", "/device:GPU:0"
    description: str
    memory_bytes: int | None = None  # what TensorFlow may use of a GPU's memory
    compute_capability: tuple[int, int] | None = None  # (8, 0) for an A100

    @property
    def is_gpu(self) -> bool:
        return self.kind == "gpu"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.compute_capability is not None:
            data["compute_capability"] = ".".join(map(str, self.compute_capability))
        return data


def prepare_devices() -> dict[str, Any]:
    """Memory growth on every GPU and the optional logical CPU split, before TensorFlow
    initialises its devices. Idempotent; returns what it did (`memory_growth`: GPUs set,
    `logical_cpus`, `note`: why something could not be done, e.g. devices already initialised).
    """
    if _prepared:
        return dict(_prepared)
    import tensorflow as tf

    done: dict[str, Any] = {"memory_growth": 0, "logical_cpus": 1, "note": None}
    try:
        for gpu in tf.config.list_physical_devices("GPU"):
            tf.config.experimental.set_memory_growth(gpu, True)
            done["memory_growth"] += 1
        wanted = _logical_cpus_wanted()
        if wanted > 1:
            cpu = tf.config.list_physical_devices("CPU")[0]
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(wanted)]
            )
            done["logical_cpus"] = wanted
    except RuntimeError as error:  # "... cannot be modified after being initialized"
        done["note"] = f"devices were already initialised: {error}"
    _prepared.update(done)
    return dict(done)


def _logical_cpus_wanted() -> int:
    text = os.environ.get(LOGICAL_CPUS_ENV, "").strip()
    if not text:
        return 1
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise ValueError(
            _("{LOGICAL_CPUS_ENV} must be a whole number from 1 to 64; got {text!r}").format(
                LOGICAL_CPUS_ENV=LOGICAL_CPUS_ENV, text=text
            )
        )
    return int(text)


def list_devices() -> list[Device]:
    """Every logical device TensorFlow sees; the CPU is always first and always present."""
    import tensorflow as tf

    prepare_devices()
    devices = []
    for index, logical in enumerate(tf.config.list_logical_devices("CPU")):
        name = "cpu" if index == 0 else f"cpu:{index}"
        devices.append(Device(name, "cpu", logical.name, "CPU"))
    memory = _gpu_memory_limits()
    physical = tf.config.list_physical_devices("GPU")
    for index, logical in enumerate(tf.config.list_logical_devices("GPU")):
        description, capability = "GPU", None
        try:
            details = tf.config.experimental.get_device_details(physical[index])
            description = details.get("device_name", description)
            capability = details.get("compute_capability")
        except (IndexError, ValueError, RuntimeError):
            pass  # details are cosmetic; the device itself is usable
        devices.append(
            Device(
                f"gpu:{index}",
                "gpu",
                logical.name,
                description,
                memory.get(index),
                tuple(capability) if capability else None,
            )
        )
    return devices


def _gpu_memory_limits() -> dict[int, int]:
    """Bytes of memory TensorFlow may use on each GPU. TensorFlow's public API has no total
    (get_memory_info gives what is in use), so this asks its device list; {} where it cannot."""
    try:
        from tensorflow.python.client import device_lib

        local = device_lib.list_local_devices()
    except Exception:  # a private API: a missing answer only hides a number
        return {}
    limits = {}
    for device in local:
        if device.device_type == "GPU":
            index = int(device.name.rsplit(":", 1)[-1])
            limits[index] = int(device.memory_limit)
    return limits


def no_gpu_reason() -> str:
    """Why TensorFlow sees no GPU, in one line a person can act on."""
    import tensorflow as tf

    if not tf.test.is_built_with_cuda():
        return _(
            "TensorFlow was built without CUDA (on Linux, pip install 'tensorflow[and-cuda]' "
            "adds it)"
        )
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return _("CUDA_VISIBLE_DEVICES={visible!r} hides every GPU").format(visible=visible)
    try:
        ctypes.CDLL("libcuda.so.1")
    except OSError:
        return _("TensorFlow found no CUDA driver (libcuda.so.1 is missing)")
    return _("the NVIDIA driver is there but TensorFlow found no GPU it can use")


def parse_device_names(name: str) -> list[str]:
    """The normalised names in `name` ("auto", "cpu", "gpu:0" or "gpu:0,gpu:1"), without asking
    TensorFlow. Raises ValueError naming what it received."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(
            _("device must be 'auto', 'cpu' or 'gpu:N'; received {name!r}").format(name=name)
        )
    names = [_one_name(part, name) for part in name.split(",")]
    if len(names) > 1 and ("auto" in names or len(set(names)) != len(names)):
        raise ValueError(
            _("device lists name distinct devices, e.g. 'gpu:0,gpu:1'; received {name!r}").format(
                name=name
            )
        )
    return names


def _one_name(part: str, whole: str) -> str:
    text = part.strip().lower()
    if text in ("auto", "cpu"):
        return text
    for kind in ("gpu", "cpu"):
        if text.startswith(kind):
            index = text[3:].lstrip(":") or "0"
            if index.isdigit():
                return kind if kind == "cpu" and int(index) == 0 else f"{kind}:{int(index)}"
    if "," in whole:
        text = _(
            "device must be 'auto', 'cpu' or 'gpu:N' (or several: 'gpu:0,gpu:1'); "
            "received {whole!r}"
        )
    else:
        text = _("device must be 'auto', 'cpu' or 'gpu:N'; received {whole!r}")
    raise ValueError(text.format(whole=whole))


def validate_device_name(name: str) -> str:
    """Normalise a device name or list without asking TensorFlow (cheap: config validation)."""
    return ",".join(parse_device_names(name))


def resolve_devices(name: str = "auto") -> list[Device]:
    """The devices `name` refers to; `auto` is the first GPU, else the CPU. ValueError if absent."""
    wanted = parse_device_names(name)
    devices = list_devices()
    if wanted == ["auto"]:
        return [auto_choice(devices)[0]]
    by_name = {device.name: device for device in devices}
    missing = [item for item in wanted if item not in by_name]
    if missing:
        available = ", ".join(device.name for device in devices)
        raise ValueError(
            _("device {value!r} is not available; available devices: {available}").format(
                value=missing[0], available=available
            )
        )
    return [by_name[item] for item in wanted]


def resolve_device(name: str = "auto") -> Device:
    """The one device `name` refers to (the first of a list)."""
    return resolve_devices(name)[0]


def auto_choice(devices: list[Device] | None = None) -> tuple[Device, str]:
    """The device `auto` picks and why, e.g. (cpu, "no GPU: TensorFlow found no CUDA driver")."""
    devices = devices if devices is not None else list_devices()
    gpus = [device for device in devices if device.is_gpu]
    if gpus:
        return gpus[0], _("the first GPU ({description})").format(description=gpus[0].description)
    return devices[0], _("no GPU: {reason}").format(reason=no_gpu_reason())
