"""Training engines. Both expose the same small interface (see KerasEngine); TensorFlow is
imported only when an engine is created, so importing `mlp` stays light."""
from __future__ import annotations

from ..config import RunConfig


def make_engine(config: RunConfig, n_inputs: int, n_classes: int, scale: float, offset: float):
    """The engine named by config.engine, with freshly initialized weights."""
    if config.engine == "scratch":
        from .scratch import ScratchMLP

        return ScratchMLP(config, n_inputs, n_classes, scale, offset)
    from .keras import KerasEngine

    return KerasEngine(config, n_inputs, n_classes, scale, offset)
