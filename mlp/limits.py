"""The server's limits: what one upload, one network and one training may cost.

One shared server holds a whole class, so every limit is checked *before* memory is allocated
(file headers, parameter counts), and every refusal names the limit and its environment variable.
Each value is read from the environment when it is used, so a teacher can change it per server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    env: str
    default: float
    unit: str  # how the value reads in a message: "MB", "seconds", "" ...

    @property
    def value(self) -> float:
        """The environment's value if it is a positive number, else the default."""
        try:
            value = float(os.environ.get(self.env, ""))
        except ValueError:
            return self.default
        return value if value > 0 else self.default

    def describe(self) -> str:
        value = self.value
        shown = f"{value:,.0f}" if value == int(value) else f"{value:g}"
        return f"{shown}{' ' + self.unit if self.unit else ''} ({self.env})"


UPLOAD_MB = Limit("MLP_MAX_UPLOAD_MB", 20, "MB")  # the file as sent (Streamlit's maxUploadSize matches)
DATA_MB = Limit("MLP_MAX_DATA_MB", 512, "MB")  # a dataset's arrays once decompressed
FEATURES = Limit("MLP_MAX_FEATURES", 4096, "features")  # 64 x 64 pixels
CSV_CELLS = Limit("MLP_MAX_CSV_CELLS", 20_000_000, "values")  # rows x columns of an uploaded CSV
PARAMETERS = Limit("MLP_MAX_PARAMETERS", 10_000_000, "parameters")  # two hidden layers of 2,048 fit
TRAINING_MB = Limit("MLP_MAX_TRAINING_MB", 2048, "MB")  # one training's estimated working memory
TRAINING_SECONDS = Limit("MLP_MAX_TRAINING_SECONDS", 600, "seconds")  # one stretch of training
IMAGE_PIXELS = Limit("MLP_MAX_IMAGE_PIXELS", 16_000_000, "pixels")  # a drawing or photo to classify
SWEEP_SLOTS = Limit("MLP_SWEEP_SLOTS", 1, "trainings")  # one sweep's trials at once, so the class keeps its turn
SWEEP_SECONDS = Limit("MLP_MAX_SWEEP_SECONDS", 3600, "seconds")  # the longest time cap a sweep may ask for
KEEP_JOBS = Limit("MLP_KEEP_JOBS", 100, "")  # finished trainings held in memory for reattaching
JOB_HOURS = Limit("MLP_JOB_HOURS", 4, "hours")  # ... and for how long


def mb(n_bytes: float) -> str:
    return f"{n_bytes / 1e6:,.0f} MB" if n_bytes >= 1e6 else f"{n_bytes / 1e3:,.0f} kB"
