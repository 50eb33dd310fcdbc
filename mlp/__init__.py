"""MLP Studio's library: datasets, run configs, two training engines, evaluation, run store.

It imports streamlit only in `compat.keep_keras_state` (for app.py), and TensorFlow only when a model
is built or loaded.
"""

from .config import ConfigError, LayerSpec, RunConfig
from .presets import PRESETS, preset

__all__ = ["PRESETS", "ConfigError", "LayerSpec", "RunConfig", "preset"]
