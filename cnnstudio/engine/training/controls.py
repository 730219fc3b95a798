"""Stop and pause for a training run: asked for from any thread, honoured on the training thread.

They are `threading.Event`s checked in the batch hooks (`cnnstudio.engine.training.callbacks`), so
they
take effect at the end of the current group of batches, i.e. within about 1 / EVENTS_PER_SECOND
seconds. Stop is also checked between the phases before training (loading the data,
standardisation and calibration) and after each group of validation batches. Stop ends
training at once (no trailing validation); pause waits on an event (no CPU burnt) and its time
is left out of throughput and ETA. Stop wins: a pause asked for after it is refused, and a
paused session that is asked to stop wakes up and stops.
"""

from __future__ import annotations

import threading
import time


class StopRequested(Exception):
    """Raised from a batch hook to leave `model.fit` at once when the user stops."""


class LossNotFinite(Exception):
    """Raised from a batch hook when the loss became NaN or infinite."""


class RunControls:
    """The stop and pause switches of one training session. Stop wins: once asked for, a pause
    neither delays nor replaces it, whatever the order the two arrive in."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()  # cleared while paused
        self._running.set()
        # Set while the training thread is actually held in a pause (not merely asked to
        # pause): what a caller waits on to know the pause has begun.
        self._held = threading.Event()
        # Stop and pause each change both events: without the lock, a pause racing a stop could
        # clear `_running` just after stop set it, and the training thread would sleep for ever.
        self._lock = threading.Lock()

    def stop(self) -> None:
        with self._lock:
            self._stop.set()
            self._running.set()  # a paused session must wake up to stop

    def pause(self) -> bool:
        """Pause at the next check. Returns False, and changes nothing, once a stop was asked
        for: a run that is stopping keeps stopping."""
        with self._lock:
            if self._stop.is_set():
                return False
            self._running.clear()
            return True

    def resume(self) -> None:
        with self._lock:
            self._running.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait_until_held(self, timeout: float) -> bool:
        """Wait (up to `timeout` seconds) until the training thread is held in a pause; True
        when it is."""
        return self._held.wait(timeout)

    def raise_if_stopped(self) -> None:
        """Between long phases (loading data, standardisation, calibration, validation): a stop
        asked for meanwhile ends the run there instead of after the next batch."""
        if self._stop.is_set():
            raise StopRequested

    def honour(self) -> float:
        """On the training thread: raise StopRequested if a stop was asked for, else sleep
        while paused (a stop ends the sleep and raises). Returns the seconds spent paused."""
        if self._stop.is_set():
            raise StopRequested
        paused_seconds = 0.0
        if not self._running.is_set():
            paused_at = time.perf_counter()
            self._held.set()
            try:
                self._running.wait()  # sleeps; stop() also wakes it
            finally:
                self._held.clear()
            paused_seconds = time.perf_counter() - paused_at
        if self._stop.is_set():
            raise StopRequested
        return paused_seconds


def describe_failure(error: BaseException, batch_size: int, device: str) -> str:
    """A failed run's reason in one line: out of memory with a suggestion, else `Type: text`."""
    import re

    import tensorflow as tf

    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    out_of_memory = re.search(r"\bOOM\b|out of memory", str(error), re.IGNORECASE)
    if isinstance(error, tf.errors.ResourceExhaustedError) or out_of_memory:
        smaller = max(1, batch_size // 2)
        return (
            f"out of memory with batch size {batch_size} on {device}; try a smaller batch "
            f"size (--batch-size {smaller}) or a smaller model"
        )
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
