"""What each preset reaches on the full data, next to what the tutorial it reproduces reports.

Trains every preset as `python -m mlp train --preset P` does (its dataset, engine, epochs), for seeds
0, 1 and 2, and prints a Markdown table for the README to stderr. Full MNIST / Fashion-MNIST from
MLP_DATA_DIR; --quick: one seed, one epoch each, on the bundled samples (CI checks the output's shape).
The last line printed is one JSON object.

    MLP_DATA_DIR=../shared/data python -m benchmarks.bench_presets [--seeds 0,1,2] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from mlp import data
from mlp.presets import PRESETS

# What each preset's tutorial reports on the test set, where it states a figure (None: it states none).
TUTORIAL = {
    "default": 0.98,  # the Keras Sequential MNIST tutorial: "~98%"
    "sigmoid-deep": 0.94,  # the low-level TensorFlow tutorial (784-128-256-10 sigmoid, RandomNormal())
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def train(name: str, seed: int, quick: bool) -> tuple[float, float]:
    """(test accuracy, seconds) of preset `name` with `seed`."""
    from mlp.training import Training

    config = PRESETS[name][1].replace(seed=seed)
    if quick:
        config = config.replace(epochs=1)
    ds = data.load_sample(config.dataset) if quick else data.load(config.dataset)
    start = time.perf_counter()
    training = Training(config, ds).run()
    seconds = time.perf_counter() - start
    return float(training.evaluate_test()[1]), seconds


def table(results: dict) -> str:
    lines = [
        "| preset | tutorial reports | seed 0 | mean of seeds (min–max) | s per run |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, r in results.items():
        told = f"{TUTORIAL[name]:.0%}" if name in TUTORIAL else "—"
        spread = f"{r['mean']:.2%} ({min(r['accuracy']):.2%}–{max(r['accuracy']):.2%})"
        lines.append(f"| `{name}` | {told} | {r['accuracy'][0]:.2%} | {spread} | {r['seconds']:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default 0,1,2)")
    parser.add_argument("--quick", action="store_true", help="one seed, one epoch, bundled samples")
    args = parser.parse_args()
    seeds = [0] if args.quick else [int(s) for s in args.seeds.split(",")]
    results = {}
    for name in PRESETS:
        runs = [train(name, seed, args.quick) for seed in seeds]
        accuracy = [round(a, 4) for a, _ in runs]
        results[name] = {
            "accuracy": accuracy,
            "mean": round(statistics.fmean(accuracy), 4),
            "seconds": round(statistics.fmean(s for _, s in runs), 1),
            "tutorial": TUTORIAL.get(name),
        }
        log(f"{name}: {accuracy} in {results[name]['seconds']} s per run")
    log(table(results))
    print(json.dumps({"benchmark": "presets", "quick": args.quick, "seeds": seeds, "presets": results}))


if __name__ == "__main__":
    main()
