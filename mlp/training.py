"""The engine-agnostic training loop: epochs, events, stop requests, NaN guard, timing."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from .config import RunConfig
from .data import Dataset, normalization, split_validation
from .engines import make_engine

DIVERGED_HINT = (
    "Try a learning rate 10x smaller, or normalize the pixels (÷255 or z-score) if they are raw 0-255 values."
)


@dataclass
class EpochLog:
    """What one epoch produced; the dashboard plots these and the run store appends them."""

    epoch: int
    loss: float
    accuracy: float
    val_loss: float | None
    val_accuracy: float | None
    seconds: float
    samples_per_sec: float
    learning_rate: float

    def to_dict(self) -> dict:
        return asdict(self)


class Training:
    """One run: a config, its data and an engine. `run()` trains all epochs, `epoch()` just one.

    status: "ready" -> "running" -> "completed" | "stopped" | "diverged".
    Callbacks run in the training thread: on_epoch(EpochLog), on_progress(fraction, samples/s).
    """

    def __init__(
        self,
        config: RunConfig,
        data: Dataset,
        *,
        on_epoch: Callable[[EpochLog], None] | None = None,
        on_progress: Callable[[float, float], None] | None = None,
        stop_event: threading.Event | None = None,
    ):
        self.config = config.validated(train_size=len(data.x_train))
        self.data = data
        self.x_train, self.y_train, self.x_val, self.y_val = split_validation(
            data.x_train, data.y_train, config.validation_fraction, config.seed
        )
        self.heldout = "validation"  # what the val_* figures are measured on
        if not len(self.x_val):  # no split: follow the Keras tutorials and watch the test set
            self.x_val, self.y_val, self.heldout = data.x_test, data.y_test, "test"
        scale, offset = normalization(config.normalization, self.x_train)
        self.engine = make_engine(config, data.n_features, data.n_classes, scale, offset)
        self.on_epoch, self.on_progress = on_epoch, on_progress
        self.stop_event = stop_event or threading.Event()
        self.history: list[EpochLog] = []
        self.status, self.message = "ready", ""
        self._last_good = self.engine.get_weights()
        self._pending_lr: float | None = None
        self.lr_changes: list[int] = []  # epochs after which the learning rate was changed

    @property
    def finished(self) -> bool:
        return self.status in ("completed", "stopped", "diverged") or len(self.history) >= self.config.epochs

    def run(self, epochs: int | None = None) -> Training:
        """Train until `epochs` (default: the config's) are done, a stop is requested, or the loss diverges."""
        while len(self.history) < (epochs or self.config.epochs) and self.status not in ("stopped", "diverged"):
            self.epoch()
        if self.status == "running":
            self.status = "completed"
        return self

    def epoch(self) -> EpochLog | None:
        """Train exactly one more epoch (the dashboard's Step button); None if it diverged or stopped at once."""
        if self.stop_event.is_set():
            self.status = "stopped"
            return None
        self.status = "running"
        lr, self._pending_lr = self._pending_lr, None
        if lr is not None:
            self.engine.learning_rate = lr
            self.lr_changes.append(len(self.history))
        start = time.perf_counter()
        n = len(self.x_train)

        def progress(fraction: float) -> None:
            if self.on_progress:
                elapsed = time.perf_counter() - start
                self.on_progress(fraction, fraction * n / elapsed if elapsed > 0 else 0.0)

        result = self.engine.train_epoch(
            self.x_train, self.y_train, (self.x_val, self.y_val), progress, self.stop_event.is_set
        )
        seconds = time.perf_counter() - start
        number = len(self.history) + 1
        if not all(math.isfinite(v) for v in (result["loss"], result["val_loss"] or 0.0)):
            self.engine.set_weights(self._last_good)
            self.status = "diverged"
            self.message = (
                f"The loss became NaN or infinite in epoch {number}; the weights from the last "
                f"finite epoch were kept. {DIVERGED_HINT}"
            )
            return None
        self._last_good = self.engine.get_weights()
        log = EpochLog(
            number,
            result["loss"],
            result["accuracy"],
            result["val_loss"],
            result["val_accuracy"],
            seconds,
            result["steps"] * self.config.batch_size / seconds if seconds else 0.0,
            self.engine.learning_rate,
        )
        self.history.append(log)
        if result["stopped"]:
            self.status, self.message = "stopped", f"Stopped during epoch {number}; its weights were kept."
        if self.on_epoch:
            self.on_epoch(log)
        return log

    def set_learning_rate(self, value: float) -> None:
        """Change the learning rate from the next epoch on (a live tweak, safe from another thread)."""
        RunConfig.validated(self.config.replace(learning_rate=value))
        self._pending_lr = value

    def evaluate_test(self) -> tuple[float, float]:
        """(loss, accuracy) on the test set."""
        return self.engine.evaluate(self.data.x_test, self.data.y_test)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities for raw-pixel rows."""
        return self.engine.predict(x)
