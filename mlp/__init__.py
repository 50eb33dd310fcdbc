"""MLP Studio's library: datasets, run configs, two training engines, evaluation, run store.

It never imports streamlit, and imports TensorFlow only when a model is built or loaded.
"""

from .config import ConfigError, LayerSpec, RunConfig
from .presets import PRESETS, preset

__all__ = ["PRESETS", "ConfigError", "LayerSpec", "RunConfig", "preset"]
