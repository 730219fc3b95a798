"""Learning-rate schedules over a run whose number of epochs can change when it is resumed.

A run's schedule is a list of segments `[start_epoch, total_epochs]`. The first, `[0, epochs]`, is
the schedule the run started with. A resume that asks for another number of epochs adds
`[E, new_total]`, E being the epoch it continues after. The rule (said in `cnnstudio resume
--help`): where a run continues, the learning rate goes on from the value it had, never jumps.

- cosine: up to E as before; then from the rate at E down to 0 at the new last epoch.
- step: the drops already made stay made; the drops still ahead come at 50% and 75% of the new
  total (a rate never goes back up).
- constant and plateau do not depend on the number of epochs (plateau's state is in the
  checkpoint).

A cosine that has run its course is at 0 and would stay there: resuming it for more epochs is
refused with that reason (`check_extension`). With one segment the schedule is Keras's own
`CosineDecay` or `PiecewiseConstantDecay`, exactly as a run that was never extended.

Keras is imported inside the functions: `resume` imports this module, and `session` imports
`resume`, and importing the session must not load TensorFlow.
"""

from __future__ import annotations

import functools
import math
from types import SimpleNamespace
from typing import Any

from cnnstudio.i18n import _

# The step schedule: x0.1 after 50% of the steps, x0.01 after 75%.
STEP_FACTORS = (1.0, 0.1, 0.01)


def initial_segments(epochs: int) -> list[list[int]]:
    return [[0, epochs]]


def recorded_segments(record: dict[str, Any]) -> list[list[int]]:
    """The segments run.json holds; runs written before segments existed had only their
    config's number of epochs."""
    segments = record.get("schedule_segments")
    valid = isinstance(segments, list) and segments and all(_is_segment(s) for s in segments)
    if valid and segments[0][0] == 0:
        return [list(s) for s in segments]
    config = record.get("config") if isinstance(record.get("config"), dict) else {}
    epochs = config.get("epochs")
    return initial_segments(epochs if isinstance(epochs, int) and epochs > 0 else 1)


def _is_segment(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in value)
        and 0 <= value[0] < value[1]
    )


def check_extension(kind: str, segments: list[list[int]], done: int, run_id: str) -> None:
    """Refuse (ValueError) to extend a cosine schedule that has already reached 0."""
    total = segments[-1][1]
    if kind == "cosine" and done >= total:
        raise ValueError(
            _(
                "run {run_id!r} ended its cosine schedule at epoch {total} with a "
                "learning rate of 0, and the schedule continues from there: more "
                "epochs would not train. Start a new run with its settings (cnnstudio "
                "train --config RUN/run.json) instead"
            ).format(run_id=run_id, total=total)
        )


def extend(segments: list[list[int]], start_epoch: int, total: int) -> list[list[int]]:
    """The segments of a run that continues after `start_epoch` towards `total` epochs."""
    if segments[-1][1] == total:
        return [list(s) for s in segments]
    # Segments that began at or after the restart point were never trained to; they go.
    kept = [list(s) for s in segments if s[0] < start_epoch] or initial_segments(total)
    return [*kept, [start_epoch, total]] if kept[-1][1] != total else kept


def learning_rate(
    kind: str, initial: float, steps_per_epoch: int, segments: list[list[int]]
) -> Any:
    """The optimizer's learning rate: a float (constant, plateau) or a Keras schedule."""
    import keras

    if kind not in ("cosine", "step"):
        return initial
    if len(segments) > 1:
        step_segments = [
            [start * steps_per_epoch, end * steps_per_epoch] for start, end in segments
        ]
        return _continued_schedule_class()(kind, initial, step_segments)
    total_steps = max(1, steps_per_epoch * segments[0][1])
    if kind == "cosine":
        return keras.optimizers.schedules.CosineDecay(initial, total_steps)
    return keras.optimizers.schedules.PiecewiseConstantDecay(
        list(_step_boundaries(total_steps)), [initial * f for f in STEP_FACTORS]
    )


def _step_boundaries(total_steps: int) -> tuple[int, int]:
    """As Keras's `PiecewiseConstantDecay` reads them: the first factor up to and including
    the first boundary, and so on."""
    return max(1, total_steps // 2), max(2, total_steps * 3 // 4)


# `_segment_rate` computes with these on Python floats, and with `keras.ops` on tensors.
_FLOAT_OPS = SimpleNamespace(
    minimum=min, maximum=max, cos=math.cos, where=lambda test, yes, no: yes if test else no
)


def segment_start_rates(kind: str, initial: float, step_segments: list[list[int]]) -> list[float]:
    """The rate each segment starts from: the value of the one before at its first step."""
    rates = [initial]
    for (start, _end), (previous_start, previous_end) in zip(
        step_segments[1:], step_segments, strict=False
    ):
        rate = _segment_rate(
            kind, initial, rates[-1], previous_start, previous_end, start, _FLOAT_OPS
        )
        rates.append(float(rate))
    return rates


def _segment_rate(
    kind: str, initial: float, start_rate: Any, start: int, end: int, step: Any, ops: Any
) -> Any:
    """One segment's rate at `step`: it starts at `start_rate` at step `start` and its
    schedule ends at step `end` (cosine: 0 there; step: its drops at 50% and 75% of `end`)."""
    if kind == "cosine":
        fraction = ops.minimum(ops.maximum((step - start) / max(1, end - start), 0.0), 1.0)
        return start_rate * 0.5 * (1.0 + ops.cos(math.pi * fraction))
    first, second = _step_boundaries(end)
    factor = ops.where(
        step <= first, STEP_FACTORS[0], ops.where(step <= second, STEP_FACTORS[1], STEP_FACTORS[2])
    )
    return ops.minimum(start_rate, initial * factor)


@functools.cache
def _continued_schedule_class() -> type:
    """Made on first use, so that this module imports without Keras."""
    import keras

    @keras.saving.register_keras_serializable(package="cnnstudio")
    class ContinuedSchedule(keras.optimizers.schedules.LearningRateSchedule):
        """A cosine or step schedule whose run was extended: one segment per length it was
        given, each starting from the rate the one before had reached (see the module)."""

        def __init__(self, kind: str, initial_learning_rate: float, step_segments: list) -> None:
            self.kind = kind
            self.initial_learning_rate = float(initial_learning_rate)
            self.step_segments = [[int(start), int(end)] for start, end in step_segments]
            self.start_rates = segment_start_rates(
                kind, self.initial_learning_rate, self.step_segments
            )

        def __call__(self, step: Any) -> Any:
            ops = keras.ops
            step = ops.cast(step, "float32")
            rate = None
            for (start, end), start_rate in zip(self.step_segments, self.start_rates, strict=True):
                value = _segment_rate(
                    self.kind, self.initial_learning_rate, start_rate, start, end, step, ops
                )
                rate = value if rate is None else ops.where(step >= start, value, rate)
            return rate

        def get_config(self) -> dict[str, Any]:
            return {
                "kind": self.kind,
                "initial_learning_rate": self.initial_learning_rate,
                "step_segments": self.step_segments,
            }

    return ContinuedSchedule
