"""The training view says what Train will do and about how long it takes before it starts, and
asks before a run that is long on the CPU (issue 25)."""

from __future__ import annotations

from cnnstudio.engine.training.estimate import LONG_RUN_S, estimate, measured_speed
from tests.gui.training_helpers import panel_fixture, quick_form  # noqa: F401  (fixture)


def test_the_view_names_the_model_the_data_and_the_time(panel, qtbot):
    quick_form(panel, epochs=3, batches=0)
    qtbot.waitUntil(lambda: panel.plan.estimate is not None, timeout=30_000)
    text = panel.plan.text()
    assert text.startswith("LeNet-5 on MNIST (5,000-digit subset): 3 epochs of 4,000 images")
    assert "on this CPU" in text and "about" in text
    # The estimate is the engine's, from LeNet-5's MACs at 32x32x1 (no earlier run here).
    from cnnstudio.engine.anatomy.graph_source import zoo_stats

    macs = zoo_stats("lenet5", (32, 32, 1), 10, {}).macs
    expected = estimate(macs_per_image=macs, train_images=4000, validation_images=1000, epochs=3)
    assert panel.plan.estimate == expected and expected.basis == "macs"
    panel.context.set_model("lenet5", {"activation": "relu"})
    qtbot.waitUntil(lambda: "LeNet-5 (activation relu)" in panel.plan.text(), timeout=10_000)


def test_a_long_run_on_the_cpu_is_asked_about_and_can_be_declined(panel, qtbot):
    quick_form(panel, epochs=20, batches=0)
    panel.context.set_model("densenet121")
    qtbot.waitUntil(
        lambda: panel.plan.estimate is not None and panel.plan.estimate.long, timeout=60_000
    )
    asked = []
    panel.ask_long_run = lambda text: asked.append(text) or False
    assert panel.start_training() is False
    assert not panel.is_training() and asked and "DenseNet-121" in asked[0]


def test_a_measured_speed_of_this_machine_wins_and_bad_records_are_passed_over():
    good = {
        "model": {"name": "lenet5", "input_shape": [32, 32, 1]},
        "dataset": {"train_images_per_epoch": 4000},
        "epochs_completed": 4,
        "elapsed_seconds": 8.0,
    }
    other = {**good, "model": {"name": "vgg11", "input_shape": [32, 32, 1]}}
    broken = {"model": "not a dict"}
    assert measured_speed([broken, other, good], "lenet5", (32, 32, 1)) == 2000.0
    result = estimate(
        macs_per_image=None,
        train_images=4000,
        validation_images=0,
        epochs=2,
        images_per_second=2000.0,
    )
    assert result.seconds == 4.0 and result.basis == "runs" and not result.long
    assert estimate(macs_per_image=None, train_images=1, validation_images=0, epochs=1) is None
    slow = estimate(macs_per_image=10**10, train_images=60_000, validation_images=0, epochs=20)
    assert slow.long and slow.seconds > LONG_RUN_S
