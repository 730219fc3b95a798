"""The application icon in every format the three systems need, from one source image.

    python packaging/icons/make_icons.py            # writes the files listed below
    python packaging/icons/make_icons.py --draw     # first redraws the source image itself

Source: `resources/icon/cnnstudio.png` (1024 x 1024, RGBA), drawn by `draw_source()` below:
three feature maps shrinking into a dense output, the shape of every network in the zoo.
Written from it, with Pillow (which writes .ico and .icns itself):

    cnnstudio/resources/icons/cnnstudio-<N>.png    N = 16 ... 512: the window icon at run time
                                                    and the Linux hicolor theme (install.sh)
    packaging/icons/cnnstudio.ico                   Windows: the .exe and the Inno Setup installer
    packaging/icons/cnnstudio.icns                  macOS: the .app bundle

The outputs are committed (small), so the PyInstaller spec and the tests find them without Pillow
running at build time; run this again after changing the source.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "resources" / "icon" / "cnnstudio.png"
PNG_DIR = ROOT / "cnnstudio" / "resources" / "icons"
ICO = ROOT / "packaging" / "icons" / "cnnstudio.ico"
ICNS = ROOT / "packaging" / "icons" / "cnnstudio.icns"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # what Windows shows, from the taskbar to Explorer
SOURCE_SIZE = 1024


def png_path(size: int) -> Path:
    return PNG_DIR / f"cnnstudio-{size}.png"


def draw_source(size: int = SOURCE_SIZE) -> Image.Image:
    """The master image: a rounded tile, three stacked feature maps, the dense output."""
    scale = 4  # drawn large, then reduced: smooth edges without an anti-aliasing pass
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    unit = big / 64
    draw.rounded_rectangle(
        (2 * unit, 2 * unit, 62 * unit, 62 * unit), radius=12 * unit, fill=(24, 52, 92, 255)
    )
    # Feature maps: each smaller, deeper and further right, like a conv stack seen side-on.
    maps = (
        (9, 14, 22, (94, 176, 255)),
        (22, 18, 16, (120, 200, 160)),
        (33, 21, 10, (250, 196, 90)),
    )
    for left, top, side, colour in maps:
        for depth in (2, 1, 0):  # three channels behind each other
            offset = depth * 1.6 * unit
            shade = tuple(int(c * (1 - 0.22 * depth)) for c in colour)
            box = (
                left * unit + offset,
                top * unit - offset,
                (left + side) * unit + offset,
                (top + side) * unit - offset,
            )
            draw.rounded_rectangle(box, radius=1.2 * unit, fill=(*shade, 255))
    # The dense output: a column of dots, one of them lit (the predicted class).
    for index in range(5):
        cx, cy, r = 52 * unit, (18 + index * 6.5) * unit, 2.2 * unit
        lit = index == 2
        fill = (255, 255, 255, 255) if lit else (150, 170, 200, 255)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)
    # The input's edge: a thin line under the stack, so the small sizes keep a base.
    draw.rounded_rectangle(
        (9 * unit, 47 * unit, 56 * unit, 49.5 * unit), radius=unit, fill=(70, 110, 160, 255)
    )
    return image.resize((size, size), Image.Resampling.LANCZOS)


def write_all(source: Image.Image) -> list[Path]:
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for size in PNG_SIZES:
        source.resize((size, size), Image.Resampling.LANCZOS).save(png_path(size), optimize=True)
        written.append(png_path(size))
    source.save(ICO, sizes=[(size, size) for size in ICO_SIZES])
    source.save(ICNS)  # Pillow writes every size macOS asks for from the 1024 px master
    return [*written, ICO, ICNS]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--draw", action="store_true", help="redraw the source image first")
    args = parser.parse_args()
    if args.draw:
        SOURCE.parent.mkdir(parents=True, exist_ok=True)
        draw_source().save(SOURCE, optimize=True)
        print(f"drew {SOURCE.relative_to(ROOT)}")
    source = Image.open(SOURCE).convert("RGBA")
    if source.size != (SOURCE_SIZE, SOURCE_SIZE):
        raise SystemExit(f"{SOURCE} must be {SOURCE_SIZE} x {SOURCE_SIZE}; it is {source.size}")
    for path in write_all(source):
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
