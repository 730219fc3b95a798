"""The README.md written beside every export: how to load it, what it expects and gives, which
epoch's weights it holds, and how it was checked (from the export's metadata.json)."""

from __future__ import annotations

from typing import Any


def weights_text(weights: dict[str, Any]) -> str:
    """'epoch 7 (best val_accuracy checkpoint): val_accuracy 0.9812, val_loss 0.0651'."""
    if weights.get("epoch") is None:
        return str(weights.get("rule") or "epoch not recorded")
    metrics = weights.get("metrics") or {}
    shown = ", ".join(
        f"{key} {value:.4f}"
        for key, value in sorted(metrics.items())
        if key.startswith("val_") and isinstance(value, (int, float))
    )
    return f"epoch {weights['epoch']} ({weights.get('rule')})" + (f": {shown}" if shown else "")


def export_readme(metadata: dict[str, Any]) -> str:
    shape = "x".join(str(d) for d in metadata["input_shape"])
    classes = metadata["class_names"]
    shown = ", ".join(classes[:20]) + (" ..." if len(classes) > 20 else "")
    how = {
        "savedmodel": "tf.saved_model.load(path).signatures['serving_default'](**{"
        f"'{metadata.get('input_name')}': images}})",
        "keras": "keras.models.load_model(path)  # safe_mode is on by default",
        "tflite": "tf.lite.Interpreter(model_path=path)  (or ai_edge_litert)",
        "onnx": "onnxruntime.InferenceSession(path).run(None, {"
        f"'{metadata.get('input_name')}': images}})",
    }[metadata["format"]]
    pre = metadata["preprocessing"]
    return "\n".join(
        [
            f"# {metadata['model']} from run {metadata['run_id']} ({metadata['format']})",
            "",
            f"Artifact: `{metadata['artifact']}`. Load it with `{how}`.",
            *(
                [
                    "TF Serving wants a numbered version folder: copy `saved_model` to "
                    "`MODEL_BASE/1/` and serve MODEL_BASE (signature `serving_default`).",
                ]
                if metadata["format"] == "savedmodel"
                else []
            ),
            "",
            f"* Input: float32 batch of shape (N, {shape.replace('x', ', ')}), "
            f"tensor `{metadata.get('input_name')}`.",
            f"* Preprocessing: {pre['scaling']}; {pre['channels']}; {pre['fit']}; "
            f"standardisation: {pre['standardization']}.",
            f"* Output: {metadata['num_classes']} class probabilities (softmax), tensor "
            f"`{metadata.get('output_name')}`.",
            f"* Classes (index order): {shown}",
            f"* Weights: {weights_text(metadata.get('weights') or {})}.",
            "",
            f"Checked on {metadata['check']['inputs']}: largest absolute difference from the "
            f"trained Keras model {metadata['check']['max_abs_diff']:.3g} (tolerance "
            f"{metadata['check']['tolerance']:g}).",
            "",
            f"Exported {metadata['exported']} by CNN Studio {metadata['versions']['cnnstudio']}.",
            "",
        ]
    )
