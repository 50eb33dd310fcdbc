"""What an engine is: the interface Training relies on and the result of one training epoch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class EpochResult:
    """What one `train_epoch` measured; Training turns it into an EpochLog."""

    loss: float
    accuracy: float
    val_loss: float | None  # None without a held-out set
    val_accuracy: float | None
    steps: int  # training steps done: fewer than an epoch's when stopped
    stopped: bool  # a stop request ended the epoch early


@dataclass(frozen=True)
class EpochProgress:
    """Part of an epoch done, with the running means of its training batches so far (for live curves)."""

    fraction: float
    loss: float
    accuracy: float


@runtime_checkable
class Engine(Protocol):
    """A model being trained: KerasEngine (model.fit) and ScratchMLP (written out) both are one."""

    traces: int  # tf.function traces this engine caused (the tests and benchmarks watch for retracing)

    @property
    def learning_rate(self) -> float: ...

    @learning_rate.setter
    def learning_rate(self, value: float) -> None: ...

    def train_epoch(
        self,
        x: np.ndarray,
        y: np.ndarray,
        val: tuple[np.ndarray, np.ndarray] | None = None,
        on_progress: Callable[[EpochProgress], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> EpochResult:
        """One shuffled epoch over (x, y), then a measurement on `val`; reports progress about every tenth of
        the epoch or more often, and honours `should_stop` at those moments."""
        ...

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """(loss, accuracy) on raw-pixel rows and their labels."""
        ...

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities (the output layer's values) for raw-pixel rows."""
        ...

    def get_weights(self) -> list[np.ndarray]: ...

    def set_weights(self, weights: list[np.ndarray]) -> None: ...

    def export_state(self) -> list[np.ndarray]:
        """Everything training goes on from, as arrays (Training.release keeps them in a Checkpoint)."""
        ...

    def import_state(self, state: list[np.ndarray]) -> None:
        """The inverse of export_state, into a freshly made engine of the same config."""
        ...

    def keras_model(self):
        """A keras.Model carrying the current weights (for saving, evaluation and the Draw page)."""
        ...
