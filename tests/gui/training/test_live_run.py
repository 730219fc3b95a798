"""The live run view's own reactions to engine events, fed directly (no training)."""

from __future__ import annotations

from cnnstudio.engine.training.events import RunStarted
from cnnstudio.gui.training.live_run import LiveRunView


def started(**changes) -> RunStarted:
    fields = dict(
        run_id="20261204-000000-lenet5-mnist-5k",
        run_dir="/nonexistent/run",
        model="lenet5",
        model_display_name="LeNet-5",
        dataset="mnist-5k",
        input_shape=(32, 32, 1),
        num_classes=10,
        params=61_706,
        trainable_params=61_706,
        device="cpu",
        epochs=3,
        steps_per_epoch=4,
        batch_size=32,
        steps_per_execution=1,
        train_size=128,
        validation_size=64,
    )
    return RunStarted(**{**fields, **changes})


def test_warnings_of_the_run_preparation_are_shown_and_cleared_by_the_next_run(qtbot):
    view = LiveRunView()
    qtbot.addWidget(view)
    view.on_event(
        started(
            warnings=(
                "WARNING: checkpoint file epoch-0002.npz is truncated or damaged (moved to "
                "quarantine/); using the previous checkpoint instead",
            )
        )
    )
    assert not view.warning_label.isHidden()
    assert view.warning_label.text().startswith("Warning: checkpoint file epoch-0002.npz")
    view.on_event(started())
    assert view.warning_label.isHidden()
