"""Shared by the training-view and run-browser tests: an engine-ready context and quick runs."""

from __future__ import annotations

import pytest


def ready_context():
    """A StudioContext whose engine has loaded (TensorFlow imported once per test process)."""
    import cnnstudio.models  # noqa: F401  (the loader's work, done here synchronously)
    from cnnstudio.engine.devices.devices import list_devices
    from cnnstudio.gui.ground.context import StudioContext
    from cnnstudio.gui.shell.engine_loader import EngineStatus

    context = StudioContext()
    context.mark_engine_ready(EngineStatus("keras", "tf", tuple(list_devices())))
    return context


def quick_form(panel, *, epochs: int = 2, batches: int = 2, **texts: str) -> None:
    """Small, fast settings typed into the form (bundled mnist-5k, batch 64, constant rate)."""
    fields = panel.form.fields
    fields["epochs"].setText(str(epochs))
    fields["limit_batches"].setText(str(batches))
    fields["batch_size"].setText("64")
    fields["schedule"].setCurrentText("constant")
    fields["augment"].setChecked(False)
    for name, text in texts.items():
        fields[name].setText(text)


@pytest.fixture(name="panel")
def panel_fixture(qtbot):
    from cnnstudio.gui.training.training_panel import TrainingPanel

    widget = TrainingPanel(ready_context())
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitUntil(lambda: widget.chart is not None, timeout=30_000)
    yield widget
    # No thread may outlive a test.
    assert widget.stop_and_wait(60_000)
    assert not widget.is_training()
    widget.plan.shutdown()
