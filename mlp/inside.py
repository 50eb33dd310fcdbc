"""Inside a Draw-page model: each Dense layer's activations for one image, where the network looked, one
unit's incoming weights and the test images that excite it most.

Works on the Keras MLPs the app makes and loads (raw 0-255 pixels in; a Sequential or functional chain of
Rescaling, Flatten/Reshape, Dropout, Dense and activation layers). The layers are called one after the
other, so one forward pass yields every layer's output and the last Dense layer's pre-softmax logits too,
with no second model built and cached per model. No Streamlit here; TensorFlow comes with the model.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

SIDE = 28  # the images are 28x28
STEPS = 32  # integrated gradients: images on the straight path from black to the drawing
TOP_K = 32  # top images kept per unit in the cache; top_images' k may be up to this
CACHE_SIZE = 8  # (model, pool) pairs whose top images are kept, least recently used dropped first

SKIPPED = {"InputLayer", "Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise", "ActivityRegularization"}
CALLED = {"Rescaling", "Flatten", "Reshape"}  # before the first Dense layer: reshape or rescale the pixels
ACTIVATIONS = {"Activation", "ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax"}  # after a Dense layer: its activation


class InsideError(ValueError):
    """The model is not a plain MLP this module can open up; the message is a sentence for the page."""


@dataclass(frozen=True)
class DenseLayer:
    """One Dense layer as the page names it: its Keras name, width, activation, and whether it is hidden."""

    name: str
    units: int
    activation: str
    hidden: bool


@dataclass(frozen=True)
class UnitDetail:
    """A unit's incoming weights: as a 28x28 `image` for the first layer; else the `top_inputs` units of the
    layer below with the largest |weight| and those `top_weights`, strongest first."""

    layer: DenseLayer
    unit: int
    bias: float
    weights: np.ndarray
    image: np.ndarray | None
    top_inputs: np.ndarray
    top_weights: np.ndarray


def _chain(model) -> list:
    """The model's layers in order (InputLayer left out); InsideError if they do not form one chain."""
    import keras

    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    if not isinstance(model, keras.Sequential):
        try:
            chained = (
                len(model.inputs) == 1
                and len(model.outputs) == 1
                and all(b.input is a.output for a, b in pairwise(layers))
                and layers[-1].output is model.outputs[0]
            )
        except (AttributeError, IndexError, ValueError):  # a layer used twice has no single input/output
            chained = False
        if not chained:
            raise InsideError("its layers are not one plain chain from the pixels to the classes")
    for layer in layers:
        kind = type(layer).__name__
        if kind not in SKIPPED | CALLED | ACTIVATIONS | {"Dense"}:
            raise InsideError(f"it has a {kind} layer; only plain MLPs (Dense layers) can be opened up here")
    if not any(type(layer).__name__ == "Dense" for layer in layers):
        raise InsideError("it has no Dense layer")
    return layers


def _activation_name(layer) -> str:
    function = getattr(layer, "activation", None)
    return getattr(function, "__name__", type(layer).__name__.lower())


def dense_layers(model) -> list[DenseLayer]:
    """The Dense layers in order, hidden ones first, the output layer last (InsideError if not an MLP)."""
    found: list[DenseLayer] = []
    for layer in _chain(model):
        kind = type(layer).__name__
        if kind == "Dense":
            found.append(DenseLayer(layer.name, int(layer.units), _activation_name(layer), True))
        elif kind in ACTIVATIONS and found and found[-1].activation == "linear":
            found[-1] = DenseLayer(found[-1].name, found[-1].units, _activation_name(layer), True)
    last = found[-1]
    return [*found[:-1], DenseLayer(last.name, last.units, last.activation, False)]


def _forward(layers: list, x):
    """One pass through the chain: (each Dense layer's output after its activation, the last one's logits).

    The logits are the last Dense layer's linear output z = h W + b, before a softmax or any activation."""
    from keras import ops

    outputs, logits, h = [], None, x
    for layer in layers:
        kind = type(layer).__name__
        if kind == "Dense":
            logits = ops.matmul(h, layer.kernel) + layer.bias if layer.use_bias else ops.matmul(h, layer.kernel)
            h = layer.activation(logits)
            outputs.append(h)
        elif kind not in SKIPPED:
            h = layer(h)
            if outputs:  # an activation layer: the Dense layer's output is what comes out of it
                outputs[-1] = h
    return outputs, logits


def _batch(model, images: np.ndarray) -> np.ndarray:
    """Raw 0-255 images (n, 28, 28) or (n, 784) as the float32 batch the model's input takes."""
    return np.asarray(images, dtype=np.float32).reshape((-1, *model.input_shape[1:]))


def activations(model, image: np.ndarray) -> list[np.ndarray]:
    """Each Dense layer's output for one 28x28 image of raw 0-255 pixels, in one forward pass: the hidden
    layers' activation vectors, then the output layer's (the model's output, e.g. probabilities)."""
    outputs, _ = _forward(_chain(model), _batch(model, image))
    return [np.asarray(out, dtype=np.float64)[0] for out in outputs]


def saliency(model, image: np.ndarray, class_index: int, steps: int = STEPS) -> np.ndarray:
    """Where the network looked: integrated gradients of class `class_index`'s logit, a 28x28 map.

    Integrated gradients (Sundararajan et al., 2017) average the gradient over images fading in from a black
    canvas to the drawing, times the pixels. Chosen over gradient x input because its pixels add up to what
    the drawing did to the class's score, logit(drawing) - logit(blank canvas), for any network (gradient x
    input does so only for a linear one, and for a ReLU network it reads a single, noisy linear piece); the
    `steps` images go through in one batch, so it costs about what gradient x input does. Positive pixels are
    evidence for the class, negative ones against it; black pixels get nothing (there is no ink to credit).
    The logit is the last Dense layer's output before its softmax, so a confident 99.9% still shows detail.
    """
    import tensorflow as tf

    layers = _chain(model)
    n_classes = int(dense_layers(model)[-1].units)
    if not 0 <= class_index < n_classes:
        raise InsideError(f"class {class_index} does not exist; the model has {n_classes} classes")
    x = _batch(model, image)
    fractions = ((np.arange(steps) + 0.5) / steps).astype(np.float32)  # midpoints: exact for a linear model
    path = tf.constant(fractions.reshape((-1,) + (1,) * (x.ndim - 1)) * x)
    with tf.GradientTape() as tape:
        tape.watch(path)
        _, logits = _forward(layers, path)
        score = tf.reduce_sum(logits[:, class_index])
    gradient = tape.gradient(score, path).numpy().mean(0)
    return (gradient * x[0]).reshape(SIDE, SIDE).astype(np.float64)


def unit_detail(model, layer_index: int, unit: int, top: int = 8) -> UnitDetail:
    """What feeds unit `unit` of Dense layer `layer_index` (0 = the first hidden layer)."""
    infos = dense_layers(model)
    _check_unit(infos, layer_index, unit)
    dense = [layer for layer in _chain(model) if type(layer).__name__ == "Dense"][layer_index]
    kernel = np.asarray(dense.kernel, dtype=np.float64)
    weights = kernel[:, unit]
    bias = float(np.asarray(dense.bias)[unit]) if dense.use_bias else 0.0
    image = weights.reshape(SIDE, SIDE) if layer_index == 0 and weights.size == SIDE * SIDE else None
    order = np.argsort(-np.abs(weights), kind="stable")[:top] if image is None else np.array([], dtype=np.int64)
    return UnitDetail(infos[layer_index], unit, bias, weights, image, order, weights[order])


def _check_unit(infos: list[DenseLayer], layer_index: int, unit: int) -> None:
    if not 0 <= layer_index < len(infos):
        raise InsideError(f"layer {layer_index} does not exist; the model has {len(infos)} Dense layers")
    if not 0 <= unit < infos[layer_index].units:
        raise InsideError(f"{infos[layer_index].name} has units 0 to {infos[layer_index].units - 1}, not {unit}")


def top_images(model, layer_index: int, unit: int, x_pool: np.ndarray, k: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """The k images of `x_pool` (raw 0-255 pixels) that excite the unit most: (their indices into the pool,
    the unit's activation for each), most excited first. Every layer's ranking is computed in one pass over
    the pool the first time a (model, pool) pair is asked for, then cached (see _TopCache)."""
    infos = dense_layers(model)
    _check_unit(infos, layer_index, unit)
    if not 1 <= k <= TOP_K:
        raise ValueError(f"k must be 1 to {TOP_K}, got {k}")
    pool = np.ascontiguousarray(x_pool)
    key = (pool.shape, pool.dtype.str, hashlib.blake2b(pool.tobytes(), digest_size=16).hexdigest())
    ranks = TOP_CACHE.get(model, key, lambda: _rank(model, pool))
    indices, values = ranks[layer_index]
    return indices[unit, :k].copy(), values[unit, :k].copy()


def _rank(model, pool: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per Dense layer: (units, TOP_K) indices of the pool images that excite each unit most, and the values."""
    outputs, _ = _forward(_chain(model), _batch(model, pool))
    ranks = []
    for out in outputs:
        a = np.asarray(out, dtype=np.float64)
        order = np.argsort(-a, axis=0, kind="stable")[:TOP_K].T  # ties: the earlier image first
        ranks.append((order, np.take_along_axis(a.T, order, axis=1)))
    return ranks


class _TopCache:
    """(model, pool) -> per-layer rankings; at most `size` entries, least recently used dropped first.

    The model is held weakly (a server holds many sessions' models): an entry goes when its model is collected.
    The weakref callback only notes the key; entries are removed under the lock on the next call."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._dead: list = []
        self._lock = threading.Lock()

    def get(self, model, pool_key, compute: Callable):
        key = (id(model), pool_key)
        with self._lock:
            self._purge()
            hit = self._entries.get(key)
            if hit is not None and hit[0]() is model:
                self._entries.move_to_end(key)
                return hit[1]
        value = compute()  # outside the lock: one session's pass over the pool does not hold up the others
        with self._lock:
            self._entries[key] = (weakref.ref(model, lambda _, key=key: self._dead.append(key)), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def _purge(self) -> None:
        while self._dead:
            key = self._dead.pop()
            hit = self._entries.get(key)
            if hit is not None and hit[0]() is None:
                del self._entries[key]

    def __len__(self) -> int:
        with self._lock:
            self._purge()
            return len(self._entries)


TOP_CACHE = _TopCache(CACHE_SIZE)
