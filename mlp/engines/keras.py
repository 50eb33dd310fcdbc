"""The Keras engine: a `keras.Sequential` built from a RunConfig and trained with `model.fit`."""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from .. import compat
from ..config import RunConfig
from ..mathutil import ceil_div
from .base import EpochProgress, EpochResult

INITIALIZERS = {"glorot": keras.initializers.GlorotUniform, "he": keras.initializers.HeNormal}


def initializer(name: str, seed: int, std: float):
    """Keras initializer for a config name; 'normal' is N(0, std²): std 1 as in the from-scratch tutorials
    that call tf.random.normal, 0.05 as tf.initializers.RandomNormal() by default."""
    if name == "zeros":
        return keras.initializers.Zeros()
    if name == "normal":
        return keras.initializers.RandomNormal(0.0, std, seed=seed)
    return INITIALIZERS[name](seed=seed)


def build_model(config: RunConfig, n_inputs: int, n_classes: int, scale: float, offset: float) -> keras.Sequential:
    """Input(n_inputs) -> Rescaling (the normalization) -> hidden Dense layers -> output Dense."""
    reg = keras.regularizers.L2(config.l2) if config.l2 else None
    layers: list = [keras.Input((n_inputs,)), keras.layers.Rescaling(scale, offset, name="normalize")]
    units = [(spec.units, spec.activation) for spec in config.layers] + [(n_classes, config.output)]
    for i, (width, activation) in enumerate(units):
        is_output = i == len(config.layers)
        layers.append(
            keras.layers.Dense(
                width,
                activation=activation,
                name="output" if is_output else f"hidden_{i + 1}",
                kernel_initializer=initializer(config.initializer, config.seed + 2 * i, config.init_std),
                bias_initializer=initializer(config.bias_initializer, config.seed + 2 * i + 1, config.init_std),
                kernel_regularizer=reg,
            )
        )
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
        self.done = min(batch + 1, self.steps)  # with steps_per_execution the last index may run past the end
        if self.on_progress:  # logs hold the running means of the epoch's batches so far
            logs = logs or {}
            loss, accuracy = (float(np.asarray(logs.get(k, np.nan))) for k in ("loss", "accuracy"))
            self.on_progress(EpochProgress(self.done / self.steps, loss, accuracy))
        if self.should_stop and self.should_stop():
            self.model.stop_training = True


class KerasEngine:
    """Trains a Keras Sequential one epoch per `train_epoch` call (one `model.fit` epoch).

    The data go to fit as tensors made once per data set, shuffled each epoch (seeded by the run's
    seed and the epoch) and cut into ready-made batches; `steps_per_execution` runs many steps per
    compiled call, the held-out set is measured in large batches, and Adam / SGD apply their
    updates with fused kernels (`compat.fuse_keras_updates`; `fused_updates=False` keeps stock Keras).
    """

    HELDOUT_BATCH = 4096  # rows per step when measuring the held-out set

    def __init__(
        self,
        config: RunConfig,
        n_inputs: int,
        n_classes: int,
        scale: float,
        offset: float,
        fused_updates: bool = True,
        n_train: int | None = None,
    ):
        self.config, self.n_classes = config, n_classes
        self.model = build_model(config, n_inputs, n_classes, scale, offset)
        params_x_batch = self.model.count_params() * config.batch_size
        # many steps per compiled call (fast), but a progress report (a live point) every tenth of an epoch
        tenth = ceil_div(ceil_div(n_train, config.batch_size), 10) if n_train else 32
        self.steps_per_execution = int(np.clip(5e9 // (6 * params_x_batch), 1, min(32, tenth)))
        opt = optimizer(config)
        compat.skip_single_replica_all_reduce(opt)
        self.fused_updates = fused_updates and compat.fuse_keras_updates(opt, self.model.trainable_variables)
        self.model.compile(
            optimizer=opt,
            loss=loss(config),
            metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")],
            steps_per_execution=self.steps_per_execution,
        )
        self.epochs_done = 0
        self.traces = 0  # tf.function traces of the train/test/predict steps (none after the first epoch)
        compat.count_traces(self.model, self._count_trace)
        self._train: tuple | None = None  # (x, y, x tensor, one-hot y tensor) of the last training set
        self._heldout: list[tuple] = []  # [(x, y, dataset)] for the last two held-out sets

    @property
    def learning_rate(self) -> float:
        return float(self.model.optimizer.learning_rate.numpy())

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self.model.optimizer.learning_rate.assign(value)

    def train_epoch(
        self,
        x,
        y,
        val=None,
        on_progress: Callable[[EpochProgress], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> EpochResult:
        """One epoch of model.fit."""
        steps = ceil_div(len(x), self.config.batch_size)
        hooks = _Hooks(steps, on_progress, should_stop)
        validation = self._heldout_dataset(*val) if val is not None and len(val[0]) else None
        hist = self.model.fit(
            self._epoch_batches(x, y),
            epochs=self.epochs_done + 1,
            initial_epoch=self.epochs_done,
            validation_data=validation,
            callbacks=[hooks],
            verbose=0,
            shuffle=False,
        ).history
        self.epochs_done += 1
        last = {k: float(v[-1]) for k, v in hist.items()}
        return EpochResult(
            loss=last["loss"],
            accuracy=last["accuracy"],
            val_loss=last.get("val_loss"),
            val_accuracy=last.get("val_accuracy"),
            steps=hooks.done,
            stopped=bool(self.model.stop_training),
        )

    def evaluate(self, x, y) -> tuple[float, float]:
        loss_value, acc = self.model.evaluate(self._heldout_dataset(x, y), verbose=0)
        return float(loss_value), float(acc)

    def predict(self, x) -> np.ndarray:
        return np.asarray(self.model.predict_on_batch(x))

    def get_weights(self) -> list[np.ndarray]:
        return self.model.get_weights()

    def set_weights(self, weights) -> None:
        self.model.set_weights(weights)

    def keras_model(self) -> keras.Model:
        return self.model

    def export_state(self) -> list[np.ndarray]:
        """Everything training goes on from, as arrays: epochs done, weights, optimizer variables."""
        opt = self.model.optimizer
        return [np.asarray(self.epochs_done), *self.model.get_weights(), *(np.asarray(v) for v in opt.variables)]

    def import_state(self, state: list[np.ndarray]) -> None:
        """The inverse of export_state, into this freshly built engine of the same config."""
        n_weights = len(self.model.weights)
        self.epochs_done = int(state[0])
        self.model.set_weights(state[1 : 1 + n_weights])
        opt = self.model.optimizer
        if not opt.built:
            opt.build(self.model.trainable_variables)
        for variable, value in zip(opt.variables, state[1 + n_weights :], strict=True):
            variable.assign(value)

    # --- data -------------------------------------------------------------------------------------
    def _onehot(self, y) -> np.ndarray:
        return np.eye(self.n_classes, dtype=np.float32)[y]

    def _epoch_batches(self, x, y) -> tf.data.Dataset:
        """This epoch's batches: the rows shuffled (seeded by the run's seed and the epoch) in one
        gather, then handed out as ready-made batches (no per-step work in the input pipeline)."""
        if self._train is None or self._train[0] is not x or self._train[1] is not y:
            self._train = (x, y, tf.constant(x), tf.constant(self._onehot(y)))
        xt, yt, batch = self._train[2], self._train[3], self.config.batch_size
        order = np.random.default_rng([self.config.seed, self.epochs_done]).permutation(len(x)).astype(np.int32)
        xs, ys = tf.gather(xt, order), tf.gather(yt, order)
        full = len(x) // batch * batch
        batches = tf.data.Dataset.from_tensor_slices(
            (tf.reshape(xs[:full], (-1, batch, xs.shape[1])), tf.reshape(ys[:full], (-1, batch, ys.shape[1])))
        )
        if full < len(x):  # the last, smaller batch
            batches = batches.concatenate(tf.data.Dataset.from_tensors((xs[full:], ys[full:])))
        return batches.prefetch(2)

    def _heldout_dataset(self, x, y) -> tf.data.Dataset:
        """Large in-order batches for measuring (the numbers do not depend on the batch size)."""
        for xs, ys, dataset in self._heldout:
            if xs is x and ys is y:
                return dataset
        xt, yt, size = tf.constant(x), tf.constant(self._onehot(y)), self.HELDOUT_BATCH
        dataset = tf.data.Dataset.range(ceil_div(len(x), size)).map(
            lambda i: (xt[i * size : (i + 1) * size], yt[i * size : (i + 1) * size])
        )
        self._heldout = [*self._heldout[-1:], (x, y, dataset)]
        return dataset

    def _count_trace(self) -> None:
        self.traces += 1
