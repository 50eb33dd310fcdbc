"""Memory and retracing over many trainings in one process, as a long-lived dashboard server runs them.

Runs 20 small trainings one after another (both engines, two architectures, a new seed each time),
each the way a dashboard job does it: Training with an on_epoch callback that predicts 1,000 test
images, then `keras_model()` and a direct-call evaluation of the test set. Records the resident
set size (RSS) after each training and the tf.function traces each training caused, split into the
first epoch and the later ones. Targets: RSS growth from the first to the last training <= 100 MB;
no traces after a training's first epoch; and for the scratch engine, no traces at all in a run of
an architecture it has already compiled. Data: the bundled MNIST sample. The last line printed is
one JSON object.

    python -m benchmarks.bench_memory [--trainings 20] [--epochs 2] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from dataclasses import replace

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from mlp import data
from mlp.config import LayerSpec, RunConfig

TARGET_GROWTH_MB = 100.0
POOL = 1000  # test images the dashboard predicts after every epoch
CONFIGS = (  # cycled through; every training gets its own seed
    RunConfig(engine="keras"),
    RunConfig(engine="scratch"),
    RunConfig(engine="keras", layers=(LayerSpec(64, "tanh"),), optimizer="momentum", learning_rate=0.05),
    RunConfig(engine="scratch", layers=(LayerSpec(64, "tanh"),), optimizer="momentum", learning_rate=0.05),
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def rss_mb() -> float:
    """Current resident set size in MB (Linux /proc; peak RSS elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def one_training(config: RunConfig, ds: data.Dataset) -> dict:
    """Train like a dashboard job; returns traces in epoch 1 and later, seconds, test accuracy."""
    from mlp.evaluate import evaluate
    from mlp.training import Training

    pool = ds.x_test[:POOL]
    training = None
    predicted = []

    def on_epoch(entry) -> None:
        predicted.append(training.predict(pool))

    start = time.perf_counter()
    training = Training(config, ds, on_epoch=on_epoch)
    traces = []
    while not training.finished:
        before = training.engine.traces
        training.epoch()
        traces.append(training.engine.traces - before)
    model = training.engine.keras_model()
    accuracy = evaluate(model, ds.x_test, ds.y_test).accuracy
    assert len(predicted) == config.epochs
    return {
        "first_epoch_traces": traces[0],
        "later_traces": sum(traces[1:]),
        "seconds": time.perf_counter() - start,
        "accuracy": accuracy,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainings", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="8 trainings on 3,000 images (CI)")
    args = parser.parse_args(argv)
    ds = data.load_sample("mnist")
    trainings = args.trainings
    if args.quick:
        trainings = 8
        ds = replace(ds, x_train=ds.x_train[:3000], y_train=ds.y_train[:3000])
    if args.epochs < 2:
        parser.error("--epochs must be at least 2")
    log(
        f"data: {len(ds.x_train):,} train / {len(ds.x_test):,} test images; "
        f"{trainings} trainings of {args.epochs} epochs"
    )

    rss, runs, seen = [], [], set()
    for i in range(trainings):
        config = CONFIGS[i % len(CONFIGS)].replace(seed=i, epochs=args.epochs)
        kind = (config.engine, config.layers, config.optimizer)
        result = one_training(config, ds)
        gc.collect()
        rss.append(rss_mb())
        result.update(
            index=i + 1,
            engine=config.engine,
            architecture=config.describe(),
            repeat=kind in seen,
            rss_mb=round(rss[-1], 1),
        )
        seen.add(kind)
        runs.append(result)
        log(
            f"{i + 1:>2} {config.engine:<7} {config.describe():<45} rss {rss[-1]:7.1f} MB  traces "
            f"{result['first_epoch_traces']} + {result['later_traces']}  {result['seconds']:.2f}s  "
            f"acc {result['accuracy']:.3f}"
        )

    growth = rss[-1] - rss[0]
    later = sum(r["later_traces"] for r in runs)
    scratch_repeat = sum(
        r["first_epoch_traces"] + r["later_traces"] for r in runs if r["engine"] == "scratch" and r["repeat"]
    )
    keras_first = [r["first_epoch_traces"] for r in runs if r["engine"] == "keras"]
    met = {
        "rss_growth": growth <= TARGET_GROWTH_MB,
        "no_traces_after_first_epoch": later == 0,
        "scratch_repeat_runs_trace_free": scratch_repeat == 0,
    }
    log(
        f"RSS {rss[0]:.0f} -> {rss[-1]:.0f} MB (growth {growth:+.1f} MB, target <= {TARGET_GROWTH_MB:.0f}); "
        f"traces after the first epoch: {later}; scratch repeat-run traces: {scratch_repeat}; "
        f"keras first-epoch traces per training: {keras_first}"
    )
    result = {
        "benchmark": "memory",
        "quick": args.quick,
        "trainings": trainings,
        "epochs": args.epochs,
        "train_size": len(ds.x_train),
        "rss_mb": [round(v, 1) for v in rss],
        "rss_growth_mb": round(growth, 1),
        "target_growth_mb": TARGET_GROWTH_MB,
        "traces_after_first_epoch": later,
        "scratch_repeat_run_traces": scratch_repeat,
        "keras_first_epoch_traces": keras_first,
        "runs": [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()} for r in runs],
        "targets_met": met,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
