"""Digits drawn as a person draws them on the pad: strokes, rendered with Pillow's ImageDraw.

Each digit 0-9 has several writing styles (1 with and without a flag, 7 with and without a bar,
open and closed 4, 9 with a straight or a curved tail, ...), each a list of strokes (polylines in
a unit box, y down). Every style is drawn in many variants: stroke width (thin pen to marker),
slant, a slight rotation, size, position on the canvas and polarity (white on black like MNIST,
or black on white), seeded, so the set is the same on every run. Rendered at twice the size and
reduced (anti-aliased strokes, as Qt draws them on the pad) onto a 280 x 280 canvas.

    python -m tests.engine.drawn_digits [--model FILE|RUN] [--sheet PNG]
        # accuracy per digit of the bundled model (or another); --sheet: all drawings in a PNG
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

CANVAS = 280
Stroke = list[tuple[float, float]]


def arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float) -> Stroke:
    """Points on an ellipse from `start` to `end` degrees (y down: angles turn clockwise on
    screen; 270 is the top)."""
    steps = max(8, int(abs(end - start) / 8))
    return [
        (
            cx + rx * math.cos(math.radians(start + (end - start) * i / steps)),
            cy + ry * math.sin(math.radians(start + (end - start) * i / steps)),
        )
        for i in range(steps + 1)
    ]


# digit -> {style name: strokes}; coordinates in a unit box, x right, y down.
STYLES: dict[int, dict[str, list[Stroke]]] = {
    0: {
        "oval": [arc(0.5, 0.5, 0.36, 0.48, 270, 630)],
        "open top": [arc(0.5, 0.5, 0.3, 0.48, 250, 600)],
    },
    1: {
        "bar": [[(0.5, 0.02), (0.5, 0.98)]],
        "flag": [[(0.28, 0.22), (0.55, 0.02), (0.55, 0.98)]],
        "flag and base": [[(0.3, 0.2), (0.52, 0.02), (0.52, 0.98)], [(0.28, 0.98), (0.76, 0.98)]],
    },
    2: {
        "curved": [[*arc(0.5, 0.3, 0.34, 0.28, 190, 390), (0.12, 0.98), (0.9, 0.98)]],
        "swan": [[*arc(0.5, 0.28, 0.32, 0.26, 200, 400), (0.35, 0.75), (0.15, 0.98), (0.9, 0.95)]],
    },
    3: {
        "round": [arc(0.5, 0.27, 0.33, 0.25, 200, 450), arc(0.5, 0.74, 0.37, 0.24, 270, 520)],
        "flat top": [
            [(0.15, 0.02), (0.85, 0.02), (0.45, 0.42)],
            arc(0.5, 0.71, 0.37, 0.27, 260, 515),
        ],
    },
    4: {
        "closed": [[(0.66, 0.98), (0.66, 0.02), (0.08, 0.68), (0.92, 0.68)]],
        "open": [[(0.28, 0.02), (0.14, 0.6), (0.9, 0.6)], [(0.68, 0.22), (0.68, 0.98)]],
    },
    5: {
        "one stroke": [
            [(0.82, 0.02), (0.26, 0.02), (0.22, 0.45), *arc(0.5, 0.7, 0.36, 0.28, 230, 520)]
        ],
        "flag apart": [
            [(0.24, 0.02), (0.2, 0.46), *arc(0.5, 0.7, 0.36, 0.28, 230, 520)],
            [(0.24, 0.02), (0.82, 0.02)],
        ],
    },
    6: {
        "curved": [
            [(0.74, 0.02), (0.46, 0.18), (0.26, 0.44), *arc(0.5, 0.72, 0.3, 0.26, 180, 540)]
        ],
        "straight stem": [[(0.62, 0.02), (0.22, 0.68), *arc(0.5, 0.72, 0.29, 0.26, 180, 540)]],
    },
    7: {
        "plain": [[(0.1, 0.02), (0.9, 0.02), (0.4, 0.98)]],
        "bar": [[(0.1, 0.02), (0.9, 0.02), (0.42, 0.98)], [(0.32, 0.5), (0.84, 0.5)]],
        "curved stem": [[(0.12, 0.04), (0.88, 0.02), (0.6, 0.4), (0.5, 0.7), (0.46, 0.98)]],
    },
    8: {
        "two loops": [arc(0.5, 0.26, 0.27, 0.24, 90, 450), arc(0.5, 0.74, 0.34, 0.26, 270, 630)],
        # From the top right, over the top, through the middle, round the bottom loop and
        # back up through the middle: the way most people write it.
        "one stroke": [
            [
                *arc(0.5, 0.25, 0.28, 0.23, 330, 150),
                *arc(0.5, 0.74, 0.34, 0.24, 330, 570),
                (0.74, 0.135),
            ]
        ],
    },
    9: {
        "straight tail": [arc(0.48, 0.3, 0.32, 0.28, 0, 360), [(0.8, 0.26), (0.76, 0.98)]],
        "curved tail": [
            [
                *arc(0.48, 0.3, 0.32, 0.28, 0, 360),
                (0.79, 0.62),
                (0.66, 0.88),
                (0.42, 0.98),
                (0.24, 0.92),
            ]
        ],
    },
}


@dataclass(frozen=True)
class DrawnDigit:
    label: int
    style: str
    canvas: np.ndarray  # 280 x 280 uint8
    dark_on_light: bool
    width: float  # stroke width in canvas pixels


def render(
    strokes: list[Stroke],
    *,
    width: float,
    slant: float = 0.0,
    rotation: float = 0.0,
    height: float = 200.0,
    centre: tuple[float, float] = (140.0, 140.0),
    dark_on_light: bool = False,
    aspect: float = 0.7,
) -> np.ndarray:
    """Strokes (unit box) -> a 280 x 280 uint8 canvas, the digit `height` pixels tall."""
    from PIL import Image, ImageDraw

    scale = 2  # drawn at twice the size, then reduced: anti-aliased strokes
    cos, sin = math.cos(math.radians(rotation)), math.sin(math.radians(rotation))

    def place(point: tuple[float, float]) -> tuple[float, float]:
        x = (point[0] - 0.5) * height * aspect
        y = (point[1] - 0.5) * height
        x -= slant * y  # a forward slant: the top leans right
        x, y = cos * x - sin * y, sin * x + cos * y
        return ((centre[0] + x) * scale, (centre[1] + y) * scale)

    ink, paper = (0, 255) if dark_on_light else (255, 0)
    image = Image.new("L", (CANVAS * scale, CANVAS * scale), paper)
    draw = ImageDraw.Draw(image)
    radius = width * scale / 2
    for stroke in strokes:
        points = [place(point) for point in stroke]
        draw.line(points, fill=ink, width=max(1, round(width * scale)), joint="curve")
        for x, y in (points[0], points[-1]):  # round caps, as a pen leaves
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=ink)
    return np.asarray(image.resize((CANVAS, CANVAS), Image.Resampling.BOX), dtype=np.uint8)


def drawn_digits(variants: int = 12, seed: int = 12) -> Iterator[DrawnDigit]:
    """Every style of every digit in `variants` seeded variants (pen, slant, size, place,
    polarity)."""
    rng = np.random.default_rng(seed)
    widths = (6.0, 10.0, 16.0, 24.0)
    for label, styles in STYLES.items():
        for style, strokes in styles.items():
            for index in range(variants):
                width = widths[index % len(widths)] * rng.uniform(0.85, 1.15)
                height = rng.uniform(120, 230)
                aspect = rng.uniform(0.6, 0.85)
                margin_y = (CANVAS - height) / 2 - width
                margin_x = (CANVAS - height * aspect) / 2 - width - 20
                centre = (
                    CANVAS / 2 + rng.uniform(-1, 1) * max(0.0, margin_x),
                    CANVAS / 2 + rng.uniform(-1, 1) * max(0.0, margin_y),
                )
                dark = bool(index % 2)
                canvas = render(
                    strokes,
                    width=width,
                    slant=rng.uniform(-0.1, 0.3),
                    rotation=rng.uniform(-8, 8),
                    height=height,
                    centre=centre,
                    dark_on_light=dark,
                    aspect=aspect,
                )
                yield DrawnDigit(label, style, canvas, dark, width)


def accuracy_per_digit(recognizer, digits: list[DrawnDigit]) -> dict[int, tuple[int, int]]:
    """digit -> (right, total) for `recognizer` (a DigitRecognizer)."""
    counts: dict[int, list[int]] = {}
    for digit in digits:
        result = recognizer.recognize(digit.canvas)
        right = result is not None and result.top[0][0] == str(digit.label)
        tally = counts.setdefault(digit.label, [0, 0])
        tally[0] += int(right)
        tally[1] += 1
    return {label: (right, total) for label, (right, total) in sorted(counts.items())}


def contact_sheet(digits: list[DrawnDigit], path: str, columns: int = 16) -> None:
    """All drawings, reduced to 70 x 70, one row after another."""
    from PIL import Image

    side = 70
    rows = math.ceil(len(digits) / columns)
    sheet = Image.new("L", (columns * side, rows * side), 128)
    for index, digit in enumerate(digits):
        tile = Image.fromarray(digit.canvas).resize((side - 2, side - 2), Image.Resampling.BOX)
        sheet.paste(tile, ((index % columns) * side + 1, (index // columns) * side + 1))
    sheet.save(path)


def main(argv: list[str]) -> int:
    import argparse

    from cnnstudio.engine.use.digit_recognizer import DigitRecognizer

    parser = argparse.ArgumentParser(description="Accuracy of a model on the drawn digits.")
    parser.add_argument("--model", help="a .keras file or run (default: the bundled LeNet-5)")
    parser.add_argument("--sheet", metavar="PNG", help="also save all drawings as one image")
    args = parser.parse_args(argv)
    digits = list(drawn_digits())
    if args.sheet:
        contact_sheet(digits, args.sheet)
    if args.model is None:
        recognizer = DigitRecognizer.bundled()
    elif args.model.endswith(".keras"):
        recognizer = DigitRecognizer.from_file(args.model)
    else:
        recognizer = DigitRecognizer.from_run(args.model)
    counts = accuracy_per_digit(recognizer, digits)
    right = sum(r for r, _ in counts.values())
    print(f"{recognizer.source}: {right}/{len(digits)} drawn digits = {right / len(digits):.1%}")
    print("  ".join(f"{label}: {r}/{t}" for label, (r, t) in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
