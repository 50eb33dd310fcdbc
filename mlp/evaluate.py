"""Evaluation from predicted probabilities: accuracy, confusion matrix, per-class accuracy, mistakes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Evaluation:
    probabilities: np.ndarray  # (N, classes)
    labels: np.ndarray  # (N,)

    @property
    def predictions(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)

    @property
    def accuracy(self) -> float:
        return float((self.predictions == self.labels).mean())

    @property
    def loss(self) -> float:
        """Mean cross-entropy of the probabilities (clipped, so a confident mistake is finite)."""
        p = self.probabilities[np.arange(len(self.labels)), self.labels]
        return float(-np.log(np.clip(p, 1e-7, 1.0)).mean())

    def confusion(self) -> np.ndarray:
        """counts[true, predicted]."""
        n = self.probabilities.shape[1]
        return np.bincount(self.labels * n + self.predictions, minlength=n * n).reshape(n, n)

    def per_class_accuracy(self) -> np.ndarray:
        """Recall per true class (NaN for a class with no examples)."""
        cm = self.confusion()
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.diag(cm) / cm.sum(axis=1)

    def confident_mistakes(self, k: int = 10) -> np.ndarray:
        """Indices of the k wrong predictions with the highest predicted probability, most confident first."""
        wrong = np.flatnonzero(self.predictions != self.labels)
        confidence = self.probabilities[wrong].max(axis=1)
        return wrong[np.argsort(-confidence, kind="stable")[:k]]


def evaluate(model, x: np.ndarray, y: np.ndarray, batch_size: int = 4096) -> Evaluation:
    """Run a Keras model (raw-pixel input) over x in large batches with direct calls."""
    parts = [np.asarray(model(x[i : i + batch_size], training=False)) for i in range(0, len(x), batch_size)]
    return Evaluation(np.concatenate(parts) if parts else np.zeros((0, 0)), np.asarray(y))
