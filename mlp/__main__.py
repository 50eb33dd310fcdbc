"""The command line: `python -m mlp train|sweep|presets|runs|make-sample|make-pretrained`."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from . import data
from .config import (
    ACTIVATIONS,
    ENGINES,
    INITIALIZERS,
    NORMALIZATIONS,
    OPTIMIZERS,
    ConfigError,
    LayerSpec,
    RunConfig,
    layers_from_text,
)
from .presets import PRESETS, preset
from .pretrained import PRETRAINED, train_pretrained
from .recorder import RunRecorder
from .runs import RunStore, RunStoreError
from .states import CONTINUABLE, RunState
from .tune_space import SAMPLERS


class CliError(Exception):
    """Bad input: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage dump
        raise CliError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m mlp", description="MLP Studio from the command line.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = sub.add_parser("train", help="train a model and print one line per epoch")
    train.add_argument("--preset", default="default", help=f"one of: {', '.join(PRESETS)}")
    train.add_argument("--dataset", choices=list(data.DATASETS))
    train.add_argument("--layers", help="hidden layer widths, e.g. 128,128 or 128:relu,64:tanh ('' for none)")
    train.add_argument("--activation", choices=ACTIVATIONS, help="activation of every hidden layer")
    train.add_argument("--optimizer", choices=OPTIMIZERS)
    train.add_argument("--lr", type=float, dest="learning_rate")
    train.add_argument("--batch-size", type=int)
    train.add_argument("--epochs", type=int)
    train.add_argument("--engine", choices=ENGINES)
    train.add_argument("--normalization", choices=NORMALIZATIONS)
    train.add_argument("--init", choices=INITIALIZERS, dest="initializer")
    train.add_argument("--init-std", type=float, help="standard deviation of the normal initializer")
    train.add_argument("--l2", type=float)
    train.add_argument("--dropout", type=float)
    train.add_argument("--validation", type=float, dest="validation_fraction")
    train.add_argument("--seed", type=int)
    train.add_argument("--data-dir", help="folder holding mnist.npz / fashion_mnist.npz (default: $MLP_DATA_DIR)")
    train.add_argument("--save", action="store_true", help="keep the run (config, history, model) in the run store")
    train.add_argument("--runs-dir", help="run store folder (default: $MLP_RUNS_DIR or ~/.mlp_studio/runs)")
    train.add_argument("--json", action="store_true", help="last line: one JSON object with the results")

    sweep = sub.add_parser("sweep", help="search hyperparameters (Optuna): one line per trial")
    sweep.add_argument("--preset", default="default", help="the settings not searched (default: default)")
    sweep.add_argument("--dataset", choices=list(data.DATASETS))
    sweep.add_argument("--engine", choices=ENGINES)
    sweep.add_argument("--normalization", choices=NORMALIZATIONS)
    sweep.add_argument("--seed", type=int)
    sweep.add_argument(
        "--validation",
        type=float,
        default=0.1,
        dest="validation_fraction",
        help="validation split trials are judged on (the test set is used once, for the best): default 0.1",
    )
    sweep.add_argument("--lr", default="1e-4:1e-1", help="learning rate range, log scale (default 1e-4:1e-1)")
    sweep.add_argument("--layers", default="1:3", help="hidden layer count range (default 1:3)")
    sweep.add_argument("--units", default="32:256", help="units per hidden layer, shared (default 32:256)")
    sweep.add_argument("--activation", default="relu", help="choices, e.g. relu,tanh")
    sweep.add_argument("--optimizer", default="adam", help="choices, e.g. adam,sgd")
    sweep.add_argument("--batch-size", default="128", help="choices, e.g. 64,128")
    sweep.add_argument("--dropout", default="0", help="range, e.g. 0:0.3")
    sweep.add_argument("--l2", default="0", help="range, e.g. 0:1e-3")
    sweep.add_argument("--trials", type=int, default=10)
    sweep.add_argument("--epochs", type=int, default=3, help="epochs per trial")
    sweep.add_argument("--time", type=float, default=600, dest="seconds", help="time cap in seconds (default 600)")
    sweep.add_argument("--sampler", choices=SAMPLERS, default="tpe")
    sweep.add_argument("--no-pruning", action="store_true", help="let every trial train all its epochs")
    sweep.add_argument("--slots", type=int, help="trials at once (default: $MLP_SWEEP_SLOTS or 1)")
    sweep.add_argument("--name", help="the sweep's name in the run store (default: sweep-<date>-<time>-<hex>)")
    sweep.add_argument("--resume", metavar="NAME", help="go on with a stored sweep (its own settings)")
    sweep.add_argument("--data-dir", help="folder holding mnist.npz / fashion_mnist.npz (default: $MLP_DATA_DIR)")
    sweep.add_argument("--runs-dir", help="run store folder, also holding sweeps.db")
    sweep.add_argument("--json", action="store_true", help="last line: one JSON object with the results")

    sub.add_parser("presets", help="list the presets")
    runs = sub.add_parser("runs", help="list saved runs")
    runs.add_argument("--runs-dir")

    sample = sub.add_parser("make-sample", help="write the bundled samples from full dataset files")
    sample.add_argument("--data-dir", required=True)

    pre = sub.add_parser("make-pretrained", help="train the bundled MNIST model for the Draw page")
    pre.add_argument("--data-dir", help="folder with mnist.npz (default: $MLP_DATA_DIR)")
    pre.add_argument("--epochs", type=int, default=10)
    pre.add_argument(
        "--copies",
        type=int,
        default=2,
        help="randomly distorted copies of the training set added to it (0: plain MNIST)",
    )
    pre.add_argument("--seed", type=int, default=0)
    pre.add_argument("--out", default=str(PRETRAINED))
    return parser


def config_from_args(args: argparse.Namespace) -> RunConfig:
    """The preset, overridden by whichever flags were given, validated."""
    try:
        config = preset(args.preset)
    except KeyError as exc:
        raise CliError(exc.args[0]) from None
    changes = {
        k: getattr(args, k)
        for k in (
            "dataset",
            "optimizer",
            "learning_rate",
            "batch_size",
            "epochs",
            "engine",
            "normalization",
            "initializer",
            "init_std",
            "l2",
            "dropout",
            "validation_fraction",
            "seed",
        )
        if getattr(args, k) is not None
    }
    layers = config.layers
    if args.layers is not None:
        layers = RunConfig.from_dict({"layers": layers_from_text(args.layers, args.activation or "relu")}).layers
    elif args.activation:
        layers = tuple(LayerSpec(layer.units, args.activation) for layer in layers)
    return config.replace(layers=layers, **changes).validated()


def cmd_train(args) -> int:
    from .training import Training  # imports TensorFlow

    config = config_from_args(args)
    ds = data.load(config.dataset, args.data_dir, progress=_download_bar)
    print(
        f"data: {ds.describe()} from {ds.origin}"
        + (
            " (the bundled sample: pass --data-dir or set MLP_DATA_DIR for the full set)"
            if ds.source == "sample"
            else ""
        ),
        file=sys.stderr,
    )
    recorder = RunRecorder(RunStore(args.runs_dir), config, owner="cli") if args.save else None
    tty = sys.stderr.isatty()

    def on_epoch(log):
        if tty:
            print("\r\033[K", end="", file=sys.stderr)
        val = f"  {training.heldout[:4]}_loss {log.val_loss:.4f}  {training.heldout[:4]}_acc {log.val_accuracy:.4f}"
        print(
            f"epoch {log.epoch:>3}/{config.epochs}  loss {log.loss:.4f}  acc {log.accuracy:.4f}{val}"
            f"  {log.seconds:.2f}s  {log.samples_per_sec:,.0f} samples/s",
            file=sys.stderr if args.json else sys.stdout,
        )
        if recorder:
            recorder.epoch(log)

    def on_progress(progress, rate):
        fraction = progress.fraction
        bar = "#" * int(fraction * 30)
        print(f"\r[{bar:<30}] {fraction:4.0%}  {rate:,.0f} samples/s", end="", file=sys.stderr, flush=True)

    start = time.perf_counter()
    training = Training(config, ds, on_epoch=on_epoch, on_progress=on_progress if tty else None)
    if recorder:
        recorder.started()
    training.run()
    seconds = time.perf_counter() - start
    test_loss, test_acc = training.evaluate_test()
    if training.message:
        print(training.message, file=sys.stderr)
    if recorder:
        recorder.finished(
            training.status,
            training.keras_model(),
            message=training.message,
            seconds=seconds,
            test_loss=test_loss,
            test_accuracy=test_acc,
        )
        print(f"saved run {recorder.run_id} in {recorder.store.root}", file=sys.stderr)
    history = [log.to_dict() for log in training.history]
    samples = sum(h["samples_per_sec"] * h["seconds"] for h in history)
    result = {
        "config": config.to_dict(),
        "history": history,
        "status": training.status,
        "test_accuracy": test_acc,
        "test_loss": test_loss,
        "seconds": seconds,
        "samples_per_sec": samples / sum(h["seconds"] for h in history) if history else 0.0,
        "data_source": ds.source,
        "data_origin": ds.origin,
        "run_id": recorder.run_id if recorder else None,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{training.status}: test accuracy {test_acc:.4f}, test loss {test_loss:.4f}, {seconds:.1f}s")
    return 0 if training.status in CONTINUABLE else 1


def cmd_sweep(args) -> int:
    from .jobs import JobManager
    from .tune import Budget, Plan, SearchSpace, Sweep, sweep_slots

    if args.slots is not None and args.slots < 1:
        raise CliError("--slots must be 1 or more")
    store = RunStore(args.runs_dir)
    manager = JobManager(max_parallel=sweep_slots(args.slots), store=store)
    load = lambda name: data.load(name, args.data_dir, progress=_download_bar)
    if args.resume:
        sweep = Sweep.resume(manager, args.resume, load, owner="cli", slots=args.slots)
    else:
        space = SearchSpace.parse(
            learning_rate=args.lr,
            layers=args.layers,
            units=args.units,
            activation=args.activation,
            optimizer=args.optimizer,
            batch_size=args.batch_size,
            dropout=args.dropout,
            l2=args.l2,
        )
        try:
            base = preset(args.preset)
        except KeyError as exc:
            raise CliError(exc.args[0]) from None
        changes = {k: getattr(args, k) for k in ("dataset", "engine", "normalization", "seed") if getattr(args, k)}
        base = base.replace(validation_fraction=args.validation_fraction, **changes)
        plan = Plan(space, Budget(args.trials, args.epochs, args.seconds), base, args.sampler, not args.no_pruning)
        sweep = Sweep.create(manager, plan, load(base.dataset), name=args.name, owner="cli", slots=args.slots)
    out = sys.stderr if args.json else sys.stdout
    print(f"sweep {sweep.name}: {sweep.plan.space.describe()}; data {sweep.data.describe()}", file=sys.stderr)
    sweep.start(on_trial=lambda t: print(f"{t.describe()}  {t.seconds or 0:.1f}s  run {t.run_id}", file=out))
    interrupted = False
    try:
        progress = sweep.wait()
    except KeyboardInterrupt:  # like Stop: the finished trials are kept and the best so far reported
        interrupted = True
        sweep.stop()
        progress = sweep.wait()
    if progress.message:
        print(progress.message, file=sys.stderr)
    if args.json:
        print(json.dumps({**progress.to_dict(), "trials": [t.to_dict() for t in sweep.trials()]}))
    elif progress.best is None:
        print(f"{progress.state}: no trial completed")
    else:
        best = progress.best
        test = f", test accuracy {progress.test.accuracy:.4f} (evaluated once)" if progress.test else ""
        print(
            f"{progress.state}: best trial {best.number}, validation accuracy {best.value:.4f}{test}; "
            f"{progress.finished} trials in {progress.seconds:.1f}s; {best.config.describe()}"
        )
    if interrupted:
        return 130
    return 0 if progress.best is not None and progress.state != RunState.FAILED else 1


def cmd_presets(args) -> int:
    for name, (text, config) in PRESETS.items():
        print(f"{name:<20} {config.engine:<8} {config.describe():<50} {text}")
    return 0


def cmd_runs(args) -> int:
    runs = RunStore(args.runs_dir).list()
    if not runs:
        print("no saved runs")
    for run in runs:
        acc = run.status.get("test_accuracy")
        print(
            f"{run.id}  {run.state:<11} {len(run.history):>3} epochs  "
            f"{'test acc ' + format(acc, '.4f') if acc is not None else '':<15} {run.label}"
        )
    return 0


def cmd_make_sample(args) -> int:
    for name in data.DATASETS:
        path = data.make_sample(name, os.path.join(args.data_dir, f"{name}.npz"))
        print(f"{path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def cmd_make_pretrained(args) -> int:
    """Train the Draw page's model (the recipe is mlp.pretrained) and save it to --out."""
    ds = data.load("mnist", args.data_dir, download=False)
    if ds.source != "full":
        raise CliError("make-pretrained needs the full MNIST: pass --data-dir or set MLP_DATA_DIR")
    if args.copies < 0:
        raise CliError("--copies must be 0 or more")
    n = len(ds.x_train)
    print(f"training on {n * (args.copies + 1):,} images ({n:,} MNIST + {args.copies} distorted copies)")
    model, accuracy = train_pretrained(
        ds,
        epochs=args.epochs,
        copies=args.copies,
        seed=args.seed,
        on_epoch=lambda log: print(f"epoch {log.epoch}: train acc {log.accuracy:.4f}, test acc {log.val_accuracy:.4f}"),
    )
    model.save(args.out)
    print(f"{args.out}: test accuracy {accuracy:.4f}, {os.path.getsize(args.out) / 1e3:.0f} kB")
    return 0


def _download_bar(done: int, total: int) -> None:
    if sys.stderr.isatty():
        print(f"\rdownloading {done / 1e6:.1f} / {total / 1e6:.1f} MB", end="", file=sys.stderr, flush=True)


COMMANDS = {
    "train": cmd_train,
    "sweep": cmd_sweep,
    "presets": cmd_presets,
    "runs": cmd_runs,
    "make-sample": cmd_make_sample,
    "make-pretrained": cmd_make_pretrained,
}


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except (CliError, ConfigError, data.DataError, RunStoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
