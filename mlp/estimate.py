"""How long will a training take on this server? Said before Train is pressed.

An epoch costs a fixed overhead per step (launching the step, small batches cannot use the cores) plus
the arithmetic: about 6 multiply-adds per parameter per sample (forward, backward, update). The two
constants were measured on this project's machine kind (2 cores); `SpeedModel.observe` then corrects
them with the epochs this server really trains, so the estimate follows the server it runs on.
"""

from __future__ import annotations

import threading

from .config import RunConfig
from .mathutil import ceil_div

# seconds per step, and seconds per (sample x parameter), per engine; measured with
# `python -m benchmarks.bench_estimate` on the 2-core machine kind (full MNIST)
STEP_SECONDS = {"keras": 4.8e-4, "scratch": 2.8e-4}
SAMPLE_PARAM_SECONDS = {"keras": 5.0e-11, "scratch": 4.2e-11}
START_SECONDS = {"keras": 1.5, "scratch": 1.0}  # building and compiling the model, once per training
HELDOUT_FRACTION = 0.05  # measuring the held-out set, relative to an epoch's arithmetic


class SpeedModel:
    """Predicts seconds per epoch; thread-safe, one per server (kept by the JobManager)."""

    def __init__(self) -> None:
        self._correction = dict.fromkeys(STEP_SECONDS, 1.0)
        self._lock = threading.Lock()

    def epoch_seconds(self, config: RunConfig, n_train: int, n_inputs: int = 784, n_classes: int = 10) -> float:
        with self._lock:
            correction = self._correction[config.engine]
        return correction * _raw_epoch_seconds(config, n_train, n_inputs, n_classes)

    def training_seconds(self, config: RunConfig, n_train: int, n_inputs: int = 784, n_classes: int = 10) -> float:
        """The whole training: start-up plus every epoch."""
        epochs = config.epochs * self.epoch_seconds(config, n_train, n_inputs, n_classes)
        return START_SECONDS[config.engine] + epochs

    def observe(self, config: RunConfig, n_train: int, n_inputs: int, n_classes: int, seconds: float) -> None:
        """Learn from one measured epoch (not a first one: it includes compiling)."""
        predicted = _raw_epoch_seconds(config, n_train, n_inputs, n_classes)
        if predicted <= 0 or seconds <= 0:
            return
        ratio = min(max(seconds / predicted, 0.1), 10.0)
        with self._lock:
            old = self._correction[config.engine]
            self._correction[config.engine] = 0.8 * old + 0.2 * ratio


def _raw_epoch_seconds(config: RunConfig, n_train: int, n_inputs: int, n_classes: int) -> float:
    n_fit = int(n_train * (1 - config.validation_fraction))
    steps = ceil_div(n_fit, config.batch_size)
    arithmetic = n_train * config.parameter_count(n_inputs, n_classes) * SAMPLE_PARAM_SECONDS[config.engine]
    return steps * STEP_SECONDS[config.engine] + arithmetic * (1 + HELDOUT_FRACTION)


def describe_seconds(seconds: float) -> str:
    """'about 40 s', 'about 3 min', 'about 2.5 h'."""
    if seconds < 90:
        return f"about {max(1, round(seconds))} s"
    if seconds < 5400:
        return f"about {round(seconds / 60)} min"
    return f"about {seconds / 3600:.1f} h"
