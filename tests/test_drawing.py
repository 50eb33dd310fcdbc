"""mlp.drawing: canvas RGBA -> MNIST-style 28x28, and the bundled model on real digits drawn large."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mlp import data, drawing
from mlp.pretrained import PRETRAINED

CANVAS = 280


def canvas(digit: np.ndarray, scale: int = 10) -> np.ndarray:
    """A 28x28 digit enlarged onto an opaque RGBA canvas, white ink on black (as st_canvas returns it)."""
    big = np.asarray(Image.fromarray(digit.reshape(28, 28)).resize((28 * scale, 28 * scale), Image.Resampling.BILINEAR))
    return np.dstack([big, big, big, np.full_like(big, 255)])


def strokes(lines, size=CANVAS, width=20, ink=(255, 255, 255, 255), paper=(0, 0, 0, 255)) -> np.ndarray:
    """Polylines drawn with a round brush, like the freedraw tool."""
    img = Image.new("RGBA", (size, size), paper)
    draw = ImageDraw.Draw(img)
    for line in lines:
        draw.line(line, fill=ink, width=width, joint="curve")
        for x, y in (line[0], line[-1]):
            draw.ellipse([x - width / 2, y - width / 2, x + width / 2, y + width / 2], fill=ink)
    return np.asarray(img)


SEVEN = [[(70, 50), (210, 50), (120, 240)]]
ONE = [[(150, 30), (140, 250)]]


def centre_of_mass(img: np.ndarray) -> tuple[float, float]:
    yy, xx = np.mgrid[:28, :28]
    img = img.astype(float)
    return (img * yy).sum() / img.sum(), (img * xx).sum() / img.sum()


def ink_box(img: np.ndarray) -> tuple[int, int]:
    rows, cols = np.flatnonzero(img.any(1)), np.flatnonzero(img.any(0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


@pytest.mark.parametrize(
    "blank",
    [
        np.zeros((CANVAS, CANVAS, 4), np.uint8),  # transparent (st_canvas without a background colour)
        np.dstack([np.zeros((CANVAS, CANVAS, 3), np.uint8), np.full((CANVAS, CANVAS), 255, np.uint8)]),  # opaque black
        np.full((CANVAS, CANVAS, 4), (0, 0, 0, 255), np.uint8) + np.uint8(10),  # near-black noise below the threshold
    ],
)
def test_blank_canvas_is_none_and_empty(blank):
    assert drawing.to_mnist(blank) is None
    assert drawing.describe_drawing(blank) == "empty"
    assert drawing.ink_fraction(blank) == 0.0


def test_painted_full_white_is_detected():
    white = np.full((CANVAS, CANVAS, 4), 255, np.uint8)
    assert drawing.describe_drawing(white) == "full"
    assert drawing.ink_fraction(white) == 1.0
    out = drawing.to_mnist(white)
    assert out.shape == (28, 28) and out.max() == 255  # a result, but recognizably not a digit
    mostly = strokes([[(x, 0), (x, CANVAS)] for x in range(10, 250, 15)])  # broad strokes over most of it
    assert drawing.describe_drawing(mostly, background="dark") == "full"


def test_bold_digits_that_fill_their_box_are_digits_not_a_full_canvas():
    """A thick marker (a fifth of the box) from edge to edge: an 8 covers 55% of the canvas, a 0 44%."""
    image = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 255))
    pen = ImageDraw.Draw(image)
    pen.ellipse([30, 2, 250, 140], outline=(255, 255, 255, 255), width=50)
    pen.ellipse([15, 135, 265, 278], outline=(255, 255, 255, 255), width=50)
    eight = np.asarray(image)
    assert drawing.ink_fraction(eight) > 0.5
    assert drawing.describe_drawing(eight) == "ok"
    zero = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 255))
    ImageDraw.Draw(zero).ellipse([5, 5, 275, 275], outline=(255, 255, 255, 255), width=50)
    assert drawing.describe_drawing(np.asarray(zero)) == "ok"


def test_tiny_dot_scales_up_without_crashing():
    dot = np.zeros((CANVAS, CANVAS, 4), np.uint8)
    dot[140:143, 100:102] = 255
    assert drawing.describe_drawing(dot) == "tiny"
    out = drawing.to_mnist(dot)
    assert out.shape == (28, 28) and out.dtype == np.uint8 and out.max() > 0
    single = np.zeros((CANVAS, CANVAS, 4), np.uint8)
    single[5, 270] = 255  # one pixel, near the edge
    assert drawing.to_mnist(single).max() > 0


def test_a_drawn_digit_is_ok():
    assert drawing.describe_drawing(strokes(SEVEN)) == "ok"


def test_black_ink_on_white_equals_white_on_black(sample):
    for digit in sample.x_test[:20]:
        white_on_black = canvas(digit)
        black_on_white = white_on_black.copy()
        black_on_white[..., :3] = 255 - black_on_white[..., :3]
        a, b = drawing.to_mnist(white_on_black), drawing.to_mnist(black_on_white)
        assert np.abs(a.astype(int) - b).max() <= 1


def test_ink_on_transparent_background_uses_alpha():
    opaque = strokes(SEVEN)
    transparent = strokes(SEVEN, ink=(0, 0, 0, 255), paper=(0, 0, 0, 0))  # black ink, alpha 0 paper
    assert np.abs(drawing.to_mnist(opaque).astype(int) - drawing.to_mnist(transparent)).max() <= 1


def test_grey_and_rgb_images_are_accepted():
    rgba = strokes(ONE)
    expected = drawing.to_mnist(rgba)
    assert np.array_equal(drawing.to_mnist(rgba[..., :3]), expected)
    assert np.array_equal(drawing.to_mnist(rgba[..., 0]), expected)


def test_bad_input_is_a_clear_value_error():
    with pytest.raises(ValueError, match="expected an"):
        drawing.to_mnist(np.zeros((4, 4, 2), np.uint8))
    with pytest.raises(ValueError, match="background"):
        drawing.to_mnist(strokes(ONE), background="blue")


@pytest.mark.parametrize(
    "lines",
    [SEVEN, ONE, [[(20, 100), (260, 140)]], [[(200, 200), (230, 215), (250, 260)]]],
    ids=["seven", "one", "wide bar", "small corner stroke"],
)
def test_longer_side_is_20_px_and_centre_of_mass_is_centred(lines):
    out = drawing.to_mnist(strokes(lines))
    assert out.shape == (28, 28) and out.dtype == np.uint8
    assert max(ink_box(out)) == 20
    cy, cx = centre_of_mass(out)
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1


def test_mnist_digits_drawn_large_come_back_like_mnist(sample):
    for digit in sample.x_test[:50]:
        out = drawing.to_mnist(canvas(digit))
        assert max(ink_box(out)) == 20
        cy, cx = centre_of_mass(out)
        assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1
        assert np.corrcoef(out.ravel(), digit.ravel())[0, 1] > 0.8


def test_jitter_is_seeded_and_keeps_the_format(sample):
    x = sample.x_train[:64]
    a, b = drawing.jitter(x, seed=1), drawing.jitter(x, seed=1)
    assert a.shape == x.shape and a.dtype == np.uint8 and np.array_equal(a, b)
    assert not np.array_equal(a, drawing.jitter(x, seed=2))
    assert not np.array_equal(a, x)
    untouched = drawing.jitter(x, seed=1, shift=0, scale=(1, 1), aspect=0, rotate=0, shear=0, bold=0)
    assert np.abs(untouched.astype(int) - x).max() <= 1


def test_bundled_model_reads_real_digits_drawn_on_the_canvas():
    """Round trip: 1,000 MNIST test digits enlarged x10 -> to_mnist -> the bundled model."""
    from mlp.models import load_model

    assert PRETRAINED.is_file() and PRETRAINED.stat().st_size < 1_000_000
    model = load_model(PRETRAINED, n_inputs=784, n_classes=10)
    ds = data.load("mnist")
    x, y = ds.x_test[:1000], ds.y_test[:1000]
    inputs = np.stack([drawing.to_mnist(canvas(digit)) for digit in x]).reshape(-1, 784).astype(np.float32)
    accuracy = float((np.asarray(model(inputs, training=False)).argmax(1) == y).mean())
    print(f"round-trip accuracy on {len(x)} {ds.source} MNIST test digits: {accuracy:.2%}")
    assert accuracy >= 0.95
