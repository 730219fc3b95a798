"""Downloads with progress and cancel go through private Keras: a Keras that moved it still
downloads, without them, and says so."""

from __future__ import annotations

from cnnstudio.engine.data.downloads import reporting_downloads


def test_a_keras_that_moved_its_download_call_still_downloads_and_says_so(tmp_path, monkeypatch):
    import keras.src.backend.config as keras_config
    import keras.src.utils.file_utils as file_utils

    home = tmp_path / "keras_home"  # nothing cached: MNIST would be downloaded
    home.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(home))
    monkeypatch.delattr(file_utils, "urlretrieve")
    notes: list[str] = []
    with reporting_downloads("mnist", note=notes.append):
        pass
    assert notes == ["NOTE: downloading mnist without progress or cancel (this Keras moved them)"]


def test_bundled_data_and_image_folders_need_no_download_and_patch_nothing():
    import keras.src.utils.file_utils as file_utils

    original = file_utils.urlretrieve
    for name in ("mnist-5k", "/no/such/folder"):
        with reporting_downloads(name, cancelled=lambda: True):
            assert file_utils.urlretrieve is original
