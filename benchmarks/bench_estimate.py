"""How good is the Train page's time estimate? Measures epochs of a spread of networks and batch sizes
(both engines), fits the two constants of `mlp.estimate` (seconds per step, seconds per sample x
parameter) by least squares, and reports each configuration's measured epoch against the shipped
estimate and the refitted one. Full MNIST when MLP_DATA_DIR is set. The last line is one JSON object.

    python -m benchmarks.bench_estimate [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from mlp import data
from mlp.config import LayerSpec, RunConfig
from mlp.estimate import HELDOUT_FRACTION, SAMPLE_PARAM_SECONDS, STEP_SECONDS, SpeedModel
from mlp.mathutil import ceil_div

SHAPES = [  # (hidden layers, batch size): from tiny and step-bound to wide and arithmetic-bound
    ((32,), 32),
    ((128, 128), 128),
    ((128, 128), 16),
    ((512, 512), 256),
    ((1024, 1024), 128),
    ((256,), 1024),
]


def measure(config: RunConfig, ds: data.Dataset) -> float:
    """Seconds of the second epoch (the first includes building and compiling)."""
    from mlp.training import Training

    training = Training(config.replace(epochs=2), ds)
    training.run()
    return training.history[-1].seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="two shapes on the bundled sample")
    args = parser.parse_args()
    ds = data.load_sample("mnist") if args.quick else data.load("mnist", download=False)
    shapes = SHAPES[:2] if args.quick else SHAPES
    rows, shipped = [], SpeedModel()
    for engine in ("keras", "scratch"):
        for layers, batch in shapes:
            config = RunConfig(layers=tuple(LayerSpec(u) for u in layers), batch_size=batch, engine=engine)
            seconds = measure(config, ds)
            steps = ceil_div(len(ds.x_train), batch)
            work = len(ds.x_train) * config.parameter_count() * (1 + HELDOUT_FRACTION)
            rows.append(
                {
                    "engine": engine,
                    "layers": list(layers),
                    "batch": batch,
                    "seconds": round(seconds, 3),
                    "shipped_estimate": round(shipped.epoch_seconds(config, len(ds.x_train)), 3),
                    "steps": steps,
                    "work": work,
                }
            )
            print(f"{engine:8} {layers!s:14} batch {batch:5}: {seconds:.2f} s", file=sys.stderr, flush=True)
    fitted = {}
    for engine in ("keras", "scratch"):
        mine = [r for r in rows if r["engine"] == engine]
        a = np.array([[r["steps"], r["work"]] for r in mine], float)
        b = np.array([r["seconds"] for r in mine])
        step, per_work = np.linalg.lstsq(a, b, rcond=None)[0]
        fitted[engine] = {"step_seconds": float(step), "sample_param_seconds": float(per_work)}
        for r in mine:
            r["fitted_estimate"] = round(float(step * r["steps"] + per_work * r["work"]), 3)
    for r in rows:
        r.pop("steps"), r.pop("work")
        r["shipped_error"] = round(r["shipped_estimate"] / r["seconds"] - 1, 3)
    errors = [abs(r["shipped_error"]) for r in rows]
    print(
        json.dumps(
            {
                "benchmark": "estimate",
                "quick": args.quick,
                "data": ds.source,
                "rows": rows,
                "fitted": fitted,
                "shipped": {"step_seconds": STEP_SECONDS, "sample_param_seconds": SAMPLE_PARAM_SECONDS},
                "median_abs_error": round(float(np.median(errors)), 3),
                "max_abs_error": round(float(max(errors)), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
