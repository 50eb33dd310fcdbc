"""Loading model files someone else made: a run's, an upload, the bundled one.

Keras safe mode refuses files that carry code (Lambda layers), and the shape checks turn a model built
for other data into a sentence instead of an error deep in the first prediction.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path


class ModelError(ValueError):
    """A model file cannot be used (not a Keras file, unsafe, or the wrong shape)."""


def load_model(path: str | os.PathLike, n_inputs: int | None = None, n_classes: int | None = None):
    """Load a .keras file with safe_mode=True; ModelError explains any refusal or shape mismatch."""
    from .engines import import_tensorflow

    import_tensorflow()
    import keras

    if not zipfile.is_zipfile(path):
        raise ModelError("not a Keras model file (a .keras file is a zip archive of the model's config and weights)")
    try:
        model = keras.saving.load_model(path, safe_mode=True)
    except Exception as exc:  # Keras raises many types for bad files; all mean "cannot use this"
        text = str(exc)
        if "Lambda" in text or "safe_mode" in text:
            raise ModelError(
                "this model contains custom code (e.g. a Lambda layer), refused by Keras safe mode"
            ) from None
        raise ModelError(
            f"not a readable Keras model file ({text.splitlines()[0][:200] if text else type(exc).__name__})"
        ) from None
    shape_in, shape_out = tuple(model.input_shape[1:]), tuple(model.output_shape[1:])
    if (n_inputs and shape_in not in ((n_inputs,), (28, 28))) or len(shape_in) not in (1, 2):
        raise ModelError(f"the model takes inputs of shape {shape_in}; expected ({n_inputs or 784},) or (28, 28)")
    if n_classes and shape_out != (n_classes,):
        raise ModelError(f"the model outputs {shape_out}; this dataset has {n_classes} classes")
    return model


def load_model_bytes(content: bytes, n_inputs: int | None = None, n_classes: int | None = None):
    """load_model for an uploaded file's bytes (written to a private temporary folder first)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        path.write_bytes(content)
        return load_model(path, n_inputs, n_classes)
