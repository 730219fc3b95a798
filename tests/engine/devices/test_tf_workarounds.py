"""The private TensorFlow workaround degrades to a note where TensorFlow moved what it uses."""

from __future__ import annotations

from cnnstudio.engine.devices.tf_workarounds import forgetting_custom_gradients


def test_a_moved_gradient_registry_is_a_note_not_a_failure(monkeypatch):
    from tensorflow.python.framework import ops

    monkeypatch.setattr(ops, "_gradient_registry", object())  # as a TensorFlow that moved it
    notes: list[str] = []
    ran = False
    with forgetting_custom_gradients(notes.append):
        ran = True
    assert ran
    assert len(notes) == 1 and "gradient registry" in notes[0]


def test_the_runs_own_custom_gradients_are_dropped_and_others_kept():
    from tensorflow.python.framework import ops

    registry = ops._gradient_registry._registry
    with forgetting_custom_gradients():
        registry["CustomGradient-test-run"] = object()
        registry["not-a-custom-gradient-test"] = object()
    try:
        assert "CustomGradient-test-run" not in registry
        assert "not-a-custom-gradient-test" in registry
    finally:
        registry.pop("not-a-custom-gradient-test", None)
