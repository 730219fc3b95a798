"""The hyperparameter form of the training view, validated as the person types.

The form turns its fields and the shared selection (model, options, data set) into a
`TrainingConfig` and asks the engine's one validation, `TrainingConfig.check()`, for its problems
as data (field, code, values): the field a problem names is marked, and `problems.describe` makes
the sentence. Before the engine has loaded, the model and data set checks (which import Keras)
wait; nothing is validated by parsing a sentence.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from cnnstudio.engine.devices.precision import MIXED_PRECISION_CHOICES, XLA_CHOICES
from cnnstudio.engine.training.config import OPTIMIZERS, SCHEDULES, TrainingConfig
from cnnstudio.engine.training.problems import ConfigError, Problem, describe
from cnnstudio.gui.course.glossary_terms import term_note
from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.i18n import N_, _

AUTO_DEVICE = "auto"  # the config's device value for "the best there is"
FOLDER_DATASET = "folder"  # the data panel's name for "an image folder" (with image_folder)
FOLDER_PREFIX = "folder:"  # cnnstudio.engine.data.datasets.FOLDER_PREFIX, without importing it

# The device choice that trains on the GPUs ticked in the list below it (MirroredStrategy).
SEVERAL_GPUS = "several"
# Config fields shown as combo boxes (the device's items come from the engine).
# The glossary's entry for each field that names a technical term (gui/course/glossary_terms).
FIELD_TERMS = {
    "epochs": "epoch",
    "batch_size": "batch_size",
    "optimizer": "optimizer",
    "learning_rate": "learning_rate",
    "momentum": "momentum",
    "schedule": "schedule",
    "weight_decay": "weight_decay",
    "label_smoothing": "label_smoothing",
    "early_stopping": "early_stopping",
    "seed": "seed",
    "augment": "data_augmentation",
    "standardize": "standardised_inputs",
    "device": "device",
    "mixed_precision": "mixed_precision",
}
COMBO_FIELDS = ("optimizer", "schedule", "device", "mixed_precision", "xla")

# field -> (label, kind, tooltip); kind: int / float text fields.
# Config fields shown as check boxes.
CHECK_FIELDS = ("augment", "standardize")

TEXT_FIELDS: dict[str, tuple[str, type, str]] = {
    "epochs": (N_("Epochs"), int, N_("Passes over the training images")),
    "batch_size": (N_("Batch size"), int, N_("Images per training step")),
    "learning_rate": (N_("Learning rate"), float, N_("Starting learning rate, e.g. 0.005 or 5e-3")),
    "weight_decay": (N_("Weight decay"), float, N_("Decoupled weight decay; 0 turns it off")),
    "label_smoothing": (N_("Label smoothing"), float, N_("0 to below 1; 0 turns it off")),
    "early_stopping": (
        N_("Early stopping"),
        int,
        N_("Patience in epochs on the validation loss; 0 turns it off"),
    ),
    "seed": (N_("Seed"), int, N_("Seeds weights and data order: the same seed repeats a run")),
    "limit_batches": (
        N_("Batches / epoch"),
        int,
        N_("Train on at most this many batches per epoch (a quick trial); 0 = all"),
    ),
}


class TrainingForm(QWidget):
    """Fields for a TrainingConfig; `changed` after every edit, `config()` to read it."""

    changed = Signal()

    def __init__(self, context: StudioContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingForm")
        self.setAccessibleName(_("Hyperparameters"))
        self.context = context
        self.fields: dict[str, QWidget] = {}
        self.error: str | None = None
        self.error_field: str | None = None
        defaults = TrainingConfig()
        layout = QFormLayout(self)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name, (label, _kind, tip) in TEXT_FIELDS.items():
            edit = QLineEdit(_text(getattr(defaults, name)), objectName=f"{_camel(name)}Edit")
            edit.textChanged.connect(self.changed)
            self._add(layout, name, label, edit, tip)
            if name == "batch_size":
                self._add_choices(
                    layout, "optimizer", N_("Optimizer"), OPTIMIZERS, defaults.optimizer
                )
            if name == "learning_rate":
                self._add_choices(layout, "schedule", N_("Schedule"), SCHEDULES, defaults.schedule)
        augment = QCheckBox(
            _("Augment images"), objectName="augmentCheck", checked=defaults.augment
        )
        augment.toggled.connect(self.changed)
        self._add(
            layout,
            "augment",
            "",
            augment,
            N_(
                "Small shifts, rotations, zooms (and flips "
                "where the data set allows them) on the training images"
            ),
        )
        standardize = QCheckBox(
            _("Standardise inputs"), objectName="standardizeCheck", checked=defaults.standardize
        )
        standardize.toggled.connect(self.changed)
        self._add(
            layout,
            "standardize",
            "",
            standardize,
            N_(
                "Zero mean and unit variance per channel, from the training images (as LeCun "
                "et al. prepared LeNet-5's inputs)"
            ),
        )
        self._add_choices(layout, "device", N_("Device"), ("auto",), "auto")
        # Several GPUs: tick those to mirror the model on (shown when there are two or more).
        self.gpu_list = QListWidget(objectName="gpuList")
        self.gpu_list.setAccessibleName(_("GPUs to train on"))
        self.gpu_list.setToolTip(_("Train on the ticked GPUs at once (tf.distribute mirrored)"))
        self.gpu_list.setMaximumHeight(72)
        self.gpu_list.itemChanged.connect(self.changed)
        self.gpu_list.hide()
        layout.addRow("", self.gpu_list)
        self.fields["device"].currentIndexChanged.connect(self._show_gpu_list)  # type: ignore[attr-defined]
        self._add_choices(
            layout, "mixed_precision", N_("Precision"), MIXED_PRECISION_CHOICES, "auto"
        )
        self.fields["mixed_precision"].setToolTip(  # type: ignore[attr-defined]
            _("auto: mixed float16 on GPUs of compute capability 7.0 or newer, float32 elsewhere")
        )
        self._add_choices(layout, "xla", N_("XLA"), XLA_CHOICES, "auto")
        self.fields["xla"].setToolTip(  # type: ignore[attr-defined]
            _("auto: on for GPUs of compute capability 7.0 or newer, off on the CPU (slower there)")
        )
        self.setStyleSheet(
            'QLineEdit[invalid="true"], QComboBox[invalid="true"] '
            "{ border: 1px solid #c62828; background: #fdecea; }"
        )

    def _add(self, layout: QFormLayout, name: str, label: str, widget: QWidget, tip: str) -> None:
        # Labels and tips come from tables marked N_() (and from calls below): shown translated;
        # a field that names a technical term also gives the glossary's entry for it.
        label, tip = _(label), _(tip)
        note = term_note(FIELD_TERMS.get(name, ""))
        if note:
            tip = f"{tip}\n\n{note}"
        widget.setAccessibleName(label or name.replace("_", " "))
        widget.setToolTip(tip)
        widget.setWhatsThis(tip)  # Help > What's this? (Shift+F1), then a click on the field
        widget.setProperty("tip", tip)
        self.fields[name] = widget
        if label:
            layout.addRow(label, widget)
        else:  # a check box names itself: the whole row's width, for longer languages too
            layout.addRow(widget)

    def _add_choices(self, layout: QFormLayout, name: str, label: str, choices, current) -> None:
        combo = QComboBox(objectName=f"{_camel(name)}Combo")
        combo.addItems(list(choices))
        combo.setCurrentText(current)
        combo.currentIndexChanged.connect(self.changed)
        self._add(layout, name, label, combo, label)

    def set_devices(self, devices: list[Any]) -> None:
        """Offer the engine's devices (cnnstudio.engine.devices.devices.Device) after `auto`."""
        combo: QComboBox = self.fields["device"]  # type: ignore[assignment]
        current = combo.currentData() or combo.currentText()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(_("auto"), AUTO_DEVICE)
        combo.setItemData(
            0, "The first GPU if there is one, else the CPU", Qt.ItemDataRole.ToolTipRole
        )
        for device in devices:
            combo.addItem(f"{device.name} ({device.description})", device.name)
        gpus = [device for device in devices if device.is_gpu]
        self.gpu_list.blockSignals(True)
        self.gpu_list.clear()
        if len(gpus) > 1:
            combo.addItem(_("several GPUs (mirrored)"), SEVERAL_GPUS)
            for device in gpus:
                item = QListWidgetItem(f"{device.name} ({device.description})")
                item.setData(Qt.ItemDataRole.UserRole, device.name)
                item.setCheckState(Qt.CheckState.Checked)
                self.gpu_list.addItem(item)
        self.gpu_list.blockSignals(False)
        combo.blockSignals(False)
        self._select_device(current)
        self.changed.emit()

    def _select_device(self, device: str) -> None:
        """Select `device` ("gpu:0,gpu:1" ticks those GPUs under "several GPUs")."""
        combo: QComboBox = self.fields["device"]  # type: ignore[assignment]
        names = str(device).split(",")
        if len(names) > 1 and combo.findData(SEVERAL_GPUS) >= 0:
            for row in range(self.gpu_list.count()):
                item = self.gpu_list.item(row)
                ticked = item.data(Qt.ItemDataRole.UserRole) in names
                item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
            device = SEVERAL_GPUS
        combo.setCurrentIndex(max(0, combo.findData(device)))
        self._show_gpu_list()

    def _show_gpu_list(self) -> None:
        self.gpu_list.setVisible(self._combo_value("device") == SEVERAL_GPUS)

    def _combo_value(self, name: str) -> str:
        combo: QComboBox = self.fields[name]  # type: ignore[assignment]
        return combo.currentData() or combo.currentText()

    def _device_value(self) -> str:
        """The device field as a config value: the ticked GPUs for "several GPUs"."""
        value = self._combo_value("device")
        if value != SEVERAL_GPUS:
            return value
        items = [self.gpu_list.item(row) for row in range(self.gpu_list.count())]
        ticked = [
            i.data(Qt.ItemDataRole.UserRole)
            for i in items
            if i.checkState() == Qt.CheckState.Checked
        ]
        return ",".join(ticked) if len(ticked) > 1 else (ticked[0] if ticked else "auto")

    # -- reading and validating -----------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """The fields as TrainingConfig values. A text that is not a number stays text: the
        engine's validation names it (one validation, not a second one here)."""
        values: dict[str, Any] = {}
        for name, (_label, kind, _tip) in TEXT_FIELDS.items():
            text = self.fields[name].text().strip()  # type: ignore[attr-defined]
            try:
                values[name] = kind(text)
            except ValueError:
                values[name] = text
        for name in COMBO_FIELDS:
            values[name] = self._combo_value(name)
        values["device"] = self._device_value()
        for name in CHECK_FIELDS:
            values[name] = self.fields[name].isChecked()  # type: ignore[attr-defined]
        return values

    def set_values(self, config: TrainingConfig) -> None:
        """Show a config (a resumed run's) in the fields."""
        for name in TEXT_FIELDS:
            self.fields[name].setText(_text(getattr(config, name)))  # type: ignore[attr-defined]
        for name in ("optimizer", "schedule", "mixed_precision", "xla"):
            # By the value, not the label: a translated label is not the engine's name.
            combo: QComboBox = self.fields[name]  # type: ignore[assignment]
            index = combo.findData(getattr(config, name))
            index = index if index >= 0 else combo.findText(str(getattr(config, name)))
            if index >= 0:
                combo.setCurrentIndex(index)
        self._select_device(config.device)
        for name in CHECK_FIELDS:
            self.fields[name].setChecked(getattr(config, name))  # type: ignore[attr-defined]

    def texts(self) -> dict[str, Any]:
        """The fields as typed (invalid text included), for the app's preferences."""
        texts: dict[str, Any] = {
            name: self.fields[name].text()  # type: ignore[attr-defined]
            for name in TEXT_FIELDS
        }
        for name in COMBO_FIELDS:
            texts[name] = self._combo_value(name)
        texts["device"] = self._device_value()
        for name in CHECK_FIELDS:
            texts[name] = self.fields[name].isChecked()  # type: ignore[attr-defined]
        return texts

    def set_texts(self, texts: dict[str, Any]) -> None:
        """Restore `texts()`; unknown keys and values that are not offered are ignored."""
        for name in TEXT_FIELDS:
            if isinstance(texts.get(name), str):
                self.fields[name].setText(texts[name])  # type: ignore[attr-defined]
        if isinstance(texts.get("device"), str) and "," in texts["device"]:
            self._select_device(texts["device"])
        for name in COMBO_FIELDS:
            combo: QComboBox = self.fields[name]  # type: ignore[assignment]
            if name == "device" and "," in str(texts.get(name)):
                continue
            index = combo.findData(texts.get(name))
            index = index if index >= 0 else combo.findText(str(texts.get(name)))
            if index >= 0:
                combo.setCurrentIndex(index)
        for name in CHECK_FIELDS:
            if isinstance(texts.get(name), bool):
                self.fields[name].setChecked(texts[name])  # type: ignore[attr-defined]

    def _unchecked_config(self) -> TrainingConfig:
        selection = self.context.selection
        dataset = selection.dataset
        if dataset == FOLDER_DATASET and selection.image_folder is not None:
            dataset = f"{FOLDER_PREFIX}{selection.image_folder}"
        return TrainingConfig(
            model=selection.model,
            model_options=dict(selection.model_options),
            dataset=dataset,
            **self.values(),
        )

    def problems(self) -> list[Problem]:
        """The engine's one validation of what the form holds; before the engine has loaded,
        the model and data set checks (which import Keras) wait."""
        ready = self.context.engine_ready
        return self._unchecked_config().check(check_model=ready, check_dataset=ready)

    def config(self) -> TrainingConfig:
        """The validated config for the current selection; ConfigError says what is wrong."""
        problems = self.problems()
        if problems:
            raise ConfigError(problems)
        config = self._unchecked_config()
        return config.validate() if self.context.engine_ready else config

    def validate(self) -> bool:
        """Check the form; mark the field the first problem names. True when valid."""
        problems = self.problems()
        first = problems[0] if problems else None
        self.error = describe(first) if first is not None else None
        self.error_field = first.field if first is not None and first.field in self.fields else None
        for name, widget in self.fields.items():
            invalid = name == self.error_field
            if bool(widget.property("invalid")) != invalid:
                widget.setProperty("invalid", invalid)
                widget.style().unpolish(widget)
                widget.style().polish(widget)
            widget.setToolTip(self.error if invalid else widget.property("tip"))
        return self.error is None

    def set_enabled(self, enabled: bool) -> None:
        for widget in self.fields.values():
            widget.setEnabled(enabled)
        self.gpu_list.setEnabled(enabled)


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
