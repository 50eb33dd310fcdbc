"""Digits written unlike MNIST's, rendered from strokes: a held-out test of the Draw page's model.

MNIST's digits come from American census employees and high-school students. People in a classroom
write a European 1 (a flag and a base line), a 7 with a crossbar, a 9 with a straight stem, a 4 open at
the top, with a thin pen or a thick marker, small in a corner or tilted. Each style here is a few
strokes in a unit box; `render` draws them on a 280 px canvas the way a person would (stroke width,
size, place, tilt and a wobble drawn at random) and reads the canvas with `drawing.to_mnist`, exactly
as the Draw page does. None of it comes from the training images or their augmentation.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from .drawing import to_mnist

CANVAS = 280
Stroke = list[tuple[float, float]]  # points (x, y) in a unit box, y down


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int = 24) -> Stroke:
    """Points of an elliptic arc from angle `start` to `end` (degrees, 0 = right, 90 = down)."""
    t = np.radians(np.linspace(start, end, n))
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in t]


STYLES: dict[str, tuple[int, list[Stroke]]] = {
    "0 oval": (0, [_arc(0.5, 0.5, 0.3, 0.45, -90, 275)]),
    "1 stroke": (1, [[(0.52, 0.05), (0.48, 0.95)]]),
    "1 flag and base": (1, [[(0.25, 0.3), (0.55, 0.05), (0.55, 0.95)], [(0.3, 0.95), (0.8, 0.95)]]),
    "2 plain": (2, [[*_arc(0.5, 0.3, 0.3, 0.25, 190, 380), (0.2, 0.95), (0.85, 0.95)]]),
    "2 looped": (
        2,
        [
            [
                *_arc(0.5, 0.3, 0.3, 0.25, 190, 380),
                (0.25, 0.9),
                *_arc(0.3, 0.88, 0.08, 0.07, 270, 630)[::2],
                (0.85, 0.95),
            ]
        ],
    ),
    "3 round": (3, [_arc(0.45, 0.28, 0.3, 0.23, 200, 450), _arc(0.45, 0.72, 0.33, 0.25, 270, 520)]),
    "3 flat top": (3, [[(0.2, 0.05), (0.8, 0.05), (0.45, 0.42), *_arc(0.45, 0.7, 0.35, 0.27, 270, 520)]]),
    "4 open top": (4, [[(0.35, 0.05), (0.2, 0.6), (0.85, 0.6)], [(0.68, 0.05), (0.68, 0.95)]]),
    "4 closed": (4, [[(0.65, 0.95), (0.65, 0.05), (0.15, 0.62), (0.85, 0.62)]]),
    "5 plain": (5, [[(0.8, 0.05), (0.3, 0.05), (0.25, 0.45), *_arc(0.48, 0.68, 0.3, 0.27, 240, 500)]]),
    "6 plain": (6, [_arc(0.75, 0.55, 0.45, 0.5, 250, 180, 12) + _arc(0.5, 0.7, 0.25, 0.25, 180, 540)]),
    "7 plain": (7, [[(0.15, 0.08), (0.85, 0.08), (0.4, 0.95)]]),
    "7 crossbar": (7, [[(0.15, 0.08), (0.85, 0.08), (0.4, 0.95)], [(0.35, 0.5), (0.8, 0.5)]]),
    "8 two loops": (8, [_arc(0.5, 0.27, 0.22, 0.22, 0, 360), _arc(0.5, 0.72, 0.28, 0.24, 0, 360)]),
    "9 straight stem": (9, [_arc(0.45, 0.3, 0.27, 0.25, 0, 360), [(0.72, 0.3), (0.72, 0.95)]]),
    "9 curved tail": (9, [_arc(0.45, 0.3, 0.27, 0.25, 0, 360), _arc(0.3, 0.3, 0.42, 0.65, 0, 95, 12)]),
}


def render(strokes: list[Stroke], rng: np.random.Generator) -> np.ndarray | None:
    """One writing of `strokes` on a black canvas as the Draw page reads it: (28, 28) uint8 (None if blank).

    Drawn at random: a pen 5-45 px wide (thin pen to thick marker), a size from a third of the canvas to
    three quarters, anywhere on it (small ones in a corner too), narrow or wide, tilted up to 25 degrees,
    with a wobble."""
    size = rng.uniform(0.35, 0.75) * CANVAS
    # a marker too broad for a small digit fills its loops: a person writing small takes a finer pen
    width = int(rng.uniform(5, 45) * size / (0.75 * CANVAS))
    tilt = np.radians(rng.uniform(-25, 25))
    squash = np.array([rng.uniform(0.7, 1.2), 1.0])  # narrow or wide writing
    reach = 0.55 * size + width / 2  # from the box's centre to the farthest ink, tilted
    cx, cy = rng.uniform(reach, CANVAS - reach, 2)
    image = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 255))
    pen = ImageDraw.Draw(image)
    cos, sin = np.cos(tilt), np.sin(tilt)
    for stroke in strokes:
        p = (np.asarray(stroke) - 0.5) * squash + rng.normal(0, 0.02, (len(stroke), 2))  # about the box's centre
        p = np.stack([cos * p[:, 0] - sin * p[:, 1], sin * p[:, 0] + cos * p[:, 1]], 1) * size
        points = [(cx + x, cy + y) for x, y in p]
        pen.line(points, fill=(255, 255, 255, 255), width=width, joint="curve")
        for x, y in (points[0], points[-1]):  # round pen ends
            pen.ellipse([x - width / 2, y - width / 2, x + width / 2, y + width / 2], fill=(255, 255, 255, 255))
    return to_mnist(np.asarray(image), background="dark")


def writings(per_style: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """`per_style` writings of every style: images (N, 784) uint8, labels (N,), style names (N,)."""
    rng = np.random.default_rng(seed)
    images, labels, styles = [], [], []
    for name, (digit, strokes) in STYLES.items():
        for _ in range(per_style):
            image = render(strokes, rng)
            if image is not None:
                images.append(image.reshape(-1))
                labels.append(digit)
                styles.append(name)
    return np.stack(images), np.asarray(labels), styles
