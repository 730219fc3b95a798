"""What Train will do, said before it does it: the model with its options, the data set, the
epochs and images, and about how long it will take on the device (issue 25: a run of DenseNet-121
started by mistake because the picker had kept it, twenty CPU epochs and no warning).

`PlanLabel` shows the sentence and keeps the `Estimate`; the training view asks before starting
a run whose estimate is long on the CPU. The MACs come from the picker's statistics worker (one
way to compute them), the measured speed from this machine's earlier runs of the same model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from cnnstudio.engine.anatomy.catalog import load_model_metadata
from cnnstudio.engine.formatting import format_duration, format_int
from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.gui.models.model_stats import ModelStatsWorker, StatsRequest, StatsResult
from cnnstudio.i18n import _


@dataclass(frozen=True)
class Plan:
    model: str  # the display name, with its changed options
    dataset: str  # the data set's title
    epochs: int
    train_images: int | None  # per epoch; None for a folder not yet read
    validation_images: int | None
    device: str  # "cpu" or "gpu..."
    request: StatsRequest | None  # the figures the estimate needs


def describe_model(name: str, options: dict[str, Any]) -> str:
    meta = load_model_metadata().get(name)
    title = meta.display_name if meta is not None else name
    if not options:
        return title
    changed = ", ".join(f"{key} {value}" for key, value in sorted(options.items()))
    return _("{model} ({options})").format(model=title, options=changed)


def make_plan(context: StudioContext, values: dict[str, Any]) -> Plan:
    """The plan for the selection and the form's values (which the form has validated)."""
    from cnnstudio.engine.data.datasets import get_dataset_info
    from cnnstudio.engine.training.estimate import images_per_epoch
    from cnnstudio.gui.models.model_picker import model_input

    selection = context.selection
    epochs = int(values.get("epochs") or 0)
    device = str(values.get("device") or "auto")
    meta = load_model_metadata().get(selection.model)
    if selection.dataset == "folder" or selection.image_folder is not None:
        folder = Path(selection.image_folder or "")
        return Plan(
            describe_model(selection.model, selection.model_options),
            _("the image folder {name}").format(name=folder.name),
            epochs,
            None,
            None,
            device,
            None,
        )
    info = get_dataset_info(selection.dataset)
    fraction_free = info.validation_size  # the registered sets have a fixed validation split
    limit = values.get("limit_batches") or None
    batch = int(values.get("batch_size") or 1)
    train = images_per_epoch(info.train_size, batch, limit)
    validation = images_per_epoch(fraction_free, batch, limit)
    request = None
    if meta is not None:
        shape = model_input(meta, info.image_shape)
        request = StatsRequest.make(
            selection.model, shape, info.num_classes, selection.model_options
        )
    return Plan(
        describe_model(selection.model, selection.model_options),
        _(info.title),
        epochs,
        train,
        validation,
        device,
        request,
    )


class PlanLabel(QLabel):
    """The sentence under the form; `estimate` is the last one computed (None: not known)."""

    def __init__(self, context: StudioContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPlan")
        self.setAccessibleName(_("What Train will do"))
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.context = context
        self.plan: Plan | None = None
        self.estimate: Any = None
        self._stats: ModelStatsWorker | None = None
        # This machine's speed per (model, input), read from the run records once: the plan is
        # redone at every keystroke in the form, and a store may hold hundreds of runs.
        self._speeds: dict[tuple[str, tuple[int, ...]], float | None] = {}
        context.runsChanged.connect(self._speeds.clear)

    def update_plan(self, values: dict[str, Any] | None) -> None:
        """`values`: the form's valid values, or None (the form has a problem: no plan)."""
        self.estimate = None
        if values is None:
            self.plan = None
            self.setText("")
            return
        try:
            self.plan = make_plan(self.context, values)
        except (KeyError, ValueError):  # a data set this version does not list
            self.plan = None
            self.setText("")
            return
        self._show()
        request = self.plan.request
        if request is not None and self.context.engine_ready:
            if self._stats is None:
                self._stats = ModelStatsWorker(self)
                self._stats.computed.connect(self._on_stats)
            cached = self._stats.cached(request)
            if cached is not None:
                self._on_stats(cached)
            else:
                self._stats.request([request])

    def _on_stats(self, result: StatsResult) -> None:
        from cnnstudio.engine.training.estimate import estimate, measured_speed

        plan = self.plan
        if plan is None or result.request != plan.request or plan.train_images is None:
            return
        key = (result.request.model, tuple(result.request.input_shape))
        if key not in self._speeds:
            self._speeds[key] = measured_speed(self._records(), *key)
        speed = self._speeds[key]
        self.estimate = estimate(
            macs_per_image=result.macs,
            train_images=plan.train_images,
            validation_images=plan.validation_images or 0,
            epochs=plan.epochs,
            device=self.device_kind(),
            images_per_second=speed,
        )
        self._show()

    def device_kind(self) -> str:
        """ "gpu" when the run will train on a GPU (asked for, or "auto" with one), else "cpu"."""
        device = self.plan.device if self.plan is not None else "auto"
        if device.startswith("gpu") or (device == "auto" and self.has_gpu()):
            return "gpu"
        return "cpu"

    def has_gpu(self) -> bool:
        status = self.context.engine_status
        devices = getattr(status, "devices", None) or ()
        return any(getattr(device, "is_gpu", False) for device in devices)

    def _records(self) -> list[dict[str, Any]]:
        """Run records, newest first; a store or record that cannot be read gives none."""
        from cnnstudio.engine.store.runs import Run

        records = []
        try:
            summaries = self.context.run_store.summaries()
        except OSError:
            return []
        for summary in reversed(summaries):
            if summary.status not in ("finished", "stopped"):
                continue
            try:
                records.append(Run(summary.path).record)
            except (OSError, ValueError):
                continue
        return records

    def device_text(self) -> str:
        return _("the GPU") if self.device_kind() == "gpu" else _("this CPU")

    def _show(self) -> None:
        plan = self.plan
        if plan is None:
            return
        if plan.train_images is None:
            what = _("{model} on {dataset}, {epochs} epochs").format(
                model=plan.model, dataset=plan.dataset, epochs=plan.epochs
            )
        else:
            what = _("{model} on {dataset}: {epochs} epochs of {images} images").format(
                model=plan.model,
                dataset=plan.dataset,
                epochs=plan.epochs,
                images=format_int(plan.train_images),
            )
        if self.estimate is None:
            self.setText(what)
            return
        duration = _("about {duration} on {device}").format(
            duration=format_duration(self.estimate.seconds), device=self.device_text()
        )
        self.setText(_("{what}, {duration}.").format(what=what, duration=duration))

    def shutdown(self) -> None:
        if self._stats is not None:
            self._stats.stop_and_wait()
