"""The training form's device, precision and XLA choices: several GPUs can be ticked."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from cnnstudio.engine.devices.devices import Device
from cnnstudio.engine.training.config import TrainingConfig
from tests.gui.training_helpers import ready_context

CPU = Device("cpu", "cpu", "/device:CPU:0", "CPU")
GPUS = [
    Device(f"gpu:{i}", "gpu", f"/device:GPU:{i}", "NVIDIA A100", 40 << 30, (8, 0)) for i in range(3)
]


@pytest.fixture(name="form")
def form_fixture(qtbot):
    from cnnstudio.gui.training.training_form import TrainingForm

    widget = TrainingForm(ready_context())
    qtbot.addWidget(widget)
    widget.show()
    return widget


def _choose(form, data: str) -> None:
    combo = form.fields["device"]
    combo.setCurrentIndex(combo.findData(data))


def test_with_the_cpu_alone_there_is_no_gpu_list(form):
    form.set_devices([CPU])
    combo = form.fields["device"]
    assert [combo.itemData(i) for i in range(combo.count())] == ["auto", "cpu"]
    assert form.gpu_list.isHidden()


def test_several_gpus_can_be_ticked_and_train_mirrored(form):
    form.set_devices([CPU, *GPUS])
    assert form.gpu_list.isHidden()  # until "several GPUs" is chosen
    _choose(form, "several")
    assert form.gpu_list.isVisible() and form.gpu_list.count() == 3
    assert form.values()["device"] == "gpu:0,gpu:1,gpu:2"  # all ticked at first
    form.gpu_list.item(1).setCheckState(Qt.CheckState.Unchecked)
    config = form.config()
    assert config.device == "gpu:0,gpu:2"
    from cnnstudio.engine.devices.distribute import strategy_kind

    assert strategy_kind(config) == "mirrored"
    form.gpu_list.item(2).setCheckState(Qt.CheckState.Unchecked)
    assert form.values()["device"] == "gpu:0"  # one ticked: one device


def test_a_multi_gpu_config_and_saved_texts_come_back(form):
    form.set_devices([CPU, *GPUS])
    form.set_values(TrainingConfig(device="gpu:1,gpu:2", mixed_precision="bfloat16", xla="off"))
    assert form.fields["device"].currentData() == "several"
    values = form.values()
    assert (values["device"], values["mixed_precision"], values["xla"]) == (
        "gpu:1,gpu:2",
        "bfloat16",
        "off",
    )
    texts = form.texts()
    _choose(form, "cpu")
    form.set_texts(texts)
    assert form.values()["device"] == "gpu:1,gpu:2"


def test_precision_and_xla_reach_the_config(form):
    form.set_devices([CPU])
    form.fields["mixed_precision"].setCurrentText("float16")
    form.fields["xla"].setCurrentText("on")
    config = form.config()
    assert (config.mixed_precision, config.xla, config.device) == ("float16", "on", "auto")
