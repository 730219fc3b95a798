"""How a training run shows on the console."""

from __future__ import annotations

import sys

from cnnstudio.engine.formatting import format_duration, format_shape
from cnnstudio.i18n import _


class ConsoleProgress:
    """Shows a run on the console: one redrawn line on a terminal, plain lines otherwise.

    On a terminal the batch line is redrawn with a carriage return at most `REDRAWS_PER_SECOND`
    times a second (throttle at the edge); piped or redirected, only whole lines are written (one
    per epoch), so logs hold no control characters.
    """

    REDRAWS_PER_SECOND = 10

    def __init__(self, stream, interactive: bool) -> None:
        self.stream = stream
        self.interactive = interactive
        self.last_draw = 0.0
        self.line_width = 0
        self.epochs = 0
        self.epoch_seconds: list[float] = []
        self.epoch_started = 0.0

    def on_event(self, event) -> None:
        from cnnstudio.engine.training import events

        if isinstance(event, events.RunStarted):
            self._started(event)
        elif isinstance(event, events.BatchEnd):
            self._batch(event)
        elif isinstance(event, events.EpochEnd):
            self._epoch(event)

    def note(self, text: str) -> None:
        self.clear_line()
        print(text, file=self.stream, flush=True)

    def _started(self, event) -> None:
        import time

        self.epochs = event.epochs
        self.epoch_started = time.perf_counter()
        print(
            _(
                "Training {model_display_name} ({params:,} parameters) on {dataset}: "
                "{train_size:,} training / {validation_size:,} validation images at "
                "{format_shape}, {device}, batch {batch_size}, {epochs} epochs"
            ).format(
                model_display_name=event.model_display_name,
                params=event.params,
                dataset=event.dataset,
                train_size=event.train_size,
                validation_size=event.validation_size,
                format_shape=format_shape(event.input_shape),
                device=event.device,
                batch_size=event.batch_size,
                epochs=event.epochs,
            ),
            file=self.stream,
        )
        print(
            _("Run folder: {run_dir}").format(run_dir=event.run_dir), file=self.stream, flush=True
        )
        if event.initial_epoch:
            print(
                _("Resuming after epoch {initial_epoch} (its checkpoint)").format(
                    initial_epoch=event.initial_epoch
                ),
                file=self.stream,
                flush=True,
            )
        for warning in event.warnings:  # also in the run's log.txt
            text = warning.removeprefix("WARNING: ")
            print(_("cnnstudio: warning: {text}").format(text=text), file=sys.stderr, flush=True)

    def _batch(self, event) -> None:
        import time

        if not self.interactive:
            return
        now = time.perf_counter()
        last_of_epoch = event.batch >= event.steps_per_epoch
        if now - self.last_draw < 1.0 / self.REDRAWS_PER_SECOND and not last_of_epoch:
            return
        self.last_draw = now
        done = event.batch / event.steps_per_epoch
        if self.epoch_seconds:
            per_epoch = sum(self.epoch_seconds) / len(self.epoch_seconds)
        else:
            per_epoch = (now - self.epoch_started) / max(done, 1e-9)
        eta = per_epoch * (self.epochs - event.epoch + 1 - done)
        line = (
            f"epoch {event.epoch}/{self.epochs}  batch {event.batch}/{event.steps_per_epoch}  "
            f"loss {event.loss:.4f}  accuracy {event.accuracy:.2%}  "
            f"{event.images_per_second:,.0f} img/s  ETA {format_duration(eta)}"
        )
        padding = " " * max(0, self.line_width - len(line))
        self.stream.write("\r" + line + padding)
        self.stream.flush()
        self.line_width = len(line)

    def _epoch(self, event) -> None:
        import time

        self.epoch_seconds.append(event.epoch_seconds)
        self.epoch_started = time.perf_counter()
        metrics = event.metrics
        parts = [
            f"epoch {event.epoch}/{event.epochs}",
            f"loss {metrics.get('loss', float('nan')):.4f}",
            f"accuracy {metrics.get('accuracy', float('nan')):.2%}",
        ]
        if "val_loss" in metrics:
            parts += [
                f"val_loss {metrics['val_loss']:.4f}",
                f"val_accuracy {metrics.get('val_accuracy', float('nan')):.2%}",
            ]
        parts += [
            f"lr {event.learning_rate:.2g}",
            f"{event.epoch_seconds:.1f} s",
            f"{event.images_per_second:,.0f} img/s",
            f"ETA {format_duration(event.eta_seconds)}",
        ]
        self.note("  ".join(parts) + ("  *" if event.is_best else ""))

    def clear_line(self) -> None:
        if self.interactive and self.line_width:
            self.stream.write("\r" + " " * self.line_width + "\r")
            self.line_width = 0
