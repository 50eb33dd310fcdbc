"""Training engines. Both are an `Engine` (base.py); TensorFlow is imported only when an engine is
created, so importing `mlp` stays light."""

from __future__ import annotations

import threading

from ..config import RunConfig
from .base import Engine, EpochResult

__all__ = ["Engine", "EpochResult", "import_tensorflow", "make_engine"]

_IMPORT_LOCK = threading.Lock()


def import_tensorflow() -> None:
    """Import TensorFlow (through Keras) from one thread at a time.

    A first import of TensorFlow running in two threads at once fails inside TensorFlow (a module
    deadlock or "Registering two gradient with name ..."), e.g. two trainings starting together on
    a fresh server, or one starting while a warm-up thread imports it. Import it through here."""
    with _IMPORT_LOCK:
        import keras  # noqa: F401  (imports TensorFlow)


def make_engine(
    config: RunConfig, n_inputs: int, n_classes: int, scale: float, offset: float, n_train: int | None = None
) -> Engine:
    """The engine named by config.engine, with freshly initialized weights; n_train (rows per epoch) lets it
    report progress about every tenth of an epoch."""
    import_tensorflow()
    if config.engine == "scratch":
        from .scratch import ScratchMLP

        return ScratchMLP(config, n_inputs, n_classes, scale, offset)
    from .keras import KerasEngine

    return KerasEngine(config, n_inputs, n_classes, scale, offset, n_train=n_train)
