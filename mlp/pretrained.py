"""The bundled digit model of the Draw page: how it is trained and where it lives.

Canvas drawings are shifted, scaled, slanted and bolder than MNIST digits; seeded `drawing.jitter`
copies of the training set teach the model that variety.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from . import data
from .drawing import jitter
from .presets import preset

PRETRAINED = data.ASSETS / "digits.keras"


def train_pretrained(
    mnist: data.Dataset,
    epochs: int = 10,
    copies: int = 2,
    seed: int = 0,
    on_epoch: Callable | None = None,
):
    """Train the default preset (784-128-128-10) with dropout 0.2 on `mnist` plus `copies` distorted
    copies of its training images; returns (model, test accuracy).

    No validation split: on_epoch(EpochLog) reports val_* figures of the test set. The model comes
    uncompiled, so `model.save(path)` writes no optimizer state (< 1 MB).
    """
    import keras

    from .training import Training  # imports TensorFlow

    if copies < 0:
        raise ValueError("copies must be 0 or more")
    keras.utils.set_random_seed(seed)  # the shuffling; initializers are seeded by the config
    x = np.concatenate([mnist.x_train, *(jitter(mnist.x_train, seed=seed + 1 + i) for i in range(copies))])
    augmented = replace(mnist, x_train=x, y_train=np.tile(mnist.y_train, copies + 1))
    config = preset("default").replace(epochs=epochs, dropout=0.2, seed=seed, validation_fraction=0.0)
    training = Training(config, augmented, on_epoch=on_epoch).run()
    model = training.keras_model()
    bare = model.__class__.from_config(model.get_config())
    bare.set_weights(model.get_weights())
    return bare, training.evaluate_test()[1]
