"""The options form of one model, built from its option table: it only offers what the model
supports. Choices become combo boxes, numbers spin boxes with the table's bounds, flags check
boxes; help texts become tooltips.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from cnnstudio.engine.anatomy.catalog import ModelMeta, OptionMeta
from cnnstudio.gui.course.glossary_terms import term_note
from cnnstudio.i18n import N_, _

# A float option whose maximum is excluded (dropout < 1) stops one step below it.
FLOAT_STEP = 0.05
FLOAT_DECIMALS = 2

# The glossary's entry for the options that name a technical term (gui/course/glossary_terms).
OPTION_TERMS = {
    "activation": "activation",
    "pooling": "pooling",
    "normalization": "normalization",
    "dropout": "dropout",
    "growth_rate": "growth_rate",
    "cardinality": "cardinality",
}


def usable_options(meta: ModelMeta, options: object) -> dict[str, Any]:
    """The entries of `options` (say, from last session's settings) that `meta` still accepts:
    a known name, the option's type, an allowed choice, within the bounds."""
    if not isinstance(options, dict):
        return {}
    known = {option.name: option for option in meta.options}
    usable = {}
    for name, value in options.items():
        option = known.get(name)
        if option is None or type(value).__name__ != option.kind:
            continue
        if isinstance(value, float) and not math.isfinite(value):
            continue  # NaN and infinities pass every comparison below
        if option.choices is not None and value not in option.choices:
            continue
        if option.minimum is not None and value < option.minimum:
            continue
        if option.maximum is not None and (
            value >= option.maximum if option.maximum_exclusive else value > option.maximum
        ):
            continue
        usable[name] = value
    return usable


# The registry's option names, as a person reads them (options of a future model fall back to
# their name, capitalised).
OPTION_LABELS = {
    "activation": N_("Activation"),
    "pooling": N_("Pooling"),
    "normalization": N_("Normalization"),
    "dropout": N_("Dropout"),
    "stem": N_("Stem"),
    "grouped": N_("Grouped"),
    "lrn": N_("LRN"),
    "aux_logits": N_("Aux logits"),
    "cardinality": N_("Cardinality"),
    "width": N_("Width"),
}


def _label(name: str) -> str:
    label = OPTION_LABELS.get(name)
    return _(label) if label else name.replace("_", " ").capitalize()


class OptionsForm(QWidget):
    """Rows for one model's options; `optionsChanged(dict)` carries the non-default values."""

    optionsChanged = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("optionsForm")
        self.setAccessibleName(_("Model options"))
        self._meta: ModelMeta | None = None
        self._editors: dict[str, QWidget] = {}
        self._layout = QFormLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def set_model(self, meta: ModelMeta, values: dict[str, Any] | None = None) -> None:
        """Rebuild the rows for `meta`, showing `values` (unknown keys are ignored)."""
        self._meta = meta
        self._editors.clear()
        while self._layout.rowCount():
            self._layout.removeRow(0)  # deletes the editors and labels of the previous model
        if not meta.options:
            self._layout.addRow(
                QLabel(_("{display_name} has no options.").format(display_name=meta.display_name))
            )
            return
        for option in meta.options:
            editor = self._make_editor(option)
            editor.setObjectName(f"option_{option.name}")
            editor.setAccessibleName(_label(option.name))
            editor.setToolTip(_(option.help))
            self._editors[option.name] = editor
            label = QLabel(_label(option.name))
            label.setBuddy(editor)
            note = term_note(OPTION_TERMS.get(option.name, ""))
            label.setToolTip(f"{_(option.help)}\n\n{note}" if note else _(option.help))
            self._layout.addRow(label, editor)
        reset = QPushButton(_("Reset to the paper's defaults"), objectName="resetOptionsButton")
        reset.setAccessibleName(_("Reset options"))
        reset.clicked.connect(self.reset)
        self._layout.addRow(reset)
        self.set_values({**meta.defaults, **(values or {})}, emit=False)

    def option_names(self) -> list[str]:
        return list(self._editors)

    def editor(self, name: str) -> QWidget:
        return self._editors[name]

    def values(self) -> dict[str, Any]:
        """Every option's current value."""
        values: dict[str, Any] = {}
        for name, editor in self._editors.items():
            if isinstance(editor, QComboBox):
                values[name] = editor.currentData()
            elif isinstance(editor, QCheckBox):
                values[name] = editor.isChecked()
            elif isinstance(editor, QDoubleSpinBox):
                values[name] = round(editor.value(), FLOAT_DECIMALS)
            elif isinstance(editor, QSpinBox):
                values[name] = editor.value()
        return values

    def changed_values(self) -> dict[str, Any]:
        """Only the options that differ from the model's defaults (what a config records)."""
        defaults = self._meta.defaults if self._meta else {}
        return {k: v for k, v in self.values().items() if defaults.get(k) != v}

    def set_values(self, values: dict[str, Any], *, emit: bool = True) -> None:
        for name, value in values.items():
            editor = self._editors.get(name)
            if editor is None:
                continue
            editor.blockSignals(True)
            if isinstance(editor, QComboBox):
                index = editor.findData(value)
                if index >= 0:
                    editor.setCurrentIndex(index)
            elif isinstance(editor, QCheckBox):
                editor.setChecked(bool(value))
            elif isinstance(editor, (QSpinBox, QDoubleSpinBox)):
                editor.setValue(value)
            editor.blockSignals(False)
        if emit:
            self._emit()

    def reset(self) -> None:
        if self._meta is not None:
            self.set_values(self._meta.defaults)

    def _make_editor(self, option: OptionMeta) -> QWidget:
        if option.choices is not None:
            combo = QComboBox()
            for choice in option.choices:
                text = (
                    _("{choice}  (default)").format(choice=choice)
                    if choice == option.default
                    else str(choice)
                )
                combo.addItem(text, choice)
            combo.currentIndexChanged.connect(self._emit)
            return combo
        if option.kind == "bool":
            check = QCheckBox()
            check.toggled.connect(self._emit)
            return check
        if option.kind == "int":
            spin = QSpinBox()
            spin.setRange(
                int(option.minimum if option.minimum is not None else 0),
                int(option.maximum if option.maximum is not None else 1_000_000),
            )
            spin.valueChanged.connect(self._emit)
            return spin
        double = QDoubleSpinBox()
        double.setDecimals(FLOAT_DECIMALS)
        double.setSingleStep(FLOAT_STEP)
        top = option.maximum if option.maximum is not None else 1e6
        if option.maximum_exclusive:
            top -= 10**-FLOAT_DECIMALS
        double.setRange(option.minimum if option.minimum is not None else 0.0, top)
        double.valueChanged.connect(self._emit)
        return double

    def _emit(self, *_args: object) -> None:
        self.optionsChanged.emit(self.changed_values())
