"""Trials per minute of a sweep on this machine (the local executor: trials are jobs of one JobManager),
with the median pruner on and off.

Both arms run the same plan with the random sampler and the same seed, so trial i tries the same settings
in both: the difference is what pruning saves (epochs not trained after a trial fell below the median).
Default: 12 trials x 3 epochs on full MNIST (MLP_DATA_DIR) or the bundled sample; --quick: 4 trials x 2
epochs on the sample. The last line printed is one JSON object.

    python -m benchmarks.bench_tune [--trials 12] [--epochs 3] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from mlp import data
from mlp.presets import preset


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def one_sweep(ds: data.Dataset, trials: int, epochs: int, pruning: bool) -> dict:
    from mlp.jobs import JobManager
    from mlp.runs import RunStore
    from mlp.tune import Budget, Plan, SearchSpace, Sweep, sweep_slots

    space = SearchSpace.parse(learning_rate="1e-4:1", layers=(1, 2), units=(32, 256))
    base = preset("default").replace(dataset=ds.name, validation_fraction=0.1, seed=0)
    plan = Plan(space, Budget(trials, epochs, 1800.0), base, "random", pruning)
    with tempfile.TemporaryDirectory() as root:
        manager = JobManager(max_parallel=sweep_slots(None), store=RunStore(root))
        sweep = Sweep.create(manager, plan, ds, name="bench")
        sweep.start(on_trial=lambda t: log(f"  {t.describe()}  {t.seconds or 0:.1f}s"))
        progress = sweep.wait()
        trained = sum(t.epochs or 0 for t in sweep.trials())
    return {
        "pruning": pruning,
        "trials": progress.finished,
        "pruned": progress.pruned,
        "epochs_trained": trained,
        "seconds": round(progress.seconds, 1),
        "trials_per_minute": round(60 * progress.finished / progress.seconds, 2),
        "best_validation_accuracy": round(progress.best.value, 4) if progress.best else None,
        "slots": sweep.slots,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="4 trials x 2 epochs on the bundled sample")
    args = parser.parse_args()
    if args.quick:
        args.trials, args.epochs = 4, 2
        ds = data.load_sample("mnist")
    else:
        ds = data.load("mnist")
    log(f"data: {ds.describe()}; {args.trials} trials x {args.epochs} epochs, random sampler, seed 0")
    log("warm-up (not measured): one trial of one epoch")
    one_sweep(ds, 1, 1, False)
    arms = {}
    for pruning in (False, True):
        log(f"pruning {'on' if pruning else 'off'}:")
        arms["on" if pruning else "off"] = one_sweep(ds, args.trials, args.epochs, pruning)
    on, off = arms["on"], arms["off"]
    print(
        json.dumps(
            {
                "benchmark": "tune",
                "quick": args.quick,
                "data": "full" if len(ds.x_train) >= 60_000 else "sample",
                "pruning_off": off,
                "pruning_on": on,
                "time_saved_by_pruning": round(1 - on["seconds"] / off["seconds"], 3),
            }
        )
    )


if __name__ == "__main__":
    main()
