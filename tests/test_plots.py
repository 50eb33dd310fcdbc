import base64
import io

import numpy as np
from PIL import Image

from mlp import plots
from mlp.captions import CHAR_EM, caption, short_label
from mlp.plots import NEUTRAL, RIGHT, WRONG

HISTORY = [
    {"epoch": 1, "loss": 0.9, "accuracy": 0.7, "val_loss": 0.5, "val_accuracy": 0.85},
    {"epoch": 2, "loss": 0.4, "accuracy": 0.9, "val_loss": 0.35, "val_accuracy": 0.9},
]


def test_curves_have_train_and_heldout_per_metric():
    fig = plots.curves(HISTORY, heldout="test", lr_changes=[1])
    names = [t.name for t in fig.data]
    assert names == ["train", "test", "train", "test"]
    assert list(fig.data[0].y) == [0.9, 0.4] and list(fig.data[3].y) == [0.85, 0.9]
    assert len([s for s in fig.layout.shapes if s.line.dash == "dot"]) == 2  # lr change on both charts


def test_curves_without_validation():
    hist = [{**h, "val_loss": None, "val_accuracy": None} for h in HISTORY]
    assert len(plots.curves(hist).data) == 2


FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def luminance(hex_colour: str) -> float:
    """WCAG relative luminance: the grey a colour turns into."""
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def mosaic(fig) -> np.ndarray:
    """The grid's picture (a PNG data URI) as a greyscale array."""
    png = base64.b64decode(fig.data[0].source.removeprefix("data:image/png;base64,"))
    return np.asarray(Image.open(io.BytesIO(png)))


def captions(fig) -> list[str]:
    return [a.text.removeprefix("<b>").removesuffix("</b>") for a in fig.layout.annotations]


def test_grid_marks_right_and_wrong_by_colour_mark_and_frame():
    images = np.random.default_rng(0).integers(0, 255, (6, 784))
    pred, truth = [1, 2, 3, 4, 5, 6], [1, 2, 0, 4, 0, 6]
    fig = plots.grid(images, pred, truth, [str(i) for i in range(10)], cols=3)
    frames = fig.layout.shapes
    assert [s.line.color for s in frames] == [RIGHT, RIGHT, WRONG, RIGHT, WRONG, RIGHT]
    assert captions(fig) == ["✓ 1", "✓ 2", "✗ 3 / 0", "✓ 4", "✗ 5 / 0", "✓ 6"]
    assert fig.layout.annotations[2].font.color == WRONG
    right, wrong = frames[0].line, frames[2].line
    assert (right.dash, wrong.dash) == ("solid", "dash") and wrong.width > right.width  # not by colour alone
    picture = mosaic(fig)
    assert picture.shape[0] > 2 * 28 and picture.shape[1] > 3 * 28  # two rows of three tiles
    assert (picture == 255).any() and picture.min() == 0  # white gaps; black to the brightest pixel


def test_right_and_wrong_colours_differ_in_grey():
    """In greyscale (or to a colour-blind eye) the two must still differ: a luminance contrast of 2:1,
    and both readable as text on white (4.5:1)."""
    light, dark = sorted([luminance(RIGHT), luminance(WRONG)], reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 1.9
    assert all(1.05 / (luminance(c) + 0.05) >= 4.5 for c in (RIGHT, WRONG))
    assert abs(luminance("#15803d") - luminance("#dc2626")) < 0.01  # why: the old green and red were one grey


def test_grid_hover_names_each_tile_in_full():
    fig = plots.grid(np.zeros((2, 784)), [9, 7], [7, 7], FASHION, cols=2)
    hover = fig.data[1]
    assert list(hover.hovertext) == ["✗ Ankle boot / Sneaker", "✓ Sneaker / Sneaker"]
    assert hover.marker.color == "rgba(0,0,0,0)" and fig.data[0].hoverinfo == "skip"


def test_short_label_rule():
    assert short_label("Sneaker", 7) == "Sneaker"
    assert short_label("T-shirt/top", 9) == "T-shirt"  # the part before the slash
    assert short_label("Ankle boot", 8) == "Boot"  # the last word: the noun
    assert short_label("ankle boot", 8) == "boot"
    assert short_label("Pullover", 6) == "Pullo…"
    assert short_label("Ankle boot", 3) == "Bo…"
    assert short_label("Dress", 1) == "D"


def test_caption_drops_the_truth_before_cutting_both_names_short():
    assert caption("Sandal", "Sandal", 7) == "✓ Sand…"
    assert caption("3", "8", 7) == "✗ 3 / 8"
    assert caption("Sandal", "Sneaker", 19) == "✗ Sandal / Sneaker"
    assert caption("Sandal", "Sneaker", 15) == "✗ Sand… / Snea…"
    assert caption("Bag", "Sneaker", 14) == "✗ Bag / Sneak…"  # the short name leaves its room to the other
    assert caption("Sandal", "Sneaker", 12) == "✗ Sandal"  # "✗ San… / Sne…" says less than the image
    assert caption("T-shirt/top", "Ankle boot", 16) == "✗ T-shirt / Boot"


def test_fashion_captions_fit_their_tiles_at_any_grid_size():
    rng = np.random.default_rng(1)
    for cols, width, scale in [(3, 450, 1.0), (5, 450, 1.0), (8, 520, 1.0), (10, 520, 1.0), (8, 560, 1.5)]:
        n = cols * cols
        pred, truth = rng.integers(0, 10, n), rng.integers(0, 10, n)
        fig = plots.grid(np.zeros((n, 784)), pred, truth, FASHION, cols=cols, width=width, scale=scale)
        font = fig.layout.annotations[0].font.size
        tile_px = width / cols
        assert 10 * scale <= font <= 16 * scale
        assert all(len(c) * CHAR_EM * font <= tile_px for c in captions(fig)), (cols, captions(fig))


def test_caption_font_shrinks_with_columns_and_grows_with_scale():
    def font(cols: int, scale: float = 1.0) -> float:
        fig = plots.grid(np.zeros((cols, 784)), [3] * cols, [8] * cols, "0123456789", cols, width=450, scale=scale)
        return fig.layout.annotations[0].font.size

    assert font(10) < font(4)
    assert font(10, scale=1.5) > font(10)


def test_grid_fits_a_box_in_presenter_mode():
    fig = plots.grid(np.zeros((64, 784)), [1] * 64, [1] * 64, FASHION, cols=8, width=560, height=700, scale=1.5)
    assert 600 <= fig.layout.height <= 700  # all 8 rows on one 1080p screen, as tall as the box allows
    small = plots.grid(np.zeros((64, 784)), [1] * 64, [1] * 64, FASHION, cols=8, width=560)
    big = plots.grid(np.zeros((64, 784)), [1] * 64, [1] * 64, FASHION, cols=8, width=560, scale=1.5)
    assert big.layout.shapes[0].line.width > small.layout.shapes[0].line.width
    assert big.layout.annotations[0].font.size > small.layout.annotations[0].font.size


def test_examples_named_to_fit_with_full_names_on_hover():
    fig = plots.examples(np.zeros((10, 784)), FASHION, cols=5, width=290)
    names = captions(fig)
    assert names[0] == "T-shirt" and names[-1] == "Boot" and names[2] == "Pullover"
    font = fig.layout.annotations[0].font.size
    assert all(len(n) * CHAR_EM * font <= 290 / 5 for n in names)
    assert list(fig.data[1].hovertext) == FASHION


def test_probabilities_mark_the_truth_and_a_wrong_guess():
    fig = plots.probabilities([0.1, 0.7, 0.2], ["a", "b", "c"], truth=2)
    bars = fig.data[0]
    assert list(bars.marker.color) == [NEUTRAL, WRONG, RIGHT]
    assert list(bars.text) == ["10%", "✗ 70%", "✓ 20%"]
    assert list(bars.marker.pattern.shape) == ["", "/", ""]  # hatched: wrong without colour
    right = plots.probabilities([0.1, 0.7, 0.2], ["a", "b", "c"], truth=1).data[0]
    assert list(right.text) == ["10%", "✓ 70%", "20%"] and list(right.marker.pattern.shape) == ["", "", ""]
    unknown = plots.probabilities([0.1, 0.7, 0.2], ["a", "b", "c"]).data[0]
    assert list(unknown.text) == ["10%", "70%", "20%"]


def test_scale_enlarges_fonts_lines_and_heights():
    small, big = plots.curves(HISTORY), plots.curves(HISTORY, scale=1.5, height=540)
    assert big.layout.font.size == 1.5 * small.layout.font.size
    assert big.data[0].line.width == 1.5 * small.data[0].line.width
    assert big.layout.height == 540
    assert (
        plots.confusion(np.eye(2), ["x", "y"], scale=1.5).layout.height > plots.confusion(np.eye(2), "xy").layout.height
    )


def test_stacked_curves_put_accuracy_under_loss():
    fig = plots.curves(HISTORY, stacked=True)
    assert fig.data[0].xaxis == "x" and fig.data[2].xaxis == "x2"
    assert fig.layout.yaxis2.domain[1] < fig.layout.yaxis.domain[0]


def test_confusion_per_class_and_weights():
    cm = np.array([[5, 1], [0, 4]])
    fig = plots.confusion(cm, ["x", "y"])
    assert np.array_equal(np.asarray(fig.data[0].z), cm)
    bars = plots.per_class([0.95, 0.5], ["x", "y"])
    assert list(bars.data[0].y) == ["y", "x"]  # worst first
    w = plots.weights(np.random.default_rng(0).normal(size=(784, 16)), [0, 3, 5])
    assert len(w.data) == 3 and np.asarray(w.data[1].z).shape == (28, 28)


def test_compare_overlays_runs_preferring_heldout():
    train_only = [{**h, "val_loss": None, "val_accuracy": None} for h in HISTORY]
    fig = plots.compare({"run A": HISTORY, "run B": train_only})
    assert [t.name for t in fig.data] == ["run A", "run A", "run B", "run B"]
    assert list(fig.data[1].y) == [0.85, 0.9]  # held-out accuracy of A
    assert list(fig.data[3].y) == [0.7, 0.9]  # B has no held-out curve: train accuracy
    assert fig.data[0].line.color != fig.data[2].line.color


def test_curves_start_at_epoch_zero_with_points_within_epochs():
    initial = {**HISTORY[0], "epoch": 0, "loss": 2.3, "accuracy": 0.1, "val_loss": 2.3, "val_accuracy": 0.1}
    points = [{"epoch": 0.5, "loss": 1.0, "accuracy": 0.6}, {"epoch": 1.5, "loss": 0.4, "accuracy": 0.85}]
    fig = plots.curves(HISTORY, "test", initial=initial, points=points, epochs=5)
    train_loss = fig.data[0]
    assert list(train_loss.x)[:3] == [0, 0.5, 1] and train_loss.y[0] == 2.3
    assert [s > 0 for s in train_loss.marker.size][:3] == [True, False, True]  # markers at whole epochs only
    assert fig.data[1].x[0] == 0  # held-out from epoch 0 too
    assert fig.layout.xaxis.range[1] >= 5


def test_an_empty_frame_before_the_first_point():
    fig = plots.curves([], epochs=8)
    assert all(len(t.x) == 0 for t in fig.data) and fig.layout.xaxis.range[1] >= 8
