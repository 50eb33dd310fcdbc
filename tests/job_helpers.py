"""Background trainings in tests: waiting for one, and a configuration that diverges."""

import time

from mlp.config import LayerSpec, RunConfig

DIVERGES = RunConfig(  # raw pixels, a linear network and SGD at 10: NaN within an epoch
    normalization="none",
    layers=(LayerSpec(16, "linear"),),
    output="linear",
    loss="mse",
    optimizer="sgd",
    learning_rate=10.0,
    epochs=3,
)


def wait(job, timeout: float = 120):
    """The job's snapshot once it is no longer active (or after `timeout` seconds)."""
    end = time.time() + timeout
    while job.snapshot().active and time.time() < end:
        time.sleep(0.05)
    return job.snapshot()
