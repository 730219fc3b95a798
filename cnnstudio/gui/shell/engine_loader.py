"""Loads TensorFlow and the model zoo behind the window.

`import tensorflow` takes seconds; the window must not wait for it. `EngineLoader` imports the
zoo (which imports Keras and TensorFlow) and lists the devices on its own thread, then reports
on the GUI thread through a queued signal. The import cannot be interrupted (`stop()` does
nothing to it), so the closing window waits for it (`workers.stop_all`): a Python interpreter
torn down in the middle of importing TensorFlow can crash.
"""

from __future__ import annotations

import gc
import os
import time
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from cnnstudio.gui.workers import Worker


@dataclass(frozen=True)
class EngineStatus:
    """What the loaded engine offers: versions for the About box, devices for the status bar."""

    keras_version: str
    tensorflow_version: str
    devices: tuple = field(default_factory=tuple)  # cnnstudio.engine.devices.devices.Device
    seconds: float = 0.0
    no_gpu_reason: str | None = None  # why TensorFlow sees no GPU, for the status bar

    @property
    def best_device(self):
        """The device `auto` would pick: the first GPU, else the CPU."""
        gpus = [device for device in self.devices if device.is_gpu]
        return gpus[0] if gpus else (self.devices[0] if self.devices else None)


class EngineLoader(Worker):
    """One-shot background import; `loaded(EngineStatus)` or `failed(message)` on the GUI thread."""

    loaded = Signal(object)
    # Importing TensorFlow takes seconds, minutes on a cold disk; it cannot be cut short.
    stop_timeout_ms = 300_000

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__("engineLoader", parent)

    def work(self) -> None:  # worker thread: touches no widget
        started = time.perf_counter()
        # TensorFlow's C++ start-up chatter (CPU features, absent CUDA) means nothing to a
        # person at a desktop; a value the user set wins.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        from cnnstudio.engine.devices.tf_workarounds import quiet_python_log, verbose_requested

        if not verbose_requested():
            quiet_python_log()  # its "retracing" advice is for developers, not a terminal
        # Imports create about a million long-lived objects (TensorFlow, Keras, the zoo), and
        # each full garbage collection walks all of them holding the GIL: 0.3-0.7 s during
        # which the window cannot repaint. So no collection during the import, then the
        # survivors are frozen: the collector skips them (they never become garbage anyway).
        gc.disable()
        try:
            import keras
            import tensorflow as tf

            import cnnstudio.models  # noqa: F401  (registers every family)
            from cnnstudio.engine.devices.devices import (
                list_devices,
                no_gpu_reason,
                prepare_devices,
            )

            # Memory growth before TensorFlow initialises the GPUs: the window, the drawing
            # pad and a training run then share one GPU.
            prepare_devices()
            devices = tuple(list_devices())  # a failure reaches the person as `failed`
            no_gpu = None if any(d.is_gpu for d in devices) else no_gpu_reason()
        finally:
            gc.freeze()
            gc.enable()
        self.loaded.emit(
            EngineStatus(
                keras.__version__,
                tf.__version__,
                devices,
                time.perf_counter() - started,
                no_gpu,
            )
        )
