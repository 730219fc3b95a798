"""Fault injection for the one image reader (engine/data/images.py): bit depths, modes, links,
FIFOs, permissions, empty files, huge images, and what an image folder makes of them."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cnnstudio.engine.data.datasets import load_image_folder
from cnnstudio.engine.data.images import MAX_PIXELS, ImageReadError, probe, read_pixels


def test_16_bit_grey_is_scaled_by_its_depth_not_clipped(tmp_path):
    values = np.linspace(0, 65535, 64 * 64).astype(np.uint16).reshape(64, 64)
    Image.fromarray(values).save(tmp_path / "deep.png")  # I;16
    pixels = read_pixels(tmp_path / "deep.png", "L")[..., 0]
    expected = np.round(values.astype(np.float64) * 255 / 65535).astype(np.uint8)
    assert np.abs(pixels.astype(int) - expected).max() <= 1
    assert (pixels == 255).mean() < 0.05  # the defect: 99 % became 255


@pytest.mark.parametrize(
    ("mode", "suffix"),
    [
        ("I", ".tif"),
        ("F", ".tif"),
        ("1", ".png"),
        ("LA", ".png"),
        ("CMYK", ".jpg"),
        ("RGBA", ".png"),
    ],
)
def test_every_mode_becomes_grey_or_rgb_in_proportion(tmp_path, mode, suffix):
    ramp = np.tile(np.linspace(0, 1, 32), (32, 1))
    if mode == "I":
        image = Image.fromarray((ramp * 65535).astype(np.int32), mode="I")
        expected = ramp * 255
    elif mode == "F":
        image = Image.fromarray(ramp.astype(np.float32), mode="F")
        expected = ramp * 255
    elif mode == "1":
        image = Image.fromarray(ramp > 0.5).convert("1")
        expected = (ramp > 0.5) * 255.0
    elif mode == "LA":
        grey = (ramp * 255).astype(np.uint8)
        image = Image.fromarray(np.dstack([grey, np.full_like(grey, 255)]), mode="LA")
        expected = grey
    elif mode == "CMYK":
        grey = (ramp * 255).astype(np.uint8)
        image = Image.fromarray(grey, mode="L").convert("CMYK")
        expected = grey
    else:
        grey = (ramp * 255).astype(np.uint8)
        image = Image.fromarray(np.dstack([grey, grey, grey, np.full_like(grey, 255)]), "RGBA")
        expected = grey
    path = tmp_path / f"ramp{suffix}"
    image.save(path)
    pixels = read_pixels(path, "L")[..., 0].astype(float)
    tolerance = 12 if suffix == ".jpg" else 2
    assert np.abs(pixels - expected).max() <= tolerance, mode
    rgb = read_pixels(path, "RGB")
    assert rgb.shape == (32, 32, 3)


def test_links_fifos_folders_and_empty_files_are_refused_with_their_reason(tmp_path):
    good = tmp_path / "good.png"
    Image.new("L", (8, 8), 128).save(good)
    loop = tmp_path / "loop.png"
    loop.symlink_to(loop)
    dangling = tmp_path / "dangling.png"
    dangling.symlink_to(tmp_path / "gone.png")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    cases = {loop: "link_loop", dangling: "dangling_link", empty: "empty", tmp_path: "is_folder"}
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo.png"
        os.mkfifo(fifo)  # opening it for reading would block for ever
        cases[fifo] = "not_regular"
    for path, code in cases.items():
        with pytest.raises(ImageReadError) as refused:
            read_pixels(path, "L")
        assert refused.value.code == code, path
        assert str(path) in str(refused.value)
    assert "empty file" in ImageReadError("empty", empty).reason
    assert read_pixels(good, "L").shape == (8, 8, 1)


def test_permission_denied_is_said_with_the_path(tmp_path, monkeypatch):
    path = tmp_path / "locked.png"
    Image.new("L", (8, 8)).save(path)
    real_open = Image.open

    def denied(target, *args, **kwargs):
        if Path(target) == path:
            raise PermissionError(13, "Permission denied", str(target))
        return real_open(target, *args, **kwargs)

    monkeypatch.setattr(Image, "open", denied)
    with pytest.raises(ImageReadError) as refused:
        read_pixels(path, "L")
    assert refused.value.code == "permission_denied"
    assert "permission denied" in str(refused.value) and str(path) in str(refused.value)


def png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG whose header claims `width` x `height` (the pixels are never there)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 16)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat))


def test_an_image_over_the_limit_is_refused_before_decoding(tmp_path):
    side = int(MAX_PIXELS**0.5) + 1
    path = tmp_path / "bomb.png"
    png_header_only(path, side, side)
    with pytest.raises(ImageReadError) as refused:
        read_pixels(path, "L", (28, 28))
    assert refused.value.code == "too_large" and f"{side}x{side}" in str(refused.value)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM (Linux)")
def test_a_12000_pixel_jpeg_is_decoded_at_reduced_size_with_flat_memory(tmp_path):
    path = tmp_path / "huge.jpg"
    Image.new("RGB", (12_000, 12_000), (200, 30, 30)).save(path, quality=50)
    code = (
        "import sys, warnings\n"
        "warnings.simplefilter('error')\n"  # Pillow's raw DecompressionBombWarning fails here
        "from cnnstudio.engine.data.images import read_pixels\n"
        "pixels = read_pixels(sys.argv[1], 'RGB', (224, 224))\n"
        # VmHWM: this process's own peak (ru_maxrss would carry the parent's over exec)
        "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
        "print(pixels.shape, peak)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    shape, peak_kb = done.stdout.rsplit(")", 1)
    assert shape.strip() == "(224, 224, 3"
    # Decoded in full, the RGB image alone is 432 MB; at 1/8 scale it is 7 MB.
    assert int(peak_kb) < 300_000, f"peak {int(peak_kb) / 1000:.0f} MB"


def make_folder(root: Path, classes: dict[str, int]) -> Path:
    for name, count in classes.items():
        (root / name).mkdir(parents=True)
        for index in range(count):
            value = 40 if name < "m" else 210
            Image.new("L", (16, 16), value + index).save(root / name / f"{index}.png")
    return root


def test_a_folder_skips_and_lists_links_that_go_nowhere_and_reads_the_rest(tmp_path):
    root = make_folder(tmp_path / "data", {"cats": 4, "dogs": 4})
    (root / "cats" / "loop.png").symlink_to(root / "cats" / "loop.png")
    (root / "dogs" / "gone.png").symlink_to(root / "nowhere.png")
    (root / "dogs" / "empty.png").write_bytes(b"")
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "dogs" / "pipe.png")
    dataset = load_image_folder(root, validation_fraction=0.25)
    assert dataset.report.loaded == 8
    reasons = {Path(path).name: reason for path, reason in dataset.report.skipped}
    assert "loop" in reasons["loop.png"] and "does not exist" in reasons["gone.png"]
    assert reasons["empty.png"] == "empty file"
    if hasattr(os, "mkfifo"):
        assert "named pipe" in reasons["pipe.png"]


def test_an_unreadable_class_folder_says_permission_denied(tmp_path, monkeypatch):
    root = make_folder(tmp_path / "data", {"cats": 3, "dogs": 3})
    locked = root / "dogs"
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(ValueError, match="permission denied") as refused:
        load_image_folder(root)
    assert "'dogs'" in str(refused.value)


def test_a_folder_that_leaves_no_validation_image_says_so(tmp_path):
    root = make_folder(tmp_path / "data", {"cats": 1, "dogs": 1})
    with pytest.raises(ValueError, match="no validation images"):
        load_image_folder(root)


def test_chinese_class_and_file_names_load(tmp_path):
    root = tmp_path / "数据"
    for name, value in (("猫", 30), ("狗", 220)):
        (root / name).mkdir(parents=True)
        for index in range(3):
            Image.new("L", (12, 12), value).save(root / name / f"图片{index}.png")
    dataset = load_image_folder(root, validation_fraction=0.34)
    assert dataset.info.class_names == ("狗", "猫") or set(dataset.info.class_names) == {"猫", "狗"}
    assert dataset.report.loaded == 6 and probe(root / "猫" / "图片0.png") == ((12, 12), True)
