"""Training speed: a plain `model.fit` against the project's engines and the dashboard's trainer.

In one process, on the same data, network (784-128-128-10 relu, softmax, Adam 1e-3), batch and
epochs, in alternating order (round 1: a b c d, round 2: d c b a, ...):

  (a) fit        a plain `model.fit(x, y, batch_size=128, epochs=5, validation_data=(x_test, y_test))`,
                 written as the tutorials do (the reference)
  (b) keras      mlp.training.Training with the Keras engine, no callbacks
  (c) scratch    mlp.training.Training with the scratch engine, no callbacks
  (d) dashboard  (b) run as the dashboard runs it: a Job (epoch 0, live points within epochs, grid
                 predictions every 0.5 s) with a viewer thread polling twice a second and building the
                 curves and a 25-image grid whenever they change

Epoch time is the median over epochs 2..N of every run of a variant and includes that variant's
per-epoch evaluation on the test set (and, for (d), the callbacks). Speed ratios are samples/s
ratios (b/a = how many times faster (b) is than (a)); the same ratios from process CPU time are
reported too, as they suffer less from other processes on a shared machine. Targets: c/a >= 2.5, b/a >= 1.6, d/b >= 0.9,
every test accuracy within 0.3 points of (a)'s mean (also reported one-sided: none more than 0.3
points below it; single runs differ by a few tenths from the seed alone). Data: full MNIST from $MLP_DATA_DIR, else the
bundled sample. The last line printed is one JSON object.

    python -m benchmarks.bench_train [--rounds 3] [--epochs 5] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

from mlp import data
from mlp.config import RunConfig

TARGETS = {"keras_vs_fit": 1.6, "scratch_vs_fit": 2.5, "dashboard_vs_keras": 0.9}
ACCURACY_TOLERANCE = 0.003  # 0.3 points
VARIANTS = ("fit", "keras", "scratch", "dashboard")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_fit(ds: data.Dataset, config: RunConfig) -> tuple[list[tuple[float, float]], float]:
    """(a): the tutorial's code. Returns ((wall, CPU) seconds per epoch, test accuracy after the last epoch)."""
    import keras

    keras.utils.set_random_seed(config.seed)
    x_train, x_test = ds.x_train.astype("float32") / 255.0, ds.x_test.astype("float32") / 255.0
    model = keras.Sequential(
        [
            keras.Input((ds.n_features,)),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(ds.n_classes, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    seconds: list[tuple[float, float]] = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter(), time.process_time()

        def on_epoch_end(self, epoch, logs=None):  # called after the epoch's validation
            seconds.append((time.perf_counter() - self.start[0], time.process_time() - self.start[1]))

    history = model.fit(
        x_train,
        ds.y_train,
        batch_size=config.batch_size,
        epochs=config.epochs,
        validation_data=(x_test, ds.y_test),
        callbacks=[EpochTimer()],
        verbose=0,
    )
    return seconds, float(history.history["val_accuracy"][-1])


def run_trainer(ds: data.Dataset, config: RunConfig) -> tuple[list[tuple[float, float]], float]:
    """(b), (c): mlp.training.Training, timed per `epoch()` call."""
    from mlp.training import Training

    training = Training(config, ds)
    seconds = []
    for _ in range(config.epochs):
        start = time.perf_counter(), time.process_time()
        training.epoch()
        seconds.append((time.perf_counter() - start[0], time.process_time() - start[1]))
    return seconds, float(training.history[-1].val_accuracy)


def run_dashboard(ds: data.Dataset, config: RunConfig) -> tuple[list[tuple[float, float]], float]:
    """(d): a real Job (epoch 0, live points every tenth of an epoch, grid predictions every 0.5 s) with a
    viewer in another thread polling it twice a second and building the figures the Train page draws
    whenever they change. Epoch times are the job's own (its progress work included); CPU time is the
    whole process's (the viewer's included), shared out over the epochs by their length."""
    from mlp import plots
    from mlp.jobs import JobManager

    job = JobManager(max_parallel=1).submit(config, ds)
    cpu_start, drawn, figures = time.process_time(), None, 0
    while job.snapshot().active:
        snap = job.snapshot()
        key = (len(snap.history), len(snap.points), snap.grid_epoch)
        if snap.pool_probabilities is not None and key != drawn:
            drawn, figures = key, figures + 2
            history = ([snap.initial] if snap.initial else []) + snap.history
            plots.curves(history, snap.heldout)
            shown = job.pool[:25]
            predicted = snap.pool_probabilities[:25].argmax(axis=1)
            plots.grid(ds.x_test[shown], predicted, ds.y_test[shown], ds.class_names)
        time.sleep(0.5)
    snap = job.snapshot()
    assert figures >= 2 and snap.points and snap.initial, "the dashboard's updates did not run"
    walls = [h["seconds"] for h in snap.history]
    cpu = time.process_time() - cpu_start
    return [(w, cpu * w / sum(walls)) for w in walls], float(snap.history[-1]["val_accuracy"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs of every variant, order alternating (default 3)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="the bundled sample, 3 epochs, one round (CI)")
    args = parser.parse_args(argv)
    if args.quick:
        ds, rounds, epochs = data.load_sample("mnist"), 1, 3
    else:
        ds, rounds, epochs = data.load("mnist", download=False), args.rounds, args.epochs
    if epochs < 2:
        parser.error("--epochs must be at least 2 (epoch 1 holds the tracing and is not timed)")
    log(f"data: {ds.describe()}; {rounds} round(s) of {epochs} epochs")
    config = RunConfig(epochs=epochs).validated()  # the default preset: 784-128-128-10 relu, adam, batch 128
    runners = {
        "fit": lambda: run_fit(ds, config),
        "keras": lambda: run_trainer(ds, config.replace(engine="keras")),
        "scratch": lambda: run_trainer(ds, config.replace(engine="scratch")),
        "dashboard": lambda: run_dashboard(ds, config.replace(engine="keras")),
    }
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    cpu: dict[str, list[float]] = {name: [] for name in VARIANTS}
    accuracy: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for r in range(rounds):
        for name in VARIANTS if r % 2 == 0 else VARIANTS[::-1]:
            gc.collect()
            seconds, acc = runners[name]()
            times[name] += [wall for wall, _ in seconds[1:]]
            cpu[name] += [used for _, used in seconds[1:]]
            accuracy[name].append(acc)
            log(
                f"round {r + 1} {name:<9} epochs {' '.join(f'{w:.3f}' for w, _ in seconds)} s (CPU "
                f"{' '.join(f'{c:.3f}' for _, c in seconds)} s)  test acc {acc:.4f}"
            )

    n = len(ds.x_train)
    variants = {}
    for name in VARIANTS:
        epoch_s = statistics.median(times[name])
        variants[name] = {
            "epoch_seconds": round(epoch_s, 4),
            "samples_per_sec": round(n / epoch_s, 1),
            "epoch_times": [round(s, 4) for s in times[name]],
            "epoch_cpu_seconds": round(statistics.median(cpu[name]), 4),
            "test_accuracy": [round(a, 4) for a in accuracy[name]],
        }
    speed = {name: n / statistics.median(times[name]) for name in VARIANTS}
    ratios = {
        "keras_vs_fit": speed["keras"] / speed["fit"],
        "scratch_vs_fit": speed["scratch"] / speed["fit"],
        "dashboard_vs_keras": speed["dashboard"] / speed["keras"],
    }
    cpu_speed = {name: 1 / statistics.median(cpu[name]) for name in VARIANTS}
    cpu_ratios = {
        "keras_vs_fit": cpu_speed["keras"] / cpu_speed["fit"],
        "scratch_vs_fit": cpu_speed["scratch"] / cpu_speed["fit"],
        "dashboard_vs_keras": cpu_speed["dashboard"] / cpu_speed["keras"],
    }
    reference = float(np.mean(accuracy["fit"]))
    accuracy_gap = max(abs(a - reference) for name in VARIANTS for a in accuracy[name])
    accuracy_drop = max(reference - a for name in VARIANTS for a in accuracy[name])  # <= 0: none worse than (a)
    met = {key: ratios[key] >= TARGETS[key] for key in TARGETS}
    met["accuracy_within_0.3_points"] = accuracy_gap <= ACCURACY_TOLERANCE
    met["accuracy_not_below_fit_by_0.3_points"] = accuracy_drop <= ACCURACY_TOLERANCE
    for name in VARIANTS:
        v = variants[name]
        log(
            f"{name:<9} {v['epoch_seconds']:.3f} s/epoch (CPU {v['epoch_cpu_seconds']:.3f} s)  "
            f"{v['samples_per_sec']:>9,.0f} samples/s  "
            f"test acc {' '.join(f'{a:.4f}' for a in v['test_accuracy'])}"
        )
    log(
        "  ".join(f"{key} {ratios[key]:.2f}x (target {TARGETS[key]}x)" for key in TARGETS)
        + f"  largest accuracy gap {accuracy_gap * 100:.2f} points (largest shortfall {accuracy_drop * 100:+.2f})"
    )
    log(
        "CPU-time ratios (less sensitive to other processes): "
        + "  ".join(f"{key} {cpu_ratios[key]:.2f}x" for key in TARGETS)
    )
    result = {
        "benchmark": "train",
        "quick": args.quick,
        "data": ds.source,
        "train_size": n,
        "epochs": epochs,
        "rounds": rounds,
        "batch_size": config.batch_size,
        "variants": variants,
        "ratios": {k: round(v, 3) for k, v in ratios.items()},
        "cpu_ratios": {k: round(v, 3) for k, v in cpu_ratios.items()},
        "targets": TARGETS,
        "accuracy_gap_points": round(accuracy_gap * 100, 3),
        "accuracy_shortfall_points": round(accuracy_drop * 100, 3),
        "targets_met": met,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
