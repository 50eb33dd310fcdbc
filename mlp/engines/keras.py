"""The Keras engine: a `keras.Sequential` built from a RunConfig and trained with `model.fit`."""
from __future__ import annotations

from typing import Callable

import keras
import numpy as np

from ..config import RunConfig

INITIALIZERS = {"glorot": keras.initializers.GlorotUniform, "he": keras.initializers.HeNormal}


def initializer(name: str, seed: int):
    """Keras initializer for a config name; 'normal' is N(0, 1) as in the from-scratch tutorials."""
    if name == "zeros":
        return keras.initializers.Zeros()
    if name == "normal":
        return keras.initializers.RandomNormal(0.0, 1.0, seed=seed)
    return INITIALIZERS[name](seed=seed)


def build_model(config: RunConfig, n_inputs: int, n_classes: int, scale: float, offset: float) -> keras.Sequential:
    """Input(n_inputs) -> Rescaling (the normalization) -> hidden Dense layers -> output Dense."""
    reg = keras.regularizers.L2(config.l2) if config.l2 else None
    layers: list = [keras.Input((n_inputs,)), keras.layers.Rescaling(scale, offset, name="normalize")]
    units = [(spec.units, spec.activation) for spec in config.layers] + [(n_classes, config.output)]
    for i, (width, activation) in enumerate(units):
        is_output = i == len(config.layers)
        layers.append(keras.layers.Dense(
            width, activation=activation, name="output" if is_output else f"hidden_{i + 1}",
            kernel_initializer=initializer(config.initializer, config.seed + 2 * i),
            bias_initializer=initializer(config.bias_initializer, config.seed + 2 * i + 1),
            kernel_regularizer=reg,
        ))
        if config.dropout and not is_output:
            layers.append(keras.layers.Dropout(config.dropout, seed=config.seed + 1000 + i))
    return keras.Sequential(layers, name="mlp")


def optimizer(config: RunConfig) -> keras.optimizers.Optimizer:
    lr = config.learning_rate
    return {
        "sgd": lambda: keras.optimizers.SGD(lr),
        "momentum": lambda: keras.optimizers.SGD(lr, momentum=config.momentum),
        "rmsprop": lambda: keras.optimizers.RMSprop(lr),
        "adam": lambda: keras.optimizers.Adam(lr),
    }[config.optimizer]()


def loss(config: RunConfig) -> keras.losses.Loss:
    reduction = "sum" if config.reduction == "sum" else "sum_over_batch_size"
    if config.loss == "crossentropy":
        return keras.losses.CategoricalCrossentropy(reduction=reduction)
    return keras.losses.MeanSquaredError(reduction=reduction)


class _Hooks(keras.callbacks.Callback):
    """Reports in-epoch progress and honours a stop request between executions of steps."""

    def __init__(self, steps: int, on_progress, should_stop):
        super().__init__()
        self.steps, self.on_progress, self.should_stop = steps, on_progress, should_stop
        self.done = 0

    def on_train_batch_end(self, batch, logs=None):
        self.done = batch + 1
        if self.on_progress:
            self.on_progress(self.done / self.steps)
        if self.should_stop and self.should_stop():
            self.model.stop_training = True


class KerasEngine:
    """Trains a Keras Sequential one epoch per `train_epoch` call."""

    def __init__(self, config: RunConfig, n_inputs: int, n_classes: int, scale: float, offset: float):
        self.config, self.n_classes = config, n_classes
        self.model = build_model(config, n_inputs, n_classes, scale, offset)
        params_x_batch = self.model.count_params() * config.batch_size
        self.steps_per_execution = int(np.clip(5e9 // (6 * params_x_batch), 1, 32))
        self.model.compile(
            optimizer=optimizer(config), loss=loss(config), metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")],
            steps_per_execution=self.steps_per_execution,
        )
        self.epochs_done = 0

    @property
    def learning_rate(self) -> float:
        return float(self.model.optimizer.learning_rate.numpy())

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self.model.optimizer.learning_rate.assign(value)

    def train_epoch(self, x, y, val=None, on_progress: Callable[[float], None] | None = None,
                    should_stop: Callable[[], bool] | None = None) -> dict:
        """One epoch of model.fit; returns loss, accuracy, val_loss, val_accuracy, steps, stopped."""
        steps = -(-len(x) // self.config.batch_size)
        hooks = _Hooks(steps, on_progress, should_stop)
        validation = (val[0], self._onehot(val[1])) if val is not None and len(val[0]) else None
        hist = self.model.fit(
            x, self._onehot(y), batch_size=self.config.batch_size, epochs=self.epochs_done + 1,
            initial_epoch=self.epochs_done, validation_data=validation, callbacks=[hooks], verbose=0, shuffle=True,
        ).history
        self.epochs_done += 1
        last = {k: float(v[-1]) for k, v in hist.items()}
        return {"loss": last["loss"], "accuracy": last["accuracy"], "val_loss": last.get("val_loss"),
                "val_accuracy": last.get("val_accuracy"), "steps": hooks.done,
                "stopped": bool(self.model.stop_training)}

    def evaluate(self, x, y) -> tuple[float, float]:
        loss_value, acc = self.model.evaluate(x, self._onehot(y), batch_size=2048, verbose=0)
        return float(loss_value), float(acc)

    def predict(self, x) -> np.ndarray:
        return np.asarray(self.model.predict_on_batch(x))

    def get_weights(self) -> list[np.ndarray]:
        return self.model.get_weights()

    def set_weights(self, weights) -> None:
        self.model.set_weights(weights)

    def keras_model(self) -> keras.Model:
        return self.model

    def _onehot(self, y) -> np.ndarray:
        return np.eye(self.n_classes, dtype=np.float32)[y]
