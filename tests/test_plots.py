import numpy as np

from mlp import plots
from mlp.plots import RIGHT, WRONG

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


def test_grid_colours_right_green_and_wrong_red():
    images = np.random.default_rng(0).integers(0, 255, (6, 784))
    pred, truth = [1, 2, 3, 4, 5, 6], [1, 2, 0, 4, 0, 6]
    fig = plots.grid(images, pred, truth, [str(i) for i in range(10)], cols=3)
    colors = [s.line.color for s in fig.layout.shapes]
    assert colors == [RIGHT, RIGHT, WRONG, RIGHT, WRONG, RIGHT]
    texts = [a.text for a in fig.layout.annotations]
    assert texts[2] == "<b>3 / 0</b>" and fig.layout.annotations[2].font.color == WRONG
    z = np.asarray(fig.data[0].z, dtype=float)
    assert z.shape[0] > 2 * 28 and np.isnan(z).any()  # two rows of tiles with gaps


def test_grid_uses_class_names():
    names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    fig = plots.grid(np.zeros((1, 784)), [9], [7], names, cols=1)
    assert fig.layout.annotations[0].text == "<b>Ankle boot / Sneaker</b>"


def test_probabilities_highlight():
    fig = plots.probabilities([0.1, 0.7, 0.2], ["a", "b", "c"], truth=2)
    assert list(fig.data[0].marker.color) == ["#94a3b8", WRONG, "#f59e0b"]
    assert list(fig.data[0].text) == ["10%", "70%", "20%"]


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
