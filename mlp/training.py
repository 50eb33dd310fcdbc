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
from .engines.base import EpochProgress
from .states import FINISHED, RunState

UNTRAINED_ROWS = 10_000  # training rows measured for epoch 0 (enough for a steady first point)
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


@dataclass
class Checkpoint:
    """A paused training in plain arrays (weights, optimizer slots, counters): what Step needs to go on,
    without the engine, its compiled functions or any copy of the data."""

    state: list[np.ndarray]

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.state)


class Training:
    """One run: a config, its data and an engine. `run()` trains all epochs, `epoch()` just one.

    status (a RunState): READY -> RUNNING -> COMPLETED | STOPPED | DIVERGED.
    Callbacks run in the training thread: on_epoch(EpochLog), on_progress(EpochProgress, samples/s) about
    every tenth of an epoch. `pace_seconds` (settable while it runs) stretches each epoch to at least that
    long by waiting between chunks of steps, for a class to follow; the results do not change.
    `release()` shrinks a paused training to its history and a Checkpoint; the next epoch rebuilds the
    engine from it, so a server can keep many finished trainings that a Step may still continue.
    """

    def __init__(
        self,
        config: RunConfig,
        data: Dataset,
        *,
        on_epoch: Callable[[EpochLog], None] | None = None,
        on_progress: Callable[[EpochProgress, float], None] | None = None,
        stop_event: threading.Event | None = None,
    ):
        self.config = config.validated(len(data.x_train), data.n_features, data.n_classes)
        self.data = data
        self._split: tuple[np.ndarray, ...] | None = None
        self.heldout = "test" if self.x_val is data.x_test else "validation"  # what val_* figures measure
        self.scale, self.offset = normalization(config.normalization, self.x_train)
        self.engine = make_engine(config, data.n_features, data.n_classes, self.scale, self.offset, len(self.x_train))
        self.checkpoint: Checkpoint | None = None  # set while released
        self.on_epoch, self.on_progress = on_epoch, on_progress
        self.pace_seconds = 0.0  # the shortest an epoch may take (0: as fast as it goes)
        self.stop_event = stop_event or threading.Event()
        self.history: list[EpochLog] = []
        self.status: RunState = RunState.READY
        self.message = ""
        self.out_of_time = False  # the last stop came from the time budget, not from a person
        self.stop_reason = ""  # who asked for a stop, for its message: "by the teacher" (empty: the student)
        self._deadline: float | None = None
        self._target = self.config.epochs  # the epoch the current run() trains up to
        self._budget: float | None = None
        self._last_good = self.engine.get_weights()
        self._pending_lr: float | None = None
        self.lr_changes: list[int] = []  # epochs after which the learning rate was changed

    # --- the data, split lazily (a released training holds no copy) ------------------------------
    def _arrays(self) -> tuple[np.ndarray, ...]:
        """(x_train, y_train, x_val, y_val); with no validation split the test set is watched, as the
        Keras tutorials do."""
        if self._split is None:
            d, c = self.data, self.config
            x, y, x_val, y_val = split_validation(d.x_train, d.y_train, c.validation_fraction, c.seed)
            self._split = (x, y, x_val, y_val) if len(x_val) else (x, y, d.x_test, d.y_test)
        return self._split

    x_train = property(lambda self: self._arrays()[0])
    y_train = property(lambda self: self._arrays()[1])
    x_val = property(lambda self: self._arrays()[2])
    y_val = property(lambda self: self._arrays()[3])

    def release(self) -> Checkpoint:
        """Drop the engine (model, optimizer, compiled functions, data tensors) and the split copies,
        keeping a Checkpoint to go on from. Only for a paused training."""
        if self.status == RunState.RUNNING:
            raise RuntimeError("a running training cannot be released")
        if self.engine is not None:
            self.checkpoint = Checkpoint(self.engine.export_state())
            self.engine = None
        self._split, self._last_good = None, None
        return self.checkpoint

    def _ensure_engine(self):
        """The engine, rebuilt from the checkpoint after a release."""
        if self.engine is None:
            d = self.data
            self.engine = make_engine(
                self.config, d.n_features, d.n_classes, self.scale, self.offset, len(self.x_train)
            )
            self.engine.import_state(self.checkpoint.state)
            self.checkpoint = None
            self._last_good = self.engine.get_weights()
        return self.engine

    # --- training ----------------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.status in FINISHED or len(self.history) >= self.config.epochs

    def run(self, epochs: int | None = None, max_seconds: float | None = None) -> Training:
        """Train until `epochs` (default: the config's) are done, a stop is requested, the loss diverges, or
        `max_seconds` (a server's budget; None: no limit) have passed, checked between chunks of steps."""
        self._budget = max_seconds
        self._deadline = time.perf_counter() + max_seconds if max_seconds is not None else None
        self.out_of_time, self.message = False, ""  # a Step after a stop: the old stop no longer applies
        self._target = epochs or self.config.epochs
        while len(self.history) < self._target and self.status not in (RunState.STOPPED, RunState.DIVERGED):
            self.epoch()
        if self.status == RunState.RUNNING:
            self.status = RunState.COMPLETED
        return self

    def _should_stop(self) -> bool:
        self.out_of_time = self._deadline is not None and time.perf_counter() >= self._deadline
        return self.stop_event.is_set() or self.out_of_time

    def _stopped_message(self, epoch: int, during: bool) -> str:
        """One sentence: who stopped it (the student, the teacher, the time limit), where, and that the weights stay."""
        by = f"by the time limit of {self._budget:g} s per training" if self.out_of_time else self.stop_reason
        if during:
            where = f"during epoch {epoch} of {self._target}"
        else:
            where = f"after epoch {epoch} of {self._target}" if epoch else f"before epoch 1 of {self._target}"
        return f"Stopped{' ' + by if by else ''} {where}; the weights were kept."

    def epoch(self) -> EpochLog | None:
        """Train exactly one more epoch (the dashboard's Step button); None if it diverged or stopped at once."""
        if self._should_stop():
            self.status, self.message = RunState.STOPPED, self._stopped_message(len(self.history), during=False)
            return None
        engine = self._ensure_engine()
        self.status = RunState.RUNNING
        lr, self._pending_lr = self._pending_lr, None
        if lr is not None:
            engine.learning_rate = lr
            self.lr_changes.append(len(self.history))
        start = time.perf_counter()
        n = len(self.x_train)

        def progress(p: EpochProgress) -> None:
            ahead = p.fraction * self.pace_seconds - (time.perf_counter() - start)
            if ahead > 0:
                self.stop_event.wait(ahead)  # a Stop ends the wait at once
            if self.on_progress:
                elapsed = time.perf_counter() - start
                self.on_progress(p, p.fraction * n / elapsed if elapsed > 0 else 0.0)

        result = engine.train_epoch(self.x_train, self.y_train, (self.x_val, self.y_val), progress, self._should_stop)
        seconds = time.perf_counter() - start
        number = len(self.history) + 1
        if not all(math.isfinite(v) for v in (result.loss, result.val_loss or 0.0)):
            engine.set_weights(self._last_good)
            self.status = RunState.DIVERGED
            self.message = (
                f"The loss became NaN or infinite in epoch {number}; the weights from the last "
                f"finite epoch were kept. {DIVERGED_HINT}"
            )
            return None
        self._last_good = engine.get_weights()
        log = EpochLog(
            number,
            result.loss,
            result.accuracy,
            result.val_loss,
            result.val_accuracy,
            seconds,
            result.steps * self.config.batch_size / seconds if seconds else 0.0,
            engine.learning_rate,
        )
        self.history.append(log)
        if result.stopped:
            self.status, self.message = RunState.STOPPED, self._stopped_message(number, during=True)
        if self.on_epoch:
            self.on_epoch(log)
        return log

    def measure_untrained(self) -> EpochLog:
        """Epoch 0: the untrained network measured like an epoch's end (training loss and accuracy on the
        first UNTRAINED_ROWS training rows), so curves and grid start where learning starts. Measuring
        changes no weight and draws no random number: the training that follows is the same."""
        engine = self._ensure_engine()
        loss, accuracy = engine.evaluate(self.x_train[:UNTRAINED_ROWS], self.y_train[:UNTRAINED_ROWS])
        val_loss, val_accuracy = engine.evaluate(self.x_val, self.y_val)
        return EpochLog(0, loss, accuracy, val_loss, val_accuracy, 0.0, 0.0, engine.learning_rate)

    def set_learning_rate(self, value: float) -> None:
        """Change the learning rate from the next epoch on (a live tweak, safe from another thread)."""
        d = self.data
        RunConfig.validated(self.config.replace(learning_rate=value), len(d.x_train), d.n_features, d.n_classes)
        self._pending_lr = value

    def evaluate_test(self) -> tuple[float, float]:
        """(loss, accuracy) on the test set."""
        return self._ensure_engine().evaluate(self.data.x_test, self.data.y_test)

    def keras_model(self):
        """The network as a Keras model taking raw pixels (for saving, evaluating and the Draw page)."""
        return self._ensure_engine().keras_model()

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities for raw-pixel rows."""
        return self._ensure_engine().predict(x)
