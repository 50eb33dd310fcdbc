"""mlp.inside: activations in one pass, integrated gradients, a unit's weights and top images, the cache."""

import gc

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from mlp import inside, inside_plots  # noqa: E402


def relu(z):
    return np.maximum(z, 0)


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def mlp(seed: int = 0, functional: bool = False, square: bool = False):
    """784 (or 28x28) raw pixels -> Rescaling -> 16 relu -> Dropout -> 8 tanh -> 10 softmax, random weights."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((28, 28) if square else (784,))
    layers = [
        *([keras.layers.Flatten()] if square else []),
        keras.layers.Rescaling(1 / 255),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(8, activation="tanh"),
        keras.layers.Dense(10, activation="softmax"),
    ]
    if not functional:
        return keras.Sequential([inputs, *layers])
    h = inputs
    for layer in layers:
        h = layer(h)
    return keras.Model(inputs, h)


def by_hand(model, x: np.ndarray) -> list[np.ndarray]:
    """Each Dense layer's output, layer by layer in numpy, for raw pixel rows x (n, 784)."""
    (w1, b1), (w2, b2), (w3, b3) = (
        layer.get_weights() for layer in model.layers if isinstance(layer, keras.layers.Dense)
    )
    h1 = relu(x / 255 @ w1 + b1)
    h2 = np.tanh(h1 @ w2 + b2)
    return [h1, h2, softmax(h2 @ w3 + b3)]


@pytest.fixture(scope="module")
def digits():
    from mlp import data

    return data.load_sample("mnist").x_test[:300]


@pytest.mark.parametrize("kind", ["sequential", "functional", "28x28 input"])
def test_activations_equal_the_layer_by_layer_computation(kind, digits):
    model = mlp(functional=kind == "functional", square=kind == "28x28 input")
    image = digits[0].reshape(28, 28)
    got = inside.activations(model, image)
    want = by_hand(model, digits[:1].astype(np.float64))
    assert [a.shape for a in got] == [(16,), (8,), (10,)]
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[-1], np.asarray(model(image.reshape(1, *model.input_shape[1:]) * 1.0))[0], 1e-5)
    assert [(d.name, d.units, d.activation, d.hidden) for d in inside.dense_layers(model)][1:] == [
        (model.layers[-2].name, 8, "tanh", True),
        (model.layers[-1].name, 10, "softmax", False),
    ]


def test_an_activation_layer_after_a_dense_layer_is_that_layers_activation(digits):
    model = keras.Sequential(
        [keras.Input((784,)), keras.layers.Dense(12), keras.layers.ReLU(), keras.layers.Dense(10, activation="softmax")]
    )
    hidden = inside.activations(model, digits[0])[0]
    w, b = model.layers[0].get_weights()
    np.testing.assert_allclose(hidden, relu(digits[0] @ w + b), rtol=1e-5, atol=1e-4)
    assert inside.dense_layers(model)[0].activation == "relu"


@pytest.mark.parametrize("activation", ["linear", "softmax"])
def test_saliency_of_a_linear_model_sums_to_the_logit_minus_the_bias(activation, digits):
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation=activation)])
    model.layers[0].bias.assign(np.linspace(-1, 1, 10).astype(np.float32))
    w, b = model.layers[0].get_weights()
    x = digits[3].astype(np.float64)
    logits = x @ w + b  # before the softmax
    for c in (0, 7):
        s = inside.saliency(model, x.reshape(28, 28), c)
        assert s.shape == (28, 28)
        np.testing.assert_allclose(s.sum(), logits[c] - b[c], rtol=1e-4)
        np.testing.assert_allclose(s.ravel(), x * w[:, c], rtol=1e-4, atol=1e-5)  # and pixel by pixel: w x
        assert (s.ravel()[x == 0] == 0).all()  # black pixels get no share


def test_saliency_of_a_deep_model_adds_up_to_the_logit_change_from_a_blank_canvas(digits):
    model = mlp(seed=2)
    (w1, b1), (w2, b2), (w3, b3) = (
        layer.get_weights() for layer in model.layers if isinstance(layer, keras.layers.Dense)
    )

    def logits(x):
        return np.tanh(relu(x / 255 @ w1 + b1) @ w2 + b2) @ w3 + b3

    x = digits[5].astype(np.float64)
    change = logits(x) - logits(np.zeros(784))
    for c in range(3):
        total = inside.saliency(model, x.reshape(28, 28), c, steps=256).sum()
        assert total == pytest.approx(change[c], rel=0.02, abs=1e-3)


def test_unit_detail_gives_the_first_layers_weights_as_an_image_and_deeper_units_strongest_inputs():
    model = mlp(seed=3)
    kernels = [layer.get_weights()[0] for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    first = inside.unit_detail(model, 0, 4)
    np.testing.assert_allclose(first.image, kernels[0][:, 4].reshape(28, 28))
    assert first.top_inputs.size == 0
    deep = inside.unit_detail(model, 2, 6, top=5)
    assert deep.image is None and deep.layer.name == model.layers[-1].name
    w = kernels[2][:, 6]
    assert list(deep.top_inputs) == list(np.argsort(-np.abs(w))[:5])
    np.testing.assert_allclose(deep.top_weights, w[deep.top_inputs])


def test_top_images_are_the_images_that_excite_the_unit_most(digits):
    model = mlp(seed=4)
    hand = by_hand(model, digits.reshape(-1, 784).astype(np.float64))
    for layer, unit in ((0, 3), (1, 2), (2, 9)):
        indices, values = inside.top_images(model, layer, unit, digits, k=8)
        a = hand[layer][:, unit]
        assert len(indices) == 8 and list(np.diff(values) <= 1e-9) == [True] * 7
        np.testing.assert_allclose(values, np.sort(a)[::-1][:8], rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(a[indices], values, rtol=1e-4, atol=1e-6)  # these images, these values
    assert (
        inside.top_images(model, 0, 3, digits, k=3)[0].tolist()
        == inside.top_images(model, 0, 3, digits)[0][:3].tolist()
    )


def test_the_top_image_cache_is_bounded_computed_once_and_lets_models_go(digits, monkeypatch):
    calls = []
    rank = inside._rank
    monkeypatch.setattr(inside, "_rank", lambda model, pool: calls.append(1) or rank(model, pool))
    monkeypatch.setattr(inside, "TOP_CACHE", inside._TopCache(3))
    models = [mlp(seed=10 + i) for i in range(5)]
    for model in models:
        inside.top_images(model, 0, 0, digits)
        inside.top_images(model, 1, 2, digits)  # another layer, the same pass
    assert len(calls) == 5 and len(inside.TOP_CACHE) == 3  # the two least recently used were dropped
    inside.top_images(models[-1], 2, 1, digits)
    inside.top_images(models[-1], 0, 0, digits[:100])  # another pool: another entry
    assert len(calls) == 6
    del models, model
    gc.collect()
    assert len(inside.TOP_CACHE) == 0  # held weakly: the models are gone, so are their entries


@pytest.mark.parametrize(
    "build, message",
    [
        (
            lambda: keras.Sequential(
                [keras.Input((784,)), keras.layers.Dense(8), keras.layers.BatchNormalization(), keras.layers.Dense(10)]
            ),
            "BatchNormalization",
        ),
        (lambda: _branching(), "not one plain chain"),
    ],
)
def test_models_that_are_not_plain_mlps_are_refused_with_a_sentence(build, message, digits):
    with pytest.raises(inside.InsideError, match=message):
        inside.activations(build(), digits[0])


def _branching():
    inputs = keras.Input((784,))
    a, b = keras.layers.Dense(8)(inputs), keras.layers.Dense(8)(inputs)
    return keras.Model(inputs, keras.layers.Dense(10)(keras.layers.Concatenate()([a, b])))


def test_bad_layer_unit_or_class_numbers_are_refused(digits):
    model = mlp()
    with pytest.raises(inside.InsideError, match="3 Dense layers"):
        inside.unit_detail(model, 3, 0)
    with pytest.raises(inside.InsideError, match="units 0 to 15"):
        inside.top_images(model, 0, 16, digits)
    with pytest.raises(inside.InsideError, match="10 classes"):
        inside.saliency(model, digits[0], 10)


def test_figures_scale_and_frame_the_picked_unit():
    values = [np.linspace(0, 3, 128), np.linspace(-1, 1, 40)]
    fig = inside_plots.activations(values, ["a", "b"], selected=(1, 33), scale=1.5)
    heatmaps = [t for t in fig.data if t.type == "heatmap"]
    assert [h.z.shape for h in heatmaps] == [(4, 32), (2, 32)]
    assert heatmaps[0].zmin == -1  # a layer with negative values: the scale starts at -1 for all
    picks = [t for t in fig.data if t.type == "scatter"]
    assert list(picks[1].customdata[33])[:2] == [1, 33]  # what a click sends back
    assert {(s.x0, s.y0, s.xref) for s in fig.layout.shapes} == {(0.5, 0.5, "x2")}  # unit 33: row 1, column 1
    small = inside_plots.activations(values, ["a", "b"])
    assert fig.layout.height > small.layout.height and not small.layout.shapes
    maps = [np.eye(28), -2 * np.eye(28)]
    sal = inside_plots.saliency(maps, np.zeros((28, 28)), ["7", "1"])
    overlays = [t for t in sal.data if t.zmin is not None and t.zmin < 0]
    assert [(t.zmin, t.zmax) for t in overlays] == [(-2, 2), (-2, 2)]  # one shared scale
    assert inside_plots.incoming_image(np.ones((28, 28)), "w").data[0].z.shape == (28, 28)
    bars = inside_plots.incoming_units([3, 1], [0.5, -0.2], "hidden_1").data[0]
    assert list(bars.marker.pattern.shape) == ["", "/"]  # negative weights hatched as well as blue
