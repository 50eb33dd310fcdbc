"""Canvas drawing -> MNIST-style 28x28 input, made the way the MNIST digits were made.

MNIST recipe: crop the ink, scale the longer side to 20 px (anti-aliased), place it in a 28x28
field with the centre of mass at the centre. Output pixels are ink-bright on black, 0-255 uint8;
the model's own Rescaling layer normalizes them.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from . import limits

SIZE, BOX, CENTRE = 28, 20, 14.0  # MNIST: 28x28 field, 20 px digit box, centre of mass at pixel (14, 14)
INK = 32  # of 255: fainter pixels (anti-aliasing, noise) do not count as ink
FULL = 0.7  # more than this fraction of the canvas is ink: "painted full", not a digit (a bold 8 drawn edge to
# edge with a marker a fifth of the box wide covers 0.55 of it, and is a digit)
TINY = 0.12  # ink box smaller than this fraction of the canvas side: "tiny", e.g. a dot
BACKGROUNDS = ("auto", "dark", "light")
RESAMPLE = Image.Resampling.LANCZOS


def ink(rgba: np.ndarray, background: str = "auto") -> np.ndarray:
    """Ink intensity (H, W) float32, 0 (paper) to 255 (full ink).

    An image whose border is mostly transparent: the ink is the alpha channel.
    Otherwise the grey level, inverted when the background is light; background="auto" takes the
    background from the border, "dark"/"light" say it. An image without any dark pixel counts as
    ink everywhere (painted full), not as a blank light sheet.
    """
    if background not in BACKGROUNDS:
        raise ValueError(f"background must be one of {BACKGROUNDS}, got {background!r}")
    img = np.asarray(rgba)
    if img.ndim >= 2 and img.shape[0] * img.shape[1] > limits.IMAGE_PIXELS.value:
        raise ValueError(
            f"the image has {img.shape[0] * img.shape[1]:,} pixels; this server reads at most "
            f"{limits.IMAGE_PIXELS.describe()}"
        )
    if img.ndim == 2:
        img = img[..., None]
    if img.ndim != 3 or img.shape[2] not in (1, 3, 4) or min(img.shape[:2]) < 1:
        raise ValueError(f"expected an (H, W), (H, W, 3) or (H, W, 4) image, got shape {img.shape}")
    img = img.astype(np.float32)
    if img.shape[2] == 4:
        alpha = img[..., 3]
        if np.median(_border(alpha)) < 128:
            return alpha
        gray = img[..., :3] @ np.float32([0.299, 0.587, 0.114]) * (alpha / 255)
    elif img.shape[2] == 3:
        gray = img @ np.float32([0.299, 0.587, 0.114])
    else:
        gray = img[..., 0]
    if background == "auto":
        light = np.median(_border(gray)) > 127 and gray.min() < 255 - INK
        background = "light" if light else "dark"
    return 255 - gray if background == "light" else gray


def _border(a: np.ndarray) -> np.ndarray:
    return np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])


def _box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the True pixels, bottom/right exclusive."""
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    return rows[0], rows[-1] + 1, cols[0], cols[-1] + 1


def describe_drawing(rgba: np.ndarray, background: str = "auto") -> str:
    """ "empty" (no ink), "full" (mostly ink), "tiny" (a dot or a very small digit) or "ok"."""
    mask = ink(rgba, background) > INK
    if not mask.any():
        return "empty"
    if mask.mean() > FULL:
        return "full"
    top, bottom, left, right = _box(mask)
    return "tiny" if max(bottom - top, right - left) < TINY * min(mask.shape) else "ok"


def ink_fraction(rgba: np.ndarray, background: str = "auto") -> float:
    """Fraction of the canvas covered by ink (0 blank, 1 painted full)."""
    return float((ink(rgba, background) > INK).mean())


def to_mnist(rgba: np.ndarray, background: str = "auto") -> np.ndarray | None:
    """A (28, 28) uint8 MNIST-style image of the drawing, or None if the canvas is blank.

    rgba: the canvas image (H, W, 4) uint8 (RGB, grey and RGBA images of any size work too).
    """
    a = ink(rgba, background)
    mask = a > INK
    if not mask.any():
        return None
    top, bottom, left, right = _box(mask)
    crop = a[top:bottom, left:right]
    h, w = crop.shape
    scale = BOX / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = np.clip(np.asarray(Image.fromarray(crop.astype(np.float32)).resize(size, RESAMPLE)), 0, None)
    small *= 255 / small.max()  # > 0: a filter's centre weight is positive; a faint speck comes out full strength
    h, w = small.shape
    yy, xx = np.mgrid[:h, :w]
    total = small.sum()
    cy, cx = (small * yy).sum() / total, (small * xx).sum() / total
    y0 = int(np.clip(round(CENTRE - cy), 0, SIZE - h))
    x0 = int(np.clip(round(CENTRE - cx), 0, SIZE - w))
    out = np.zeros((SIZE, SIZE), np.uint8)
    out[y0 : y0 + h, x0 : x0 + w] = np.clip(small, 0, 255).round().astype(np.uint8)
    return out


def jitter(
    images: np.ndarray,
    seed: int = 0,
    *,
    shift: float = 2.0,
    scale: tuple[float, float] = (0.8, 1.1),
    aspect: float = 0.1,
    rotate: float = 12.0,
    shear: float = 0.2,
    bold: float = 0.35,
    chunk: int = 4096,
) -> np.ndarray:
    """Randomly distorted copies of MNIST images (N, 784) uint8, as canvas drawings vary.

    Each image gets a random affine map (shift in px, scale, height/width ratio change, rotation in
    degrees, shear) and, with probability `bold`, strokes thickened by one pixel (a broad brush on
    a small drawing). Used to train the bundled model; deterministic for a given seed.
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(images, dtype=np.float32).reshape(-1, SIZE, SIZE)
    n = len(x)
    angle = np.radians(rng.uniform(-rotate, rotate, n))
    sx = rng.uniform(*scale, n)
    sy = sx * rng.uniform(1 - aspect, 1 + aspect, n)
    k = rng.uniform(-shear, shear, n)
    cos, sin = np.cos(angle), np.sin(angle)
    # forward map A = rotation @ shear @ scale; sampling needs its inverse
    a = np.stack([np.stack([cos * sx, (cos * k - sin) * sy], -1), np.stack([sin * sx, (sin * k + cos) * sy], -1)], 1)
    inverse = np.linalg.inv(a).astype(np.float32)
    offset = rng.uniform(-shift, shift, (n, 2)).astype(np.float32)
    grid = np.stack(np.mgrid[:SIZE, :SIZE], -1).reshape(-1, 2).astype(np.float32) - CENTRE  # (784, 2) as (y, x)
    out = np.empty_like(x)
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        src = np.einsum("nij,npj->npi", inverse[s:e], grid[None] - offset[s:e, None]) + CENTRE
        out[s:e] = _bilinear(x[s:e], src[..., 0], src[..., 1]).reshape(-1, SIZE, SIZE)
    thick = rng.random(n) < bold
    padded = np.pad(out[thick], ((0, 0), (1, 1), (1, 1)))
    out[thick] = np.max(
        [padded[:, 1:-1, 1:-1], padded[:, :-2, 1:-1], padded[:, 2:, 1:-1], padded[:, 1:-1, :-2], padded[:, 1:-1, 2:]],
        axis=0,
    )
    return np.clip(out, 0, 255).round().astype(np.uint8).reshape(n, SIZE * SIZE)


def _bilinear(img: np.ndarray, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Sample images (n, H, W) at points (n, P) with bilinear interpolation, zero outside."""
    n, h, w = img.shape
    flat = np.pad(img, ((0, 0), (1, 1), (1, 1))).reshape(n, -1)  # a zero frame for points outside
    y, x = np.clip(y + 1, 0, h + 1), np.clip(x + 1, 0, w + 1)
    y0, x0 = np.floor(y).astype(np.int64), np.floor(x).astype(np.int64)
    fy, fx = y - y0, x - x0
    y1, x1 = np.minimum(y0 + 1, h + 1), np.minimum(x0 + 1, w + 1)

    def at(yi, xi):
        return np.take_along_axis(flat, yi * (w + 2) + xi, 1)

    return (at(y0, x0) * (1 - fx) + at(y0, x1) * fx) * (1 - fy) + (at(y1, x0) * (1 - fx) + at(y1, x1) * fx) * fy
