"""The one door through which CNN Studio opens a model or checkpoint file.

A `.keras` file is a zip archive: `metadata.json` (the Keras version that wrote it),
`config.json` (the architecture, which Keras turns back into objects) and `model.weights.h5`
(arrays). Deserialising the config can run code: a `Lambda` layer stores Python bytecode, and
Keras runs it when the model is rebuilt. So every file, wherever it comes from (a run folder, a
download, a colleague), is opened here with `safe_mode=True`, and is checked first, so that each
way a file can be wrong gets a message a person can act on:

* not a file / not a zip archive (a renamed image, an HDF5 `.h5` file, a SavedModel folder);
* a damaged or truncated archive (a copy that stopped half-way);
* written by a newer Keras major version than the one installed;
* needing unsafe deserialisation (a Lambda layer with code): refused, and the message says why.

Checkpoints (`checkpoints.py`) are `.npz` files of plain arrays, opened here too
(`load_checkpoint_arrays`) with `allow_pickle=False`: an array of Python objects, which NumPy
would unpickle, is refused. Nothing here uses pickle.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnnstudio.i18n import _

if TYPE_CHECKING:
    import keras
    import numpy as np

KERAS_SUFFIX = ".keras"
_REQUIRED_MEMBERS = ("config.json", "model.weights.h5")


class ModelFileError(ValueError):
    """A model file that cannot be opened; the message says why and what to do."""


class UnsafeModelError(ModelFileError):
    """A model file whose loading would run code stored in it."""


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in str(text).split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def inspect_model_file(path: str | Path) -> dict[str, Any]:
    """Check that `path` is a complete `.keras` archive; return its metadata.json (with the
    parsed config under "config"). Raises ModelFileError saying what is wrong."""
    import keras

    path = Path(path)
    if path.is_dir():
        if (path / "saved_model.pb").is_file():
            raise ModelFileError(
                _(
                    "{path} is a TensorFlow SavedModel folder, not a Keras model file; "
                    "load it with tf.saved_model.load, or open the run's model.keras"
                ).format(path=path)
            )
        raise ModelFileError(
            _("{path} is a folder, not a Keras model file (.keras)").format(path=path)
        )
    if not path.is_file():
        raise ModelFileError(_("no such model file: {path}").format(path=path))
    if path.stat().st_size == 0:
        raise ModelFileError(_("{path} is empty (0 bytes): not a model").format(path=path))
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(b"\x89HDF"):
        raise ModelFileError(
            _(
                "{path} is a legacy HDF5 (.h5) file; CNN Studio opens only .keras "
                "files. Load it in Keras and save it with model.save('model.keras')"
            ).format(path=path)
        )
    if not head.startswith(b"PK"):
        raise ModelFileError(
            _(
                "{path} is not a Keras model file: a .keras file is a zip archive and "
                "this one is not"
            ).format(path=path)
        )
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            missing = [name for name in _REQUIRED_MEMBERS if name not in names]
            if missing:
                raise ModelFileError(
                    _("{path} is a zip archive but not a Keras model: it lacks {value}").format(
                        path=path, value=missing[0]
                    )
                )
            damaged = archive.testzip()  # reads every member and checks its CRC
            if damaged is not None:
                raise ModelFileError(
                    _("{path} is damaged: {damaged} inside it fails its checksum").format(
                        path=path, damaged=damaged
                    )
                )
            metadata = {}
            if "metadata.json" in names:
                metadata = json.loads(archive.read("metadata.json").decode("utf-8"))
            config = json.loads(archive.read("config.json").decode("utf-8"))
    except zipfile.BadZipFile as error:
        raise ModelFileError(
            _(
                "{path} is truncated or damaged (not a complete zip archive: {error}); "
                "use an earlier copy or checkpoint"
            ).format(path=path, error=error)
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(
            _("{path} holds an unreadable model description: {error}").format(
                path=path, error=error
            )
        ) from None
    except (OSError, EOFError, zipfile.LargeZipFile) as error:
        raise ModelFileError(
            _("{path} cannot be read: {error}").format(path=path, error=error)
        ) from None
    written_by = str(metadata.get("keras_version", ""))
    if written_by and _version_tuple(written_by)[:1] > _version_tuple(keras.__version__)[:1]:
        raise ModelFileError(
            _(
                "{path} was written by Keras {written_by}, a newer major version than "
                "the installed Keras {version__}; update Keras (and CNN Studio) to "
                "open it"
            ).format(path=path, written_by=written_by, version__=keras.__version__)
        )
    if _uses_lambda(config):
        raise UnsafeModelError(_unsafe_message(path))
    metadata["config"] = config
    return metadata


def _uses_lambda(config: Any) -> bool:
    """Whether a model config holds a Lambda layer (anywhere: nested models included)."""
    if isinstance(config, dict):
        # A Lambda layer, or a Python function stored as bytecode (an activation, a loss).
        if config.get("class_name") in ("Lambda", "__lambda__"):
            return True
        return any(_uses_lambda(value) for value in config.values())
    if isinstance(config, list):
        return any(_uses_lambda(value) for value in config)
    return False


def _unsafe_message(path: Path, detail: str = "") -> str:
    return (
        f"{path} was refused as unsafe: it contains a Lambda layer or another stored Python "
        f"function that would run while loading (unsafe deserialisation). CNN Studio opens "
        f"model files in Keras safe "
        f"mode. If you trust where it came from, open it in Python with "
        f"keras.models.load_model(path, safe_mode=False) and save it again without the stored "
        f"code{' (' + detail + ')' if detail else ''}"
    )


def load_model_file(path: str | Path, *, compile: bool = False) -> keras.Model:
    """Open a `.keras` model or checkpoint file in safe mode (see the module docstring).

    `compile=False` (the default) skips restoring the optimizer and loss: inference and export
    need neither, and a foreign file's training setup may not rebuild here.
    """
    import keras

    import cnnstudio.models  # noqa: F401  (registers CNN Studio's own layers for loading)

    path = Path(path)
    metadata = inspect_model_file(path)
    try:
        model = keras.models.load_model(path, compile=compile, safe_mode=True)
    except Exception as error:
        text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if "safe_mode" in text or "unsafe" in text.lower():
            raise UnsafeModelError(_unsafe_message(path, text)) from None
        written_by = metadata.get("keras_version")
        if written_by and _version_tuple(written_by) > _version_tuple(keras.__version__):
            raise ModelFileError(
                _(
                    "{path} was written by Keras {written_by}, newer than the installed "
                    "{version__}, and does not load here ({text}); update Keras"
                ).format(path=path, written_by=written_by, version__=keras.__version__, text=text)
            ) from None
        raise ModelFileError(
            _("{path} could not be loaded as a Keras model: {text}").format(path=path, text=text)
        ) from None
    if not isinstance(model, keras.Model):
        raise ModelFileError(
            _("{path} holds a {name__}, not a Keras model").format(
                path=path, name__=type(model).__name__
            )
        )
    return model


def load_checkpoint_arrays(path: str | Path) -> dict[str, np.ndarray]:
    """Every array of a checkpoint `.npz`, read without pickle. ModelFileError says why a file
    cannot be read (missing, truncated, not an npz, holding Python objects)."""
    import numpy as np

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(_("no such checkpoint file: {path}").format(path=path))
    try:
        with np.load(path, allow_pickle=False) as data:
            if not hasattr(data, "files"):
                raise ModelFileError(
                    _("{path} is a single array, not a checkpoint").format(path=path)
                )
            return {name: data[name] for name in data.files}
    except ModelFileError:
        raise
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise ModelFileError(
                _(
                    "{path} holds Python objects, which loading would unpickle (unsafe); "
                    "CNN Studio checkpoints hold plain arrays only"
                ).format(path=path)
            ) from None
        raise ModelFileError(
            _("{path} is not a checkpoint: {error}").format(path=path, error=error)
        ) from None
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise ModelFileError(
            _("{path} is truncated or damaged ({error})").format(path=path, error=error)
        ) from None
