"""The from-scratch engine: the same MLP written out by hand.

Weights and biases are `tf.Variable`s, the forward pass is explicit matmuls, the loss is written
out, `tf.GradientTape` gives the gradients and each optimizer's update rule is a few lines of
`assign_sub` (`apply_gradients`, the reference). The only help from TensorFlow is automatic
differentiation and `tf.function`, which compiles a whole chunk of training steps (shuffled
indices sliced in the graph) into one call.

Two things make it fast without changing what it computes:
- training runs the same rules through TensorFlow's fused update kernels
  (`apply_gradients_fused`: one op per tensor instead of about ten); tests check that both paths
  give the same weights on the same batches;
- the compiled chunk is traced once per network shape and shared by every run of that shape
  (the variables are passed in as arguments), so a second run does not trace again.

Reading order: `Network` is the math on a set of `Variables`; `ScratchMLP` is the engine (it makes
the variables and runs epochs); `_Programs` holds the compiled functions of one shape.
"""

from __future__ import annotations

import functools
import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import tensorflow as tf

from ..config import RunConfig
from ..mathutil import ceil_div
from .base import EpochProgress, EpochResult

ACTIVATIONS = {"relu": tf.nn.relu, "sigmoid": tf.sigmoid, "tanh": tf.tanh, "linear": tf.identity}
CHUNK_SECONDS = 0.25  # compute per compiled call: a stop request is honoured within about this
EVAL_ROWS = 16384  # rows per compiled evaluation call
# the optimizers' constants (Keras's defaults, so both engines follow the same rules)
RHO = 0.9  # RMSprop: decay of the moving average of g^2
BETA_1, BETA_2 = 0.9, 0.999  # Adam: decays of the moving averages of g and g^2
EPSILON = 1e-7  # keeps the divisions by sqrt(v) finite


def init_weights(rng: tf.random.Generator, name: str, fan_in: int, fan_out: int, std: float) -> tf.Tensor:
    """A (fan_in, fan_out) weight matrix: glorot uniform, he normal, or N(0, std²)."""
    shape = (fan_in, fan_out)
    if name == "glorot":
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(shape, -limit, limit)
    if name == "he":
        return rng.truncated_normal(shape) * np.sqrt(2.0 / fan_in) / 0.87962566
    return rng.normal(shape, stddev=std)  # "normal"


class Variables(NamedTuple):
    """Everything training changes. Compiled calls receive these as arguments, not as captured
    state, so one traced graph serves every model of the same shape."""

    W: list[tf.Variable]  # weight matrices, one per layer
    b: list[tf.Variable]  # bias vectors
    m: list[tf.Variable]  # per parameter: the velocity (momentum), Adam's 1st moment
    v: list[tf.Variable]  # per parameter: RMSprop's and Adam's moving average of g^2
    t: tf.Variable  # steps taken (Adam's bias correction, the dropout masks)
    lr: tf.Variable  # the learning rate (a variable: a live change does not retrace)
    seed: tf.Variable  # the run's seed, for the dropout masks


class Network:
    """The MLP written out: the math on a set of Variables (forward pass, loss, the optimizers'
    update rules, a training step). A plain object, so a compiled function can build one around
    the variables it receives."""

    def __init__(
        self, config: RunConfig, n_classes: int, scale: float, offset: float, variables: Variables, fused: bool = True
    ):
        self.config, self.n_classes, self.scale, self.offset = config, n_classes, scale, offset
        self.activations = [ACTIVATIONS[spec.activation] for spec in config.layers]
        self.variables = variables
        self.W, self.b, self.m, self.v, self.t, self.lr, self.seed = variables
        self.params = [p for pair in zip(self.W, self.b) for p in pair]
        self.fused = fused  # compiled training uses apply_gradients_fused; False: the hand-written rules

    def logits(self, x: tf.Tensor, training: bool = False) -> tf.Tensor:
        h = tf.cast(x, tf.float32) * self.scale + self.offset  # normalization, e.g. pixels / 255
        for i, (W, b, act) in enumerate(zip(self.W, self.b, self.activations)):
            h = act(h @ W + b)
            if training and self.config.dropout:  # a fresh mask every step, seeded by (run seed, step, layer)
                seed = tf.stack([self.seed, tf.cast(self.t, tf.int64) * len(self.W) + i])
                keep = tf.random.stateless_uniform(tf.shape(h), seed) >= self.config.dropout
                h = tf.where(keep, h / (1.0 - self.config.dropout), 0.0)
        return h @ self.W[-1] + self.b[-1]

    def output(self, logits: tf.Tensor) -> tf.Tensor:
        if self.config.output == "softmax":
            return tf.nn.softmax(logits)
        return tf.sigmoid(logits) if self.config.output == "sigmoid" else logits

    def loss(self, logits: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        """Cross-entropy -sum(onehot * log softmax) or MSE mean((out - onehot)^2), per sample, reduced."""
        onehot = tf.one_hot(y, self.n_classes)
        if self.config.loss == "crossentropy":
            log_probs = logits - tf.reduce_logsumexp(logits, axis=1, keepdims=True)
            per_sample = -tf.reduce_sum(onehot * log_probs, axis=1)
        else:
            per_sample = tf.reduce_mean(tf.square(self.output(logits) - onehot), axis=1)
        total = tf.reduce_sum(per_sample) if self.config.reduction == "sum" else tf.reduce_mean(per_sample)
        if self.config.l2:
            total += self.config.l2 * tf.add_n([tf.reduce_sum(tf.square(W)) for W in self.W])
        return total

    # --- the optimizers, written out ---------------------------------------------------------------
    def apply_gradients(self, grads: list[tf.Tensor]) -> None:
        lr, opt = self.lr, self.config.optimizer
        self.t.assign_add(1.0)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            if opt == "sgd":  # w <- w - lr * g
                p.assign_sub(lr * g)
            elif opt == "momentum":  # velocity m <- mu * m - lr * g;  w <- w + m
                m.assign(self.config.momentum * m - lr * g)
                p.assign_add(m)
            elif opt == "rmsprop":  # v <- rho * v + (1 - rho) g^2;  w <- w - lr * g / sqrt(v)
                v.assign(RHO * v + (1 - RHO) * tf.square(g))
                p.assign_sub(lr * g / tf.sqrt(v + EPSILON))
            else:  # adam: moving averages of g and g^2; bias correction folded into the step size
                m.assign(BETA_1 * m + (1 - BETA_1) * g)
                v.assign(BETA_2 * v + (1 - BETA_2) * tf.square(g))
                step_size = lr * tf.sqrt(1.0 - BETA_2**self.t) / (1.0 - BETA_1**self.t)
                p.assign_sub(step_size * m / (tf.sqrt(v) + EPSILON))

    def apply_gradients_fused(self, grads: list[tf.Tensor]) -> None:
        """The same rules as `apply_gradients`, each done by one fused TensorFlow kernel per tensor."""
        lr, opt, raw = self.lr, self.config.optimizer, tf.raw_ops
        self.t.assign_add(1.0)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            if opt == "sgd":  # w -= lr * g
                raw.ResourceApplyGradientDescent(var=p.handle, alpha=lr, delta=g)
            elif opt == "momentum":  # m = mu * m - lr * g;  w += m
                raw.ResourceApplyKerasMomentum(
                    var=p.handle, accum=m.handle, lr=lr, grad=g, momentum=self.config.momentum
                )
            elif opt == "rmsprop":  # v = rho v + (1 - rho) g^2;  step m = lr * g / sqrt(v + eps);  w -= m
                raw.ResourceApplyRMSProp(
                    var=p.handle, ms=v.handle, mom=m.handle, lr=lr, rho=RHO, momentum=0.0, epsilon=EPSILON, grad=g
                )
            else:  # adam, with the bias corrections computed from beta_1^t and beta_2^t
                raw.ResourceApplyAdam(
                    var=p.handle,
                    m=m.handle,
                    v=v.handle,
                    beta1_power=BETA_1**self.t,
                    beta2_power=BETA_2**self.t,
                    lr=lr,
                    beta1=BETA_1,
                    beta2=BETA_2,
                    epsilon=EPSILON,
                    grad=g,
                )

    def train_step(self, x: tf.Tensor, y: tf.Tensor, fused: bool = False) -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            logits = self.logits(x, training=True)
            loss = self.loss(logits, y)
        grads = tape.gradient(loss, self.params)
        if fused:
            self.apply_gradients_fused(grads)
        else:
            self.apply_gradients(grads)
        correct = tf.reduce_sum(tf.cast(tf.argmax(logits, 1, output_type=tf.int32) == y, tf.float32))
        return loss, correct

    def train_chunk(self, x, y, order, first_step, n_steps):
        """Steps first_step .. first_step + n_steps of an epoch; returns (sum of losses, correct, seen)."""
        batch = self.config.batch_size
        loss_sum, correct_sum, seen = 0.0, 0.0, 0
        for step in tf.range(first_step, first_step + n_steps):
            idx = order[step * batch : (step + 1) * batch]
            loss, correct = self.train_step(tf.gather(x, idx), tf.gather(y, idx), fused=self.fused)
            n = tf.shape(idx)[0]
            per_sample = loss if self.config.reduction == "sum" else loss * tf.cast(n, tf.float32)
            loss_sum += per_sample
            correct_sum += correct
            seen += n
        return loss_sum, correct_sum, seen

    def measure(self, x, y):
        """(summed loss, number correct) on a batch of rows."""
        logits = self.logits(x)
        loss = self.loss(logits, y) * (1.0 if self.config.reduction == "sum" else tf.cast(tf.shape(y)[0], tf.float32))
        correct = tf.reduce_sum(tf.cast(tf.argmax(logits, 1, output_type=tf.int32) == y, tf.float32))
        return loss, correct


class ScratchMLP(Network):
    """The engine: a Network with freshly initialized variables, trained in compiled chunks."""

    def __init__(self, config: RunConfig, n_inputs: int, n_classes: int, scale: float, offset: float):
        rng = tf.random.Generator.from_seed(config.seed)
        W, b = [], []
        for fan_in, fan_out in itertools.pairwise(config.layer_sizes(n_inputs, n_classes)):
            W.append(tf.Variable(init_weights(rng, config.initializer, fan_in, fan_out, config.init_std)))
            normal = config.bias_initializer == "normal"
            b.append(tf.Variable(rng.normal((fan_out,), stddev=config.init_std) if normal else tf.zeros(fan_out)))
        params = [p for pair in zip(W, b) for p in pair]
        variables = Variables(
            W,
            b,
            m=[tf.Variable(tf.zeros_like(p), trainable=False) for p in params],
            v=[tf.Variable(tf.zeros_like(p), trainable=False) for p in params],
            t=tf.Variable(0.0, trainable=False),
            lr=tf.Variable(config.learning_rate, dtype=tf.float32, trainable=False),
            seed=tf.Variable(config.seed, dtype=tf.int64, trainable=False),
        )
        super().__init__(config, n_classes, float(scale), float(offset), variables)
        self.steps_per_call = 16
        self.traces = 0  # tf.function traces this model's calls caused (0 for a repeat of a known shape)
        self._data: tuple | None = None  # (x, y, x tensor, y tensor) of the last training set

    # --- the engine interface ----------------------------------------------------------------------
    @property
    def learning_rate(self) -> float:
        return float(self.lr.numpy())

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self.lr.assign(value)

    def train_epoch(
        self,
        x,
        y,
        val=None,
        on_progress: Callable[[EpochProgress], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> EpochResult:
        """One shuffled epoch in compiled chunks sized to ~CHUNK_SECONDS each."""
        x, y = self._tensors(x, y)
        steps = ceil_div(int(x.shape[0]), self.config.batch_size)
        order = tf.constant(
            np.random.default_rng([self.config.seed, int(self.t.numpy())]).permutation(int(x.shape[0])), tf.int32
        )
        done, loss_sum, correct_sum, seen, stopped = 0, 0.0, 0.0, 0, False
        tenth = ceil_div(steps, 10)  # report at least every tenth of an epoch: live curves at lesson pace
        while done < steps:
            n = min(self.steps_per_call, tenth, steps - done)
            start = time.perf_counter()
            chunk = self._call("train_chunk", self.variables, x, y, order, tf.constant(done), tf.constant(n))
            loss_c, correct_c, seen_c = (float(v) for v in chunk)
            elapsed = time.perf_counter() - start
            done += n
            loss_sum, correct_sum, seen = loss_sum + loss_c, correct_sum + correct_c, seen + int(seen_c)
            self.steps_per_call = int(np.clip(n * CHUNK_SECONDS / max(elapsed, 1e-4), 1, 4096))
            if on_progress:
                on_progress(EpochProgress(done / steps, loss_sum / max(seen, 1), correct_sum / max(seen, 1)))
            if not np.isfinite(loss_c) or (should_stop and should_stop() and done < steps):
                stopped = done < steps and np.isfinite(loss_c)
                break
        val_loss, val_accuracy = self.evaluate(*val) if val is not None and len(val[0]) else (None, None)
        return EpochResult(
            loss=loss_sum / max(seen, 1),
            accuracy=correct_sum / max(seen, 1),
            val_loss=val_loss,
            val_accuracy=val_accuracy,
            steps=done,
            stopped=bool(stopped),
        )

    def evaluate(self, x, y) -> tuple[float, float]:
        loss_sum, correct = 0.0, 0.0
        for i in range(0, len(x), EVAL_ROWS):
            xs, ys = tf.constant(x[i : i + EVAL_ROWS]), tf.constant(y[i : i + EVAL_ROWS], tf.int32)
            loss_c, correct_c = self._call("measure", self.variables, xs, ys)
            loss_sum, correct = loss_sum + float(loss_c), correct + float(correct_c)
        return loss_sum / len(x), correct / len(x)

    def predict(self, x) -> np.ndarray:
        return self.output(self.logits(tf.constant(x))).numpy()

    def get_weights(self) -> list[np.ndarray]:
        return [p.numpy() for p in self.params]

    def set_weights(self, weights) -> None:
        for p, w in zip(self.params, weights):
            p.assign(w)

    def export_state(self) -> list[np.ndarray]:
        """Everything training goes on from, as arrays: weights, optimizer slots, step count, lr, seed."""
        return [v.numpy() for v in self._all_variables()]

    def import_state(self, state: list[np.ndarray]) -> None:
        """The inverse of export_state, into this freshly built engine of the same config."""
        for variable, value in zip(self._all_variables(), state, strict=True):
            variable.assign(value)

    def _all_variables(self) -> list[tf.Variable]:
        return [*self.params, *self.m, *self.v, self.t, self.lr, self.seed]

    def keras_model(self):
        """An equivalent keras.Sequential carrying these weights (for saving and the Draw page)."""
        from .keras import build_model

        model = build_model(self.config, int(self.W[0].shape[0]), self.n_classes, self.scale, self.offset)
        model.set_weights(self.get_weights())
        return model

    # --- compiled functions, shared by every model of the same shape -----------------------------
    def _tensors(self, x, y) -> tuple[tf.Tensor, tf.Tensor]:
        """The training set as tensors, converted once (epochs after the first reuse them)."""
        if self._data is None or self._data[0] is not x or self._data[1] is not y:
            self._data = (x, y, tf.constant(x), tf.constant(y, tf.int32))
        return self._data[2], self._data[3]

    def _shape_key(self) -> tuple:
        """What the compiled graph depends on: the config without per-run fields, sizes, normalization."""
        neutral = self.config.replace(
            seed=0,
            learning_rate=1.0,
            epochs=1,
            initializer="glorot",
            bias_initializer="zeros",
            validation_fraction=0.0,
            dataset="-",
        )
        return (neutral, tuple(int(W.shape[0]) for W in self.W), self.n_classes, self.scale, self.offset, self.fused)

    def _call(self, name: str, *args):
        programs = _programs(self)
        before = programs.traces
        result = getattr(programs, name)(*args)
        self.traces += programs.traces - before
        return result


class _Programs:
    """The tf.functions for one network shape: each builds a Network around the variables it is
    passed and runs its math, so every model of this shape runs the same traced graph."""

    def __init__(self, model: ScratchMLP, key: tuple):
        # key[0] is the config with the per-run fields neutralized: the graph must not depend on them
        self.network = functools.partial(Network, key[0], model.n_classes, model.scale, model.offset, fused=model.fused)
        self.traces = 0
        self.train_chunk = tf.function(self._train_chunk, reduce_retracing=True)
        self.measure = tf.function(self._measure, reduce_retracing=True)

    def _train_chunk(self, variables: Variables, x, y, order, first_step, n_steps):
        self.traces += 1
        return self.network(variables).train_chunk(x, y, order, first_step, n_steps)

    def _measure(self, variables: Variables, x, y):
        self.traces += 1
        return self.network(variables).measure(x, y)


_PROGRAMS: OrderedDict[tuple, _Programs] = OrderedDict()
_PROGRAMS_KEPT = 8  # network shapes whose compiled functions are kept (least recently used dropped)
_PROGRAMS_LOCK = threading.Lock()


def _programs(model: ScratchMLP) -> _Programs:
    key = model._shape_key()
    with _PROGRAMS_LOCK:
        programs = _PROGRAMS.get(key)
        if programs is None:
            programs = _PROGRAMS[key] = _Programs(model, key)
            while len(_PROGRAMS) > _PROGRAMS_KEPT:
                _PROGRAMS.popitem(last=False)
        _PROGRAMS.move_to_end(key)
        return programs
