"""Export a run's model for use elsewhere, and prove each export gives the same answers.

    result = export_run(run, "tflite")       # -> ExportResult(path, format, max_abs_diff, ok, ...)

Formats, each reloaded the way its users load it, then run on a batch of real images from the
run's data set (validation split, fitted to the model's input exactly as in training) and
compared with the trained Keras model; the largest absolute difference of the output
probabilities is reported, and above `TOLERANCE` the export fails and is not installed:

    savedmodel  `model.export(format="tf_saved_model")`: a `serving_default` signature, as
                TF Serving expects; reloaded with `tf.saved_model.load`.
    keras       `model.save`; reloaded with `keras.models.load_model` in safe mode.
    tflite      `tf.lite.TFLiteConverter.from_saved_model` (float32, no quantisation);
                reloaded with the TFLite interpreter.
    onnx        the serving function frozen (variables and captured constants inlined), then
                tf2onnx; reloaded with onnxruntime. An optional extra:
                `pip install 'cnnstudio[onnx]'`. Keras's own `model.export(format="onnx")`
                turns the captured statistics of a Normalization layer into graph inputs
                (tf2onnx, Keras 3.15), which freezing first avoids.

Which weights: by default model.keras's, the epoch run.json's `model_weights` names (the rule is
`resume.settle_saved_weights`); with `weights="best"`, the checkpoint with the best validation
accuracy (the run's "best epoch"), loaded into model.keras's architecture. Either way
metadata.json's `weights` says which epoch the export holds and that epoch's metrics.

The export folder (default `RUN/exports/<format>/`, `RUN/exports/<format>-best/` for the best
epoch) holds the artifact, `metadata.json` (input shape and dtype, preprocessing, class names,
tensor names, which epoch's weights, the measured difference) and a short README.md
(`export_readme`). It is built in a hidden temporary folder and moved into place when it checks
out, so a failed or interrupted export never leaves a half-written artifact where a good one
was.

Preprocessing is part of the contract: inputs are float32 in [0, 1] (uint8 / 255), resized or
zero-padded to the model's input as `pipeline.plan_fit` decides; input standardisation, when the
run used it, is a layer inside the model, so it travels with every export.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from cnnstudio.engine.store.atomic_files import make_directory
from cnnstudio.engine.store.ownership import (
    NotOursError,
    check_export_replaceable,
    mark_staging,
    remove_leftovers,
    write_export_marker,
)
from cnnstudio.engine.store.runs import Run, RunStore, atomic_write_json, atomic_write_text, now_iso
from cnnstudio.engine.use.export_readme import export_readme
from cnnstudio.i18n import _, ngettext
from cnnstudio.locations import expand_user_path

if TYPE_CHECKING:
    import keras

FORMATS = ("savedmodel", "keras", "tflite", "onnx")
WEIGHTS = ("final", "best")  # model.keras as saved, or the best validation accuracy's checkpoint
ARTIFACTS = {
    "savedmodel": "saved_model",
    "keras": "model.keras",
    "tflite": "model.tflite",
    "onnx": "model.onnx",
}
# Float32 probabilities: converters reorder arithmetic (fused ops, other kernels), which moves
# results by ~1e-7; a real mismatch (wrong preprocessing, missing layer) moves them by ~1e-1.
TOLERANCE = 1e-4
SAMPLE_COUNT = 64
ONNX_HINT = "pip install 'cnnstudio[onnx]'"
FROZEN_ONNX_HINT = (
    "the installed app does not include the ONNX converter; export a SavedModel and convert it "
    "with `python -m tf2onnx.convert --saved-model FOLDER --output model.onnx`, or run CNN Studio "
    "from Python with " + ONNX_HINT
)
METADATA_FILE = "metadata.json"


class ExportError(RuntimeError):
    """An export that could not be made or did not check out; the message says why."""


@dataclass(frozen=True)
class ExportResult:
    path: Path  # the artifact: a SavedModel folder or a .keras / .tflite / .onnx file
    format: str
    max_abs_diff: float
    ok: bool
    message: str
    folder: Path | None = None
    samples: int = 0
    tolerance: float = TOLERANCE
    seconds: float = 0.0
    metadata: dict[str, Any] = field(default_factory=dict)


def _say(progress: Callable[[str], None] | None, text: str) -> None:
    if progress is not None:
        progress(text)


def check_onnx_available() -> None:
    """Raise ExportError naming the extra to install when the ONNX packages are missing."""
    missing = []
    for name in ("onnx", "tf2onnx", "onnxruntime"):
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        from cnnstudio.locations import is_frozen

        # The installed app leaves the ONNX converter out (packaging/cnnstudio.spec: lean bundle).
        hint = FROZEN_ONNX_HINT if is_frozen() else ONNX_HINT
        raise ExportError(
            ngettext(
                "ONNX export needs {value}, which is not installed: {hint}",
                "ONNX export needs {value}, which are not installed: {hint}",
                len(missing),
            ).format(value=", ".join(missing), hint=hint)
        )


def model_source(run: Run) -> Path:
    """The model file `run` exports (`store.trained.model_source`); ExportError says why there
    is none."""
    from cnnstudio.engine.store.trained import NoModelError
    from cnnstudio.engine.store.trained import model_source as run_model

    try:
        return run_model(run)
    except NoModelError as error:
        raise ExportError(str(error)) from None


def _weights_held(
    run: Run, model: keras.Model, weights: str, progress: Callable[[str], None] | None
) -> dict[str, Any]:
    """Which epoch's weights `model` holds (loading the best checkpoint's first when
    `weights="best"`), with that epoch's metrics, for metadata.json."""
    from cnnstudio.engine.store.checkpoints import (
        MONITOR,
        CheckpointError,
        CheckpointStore,
        load_model_weights,
    )

    if weights == "final":
        saved = run.record.get("model_weights")
        if not isinstance(saved, dict):
            return {"epoch": None, "metrics": {}, "rule": "model.keras (epoch not recorded)"}
        return {
            "epoch": saved.get("epoch"),
            "metrics": dict(saved.get("metrics") or {}),
            "rule": str(saved.get("rule") or "model.keras"),
        }
    best = CheckpointStore(run.checkpoints_dir).best() if run.checkpoints_dir.is_dir() else None
    if best is None:
        raise ExportError(
            _(
                "run {id!r} has no usable checkpoint to take the best epoch from; "
                "export its final model instead (without --best)"
            ).format(id=run.id)
        )
    _say(progress, f"loading the best epoch's weights (epoch {best.epoch}, {best.data_path.name})")
    try:
        load_model_weights(model, best)
    except (CheckpointError, OSError, ValueError) as error:
        raise ExportError(
            _("cannot load the best epoch ({epoch}): {error}").format(epoch=best.epoch, error=error)
        ) from None
    return {"epoch": best.epoch, "metrics": best.metrics, "rule": f"best {MONITOR} checkpoint"}


def _make_staging(folder: Path) -> Path:
    """The hidden folder an export is written to before it is installed as `folder`."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        return make_directory(folder.parent, f".{folder.name}.tmp-")
    except OSError as error:
        raise ExportError(
            _(
                "cannot write the export to {parent}: {value}; choose another folder with --out"
            ).format(parent=folder.parent, value=error.strerror or error)
        ) from None


def sample_inputs(
    run: Run | None, input_shape: tuple[int, ...], count: int = SAMPLE_COUNT
) -> tuple[np.ndarray, str]:
    """(images, where they came from): real images of the run's data set fitted to
    `input_shape` as in training, or seeded uniform noise when the data set cannot be had."""
    reason = "no run"
    if run is not None:
        try:
            from cnnstudio.engine.data.datasets import load_dataset
            from cnnstudio.engine.data.pipeline import fit_images_numpy, plan_fit

            config = run.record.get("config") or {}
            dataset = load_dataset(
                config.get("dataset", ""),
                validation_fraction=config.get("validation_fraction", 0.2),
                seed=config.get("seed", 0),
            )
            split = dataset.validation if len(dataset.validation) else dataset.train
            images = split.images[:count]
            plan = plan_fit(images.shape[1:], tuple(input_shape))
            return fit_images_numpy(images, plan), (
                f"{len(images)} validation images of {dataset.info.name}"
            )
        except Exception as error:  # any data set problem: still check, on noise
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    rng = np.random.default_rng(0)
    noise = rng.random((count, *input_shape), dtype=np.float32)
    return noise, f"{count} random images (the data set is not available: {reason})"


def _reference(model: keras.Model, inputs: np.ndarray) -> np.ndarray:
    return np.asarray(model(inputs, training=False), dtype=np.float32)


# -- one function per format: write the artifact, reload it as users do, return outputs --------


def _savedmodel(model: keras.Model, path: Path, inputs: np.ndarray, info: dict) -> np.ndarray:
    import tensorflow as tf

    model.export(str(path), format="tf_saved_model", verbose=False)
    loaded = tf.saved_model.load(str(path))
    serve = loaded.signatures["serving_default"]
    (input_name,) = serve.structured_input_signature[1].keys()
    outputs = serve(**{input_name: tf.constant(inputs)})
    (output_name,) = outputs.keys()
    info.update(signature="serving_default", input_name=input_name, output_name=output_name)
    return outputs[output_name].numpy()


def _keras(model: keras.Model, path: Path, inputs: np.ndarray, info: dict) -> np.ndarray:
    from cnnstudio.engine.store.modelfile import load_model_file

    model.save(path)
    return _reference(load_model_file(path), inputs)


def _tflite(model: keras.Model, path: Path, inputs: np.ndarray, info: dict) -> np.ndarray:
    import tensorflow as tf

    with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
        saved = Path(scratch) / "saved_model"
        model.export(str(saved), format="tf_saved_model", verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(str(saved))
        path.write_bytes(converter.convert())
    with warnings.catch_warnings():
        # TF 2.21 points to the separate ai-edge-litert package; this interpreter still works.
        warnings.simplefilter("ignore")
        interpreter = tf.lite.Interpreter(model_path=str(path))
    (input_detail,) = interpreter.get_input_details()
    interpreter.resize_tensor_input(input_detail["index"], inputs.shape)
    interpreter.allocate_tensors()
    interpreter.set_tensor(input_detail["index"], inputs)
    interpreter.invoke()
    (output_detail,) = interpreter.get_output_details()
    info.update(input_name=input_detail["name"], output_name=output_detail["name"])
    return interpreter.get_tensor(output_detail["index"])


def _onnx(model: keras.Model, path: Path, inputs: np.ndarray, info: dict) -> np.ndarray:
    import tensorflow as tf
    import tf2onnx
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    with contextlib.suppress(Exception), warnings.catch_warnings():
        # Keras's fix for tf2onnx under NumPy 2 (np.object, ...); harmless when not needed.
        warnings.simplefilter("ignore", FutureWarning)
        from keras.src.export.tf2onnx_lib import patch_tf2onnx

        patch_tf2onnx()
    spec = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32, name="images")
    function = tf.function(lambda images: model(images, training=False))
    frozen = convert_variables_to_constants_v2(function.get_concrete_function(spec))
    input_name, output_name = frozen.inputs[0].name, frozen.outputs[0].name
    tf2onnx.convert.from_graph_def(
        frozen.graph.as_graph_def(),
        input_names=[input_name],
        output_names=[output_name],
        output_path=str(path),
    )
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (onnx_input,) = session.get_inputs()
    info.update(input_name=onnx_input.name, output_name=session.get_outputs()[0].name)
    return session.run(None, {onnx_input.name: inputs})[0]


_WRITERS = {"savedmodel": _savedmodel, "keras": _keras, "tflite": _tflite, "onnx": _onnx}


def _describe_preprocessing(run: Run | None, input_shape: tuple[int, ...]) -> dict[str, Any]:
    record = run.record if run is not None else {}
    dataset = record.get("dataset") or {}
    source = tuple(dataset["image_shape"]) if dataset.get("image_shape") else None
    if source is None:
        with contextlib.suppress(Exception):
            from cnnstudio.engine.data.datasets import get_dataset_info

            source = tuple(get_dataset_info(dataset.get("name", "")).image_shape)
    text = "float32 in [0, 1]: uint8 pixel values divided by 255"
    fit = None
    if source is not None:
        from cnnstudio.engine.data.pipeline import plan_fit

        fit = plan_fit(source, tuple(input_shape)).describe()
    channels = "grayscale (1 channel)" if input_shape[-1] == 1 else "RGB (3 channels, in order)"
    standardized = bool((record.get("config") or {}).get("standardize", False))
    return {
        "scaling": text,
        "channels": channels,
        "fit": fit
        or f"resize (bilinear) or zero-pad (centred) to {input_shape[0]}x"
        f"{input_shape[1]} as the training pipeline does",
        "source_image_shape": list(source) if source else None,
        "standardization": (
            "inside the model (a Normalization layer adapted to the training images): feed "
            "[0, 1] images"
            if standardized
            else "none"
        ),
    }


def _install(staging: Path, folder: Path) -> None:
    """Move the finished staging folder to `folder`, replacing an earlier export there; if
    that fails, the earlier export is put back where it was."""
    old = None
    try:
        check_export_replaceable(folder)  # again: the folder may have changed during the export
    except NotOursError as error:
        raise ExportError(str(error)) from None
    try:
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old-{time.time_ns()}")
            folder.replace(old)
        try:
            staging.replace(folder)
        except OSError:
            if old is not None:
                old.replace(folder)  # roll back: never leave the earlier export hidden
            raise
    except OSError as error:
        raise ExportError(
            _("cannot install the export as {folder}: {value}").format(
                folder=folder, value=error.strerror or error
            )
        ) from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def export_run(
    run: Run | str,
    fmt: str,
    out: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
    *,
    runs: RunStore | None = None,
    tolerance: float = TOLERANCE,
    weights: str = "final",
) -> ExportResult:
    """Export `run` (a Run or a run id) as `fmt` into the folder `out` (default
    `RUN/exports/<fmt>`), reload it, compare it with the trained model.

    Returns an ExportResult; `ok` is False (and nothing is installed) when the reloaded export
    differs by more than `tolerance`. Raises ValueError for a bad format or run and
    ExportError when the export cannot be made at all (ONNX packages missing, no model, no
    usable checkpoint for `weights="best"`).
    """
    from cnnstudio.engine.devices.precision import as_float32
    from cnnstudio.engine.store.modelfile import load_model_file
    from cnnstudio.engine.training.record import software_versions

    if fmt not in FORMATS:
        raise ValueError(
            _("format must be one of {value}; received {fmt!r}").format(
                value=", ".join(FORMATS), fmt=fmt
            )
        )
    if weights not in WEIGHTS:
        raise ValueError(
            _("weights must be one of {value}; received {weights!r}").format(
                value=", ".join(WEIGHTS), weights=weights
            )
        )
    handle = run if isinstance(run, Run) else (runs or RunStore()).find(str(run))
    handle.record  # noqa: B018 (a damaged or newer run.json is refused before any slow work)
    if fmt == "onnx":
        check_onnx_available()
    if handle.is_alive():
        _say(progress, "the run is still training: exporting its newest saved state")
    began = time.perf_counter()
    source = model_source(handle)
    default_name = fmt if weights == "final" else f"{fmt}-best"
    folder = expand_user_path(out) if out is not None else handle.exports_dir / default_name
    try:
        # Replace only an earlier export of ours, holding nothing but what it wrote.
        check_export_replaceable(folder)
    except NotOursError as error:
        raise ExportError(str(error)) from None
    if folder.parent.is_dir():
        remove_leftovers(folder.parent)  # staging folders of exports stopped half-way
    _make_staging(folder).rmdir()  # a read-only folder is said now, not after the slow work
    _say(progress, f"loading {source}")
    # Exports are float32 whatever the training policy (`cnnstudio.engine.devices.precision`).
    model = as_float32(load_model_file(source))
    held = _weights_held(handle, model, weights, progress)
    input_shape = tuple(int(d) for d in model.input_shape[1:])
    inputs, where = sample_inputs(handle, input_shape)
    expected = _reference(model, inputs)

    staging = _make_staging(folder)
    try:
        mark_staging(staging, handle.id, fmt)
        artifact = staging / ARTIFACTS[fmt]
        info: dict[str, Any] = {}
        _say(progress, f"writing {fmt} and loading it back")
        try:
            actual = _WRITERS[fmt](model, artifact, inputs, info)
        except ExportError:
            raise
        except Exception as error:
            text = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise ExportError(
                _("{fmt} export of run {id!r} failed: {name__}: {text}").format(
                    fmt=fmt, id=handle.id, name__=type(error).__name__, text=text
                )
            ) from error
        actual = np.asarray(actual, dtype=np.float32)
        if actual.shape != expected.shape:
            diff = float("inf")
        else:
            diff = float(np.max(np.abs(actual - expected))) if expected.size else 0.0
        ok = diff <= tolerance
        record = handle.record
        dataset = record.get("dataset") or {}
        class_names = list(dataset.get("class_names") or [])
        num_classes = int(expected.shape[-1])
        if len(class_names) != num_classes:
            class_names = [str(i) for i in range(num_classes)]
        metadata = {
            "format": fmt,
            "artifact": ARTIFACTS[fmt],
            "run_id": handle.id,
            "model": (record.get("model") or {}).get("display_name") or model.name,
            "source": str(source),
            "input_shape": list(input_shape),
            "input_dtype": "float32",
            "num_classes": num_classes,
            "class_names": class_names,
            "preprocessing": _describe_preprocessing(handle, input_shape),
            "weights": held,
            **info,
            "check": {"inputs": where, "max_abs_diff": diff, "tolerance": tolerance, "ok": ok},
            "exported": now_iso(),
            "versions": software_versions(),
        }
        final_path = folder / ARTIFACTS[fmt]
        seconds = time.perf_counter() - began
        if not ok:
            message = (
                f"{fmt} export does not match the trained model: largest difference {diff:.3g} "
                f"on {where} exceeds the tolerance {tolerance:g}; nothing was installed"
            )
            return ExportResult(
                final_path,
                fmt,
                diff,
                False,
                message,
                folder,
                len(inputs),
                tolerance,
                seconds,
                metadata,
            )
        atomic_write_json(staging / METADATA_FILE, metadata)
        atomic_write_text(staging / "README.md", export_readme(metadata))
        write_export_marker(staging, handle.id, fmt)
        _install(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    message = (
        f"exported {fmt} to {final_path}; reloaded, it matches the trained model on {where} "
        f"(largest difference {diff:.3g}, tolerance {tolerance:g})"
    )
    return ExportResult(
        final_path,
        fmt,
        diff,
        True,
        message,
        folder,
        len(inputs),
        tolerance,
        time.perf_counter() - began,
        metadata,
    )
