"""Hyperparameter search: an Optuna study whose trials are ordinary jobs (the plan is mlp.tune_space).

The one rule it teaches: choose by validation, report on test once. Every trial is judged by its
validation accuracy (a split of the training set, so a sweep needs validation_fraction > 0); the test
set stays unseen until the search has chosen, then the best trial alone is evaluated on it. Choosing
among many trials by their test accuracy would tune to the test set and report a number that is too good.

Trials go through the same JobManager as trainings, so the server's cap, its FIFO queue and the
per-training time budget apply, and one sweep holds at most `slots` places at a time. The study lives in
`<run store>/sweeps.db` (Optuna's RDB storage in SQLite): a sweep survives a restart, its interrupted
trials are marked failed and retried when it is resumed by name. Every trial is also a saved run, its
status tagged with the sweep's name and the trial's number.
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from . import limits, runs
from .config import ConfigError, RunConfig
from .data import Dataset
from .jobs import Job, JobManager
from .runs import RunStore, RunStoreError, process_alive
from .states import RunState
from .tune_space import SAMPLERS, Budget, Plan, SearchSpace

__all__ = [
    "SAMPLERS",
    "BestOnTest",
    "Budget",
    "Plan",
    "Progress",
    "SearchSpace",
    "Sweep",
    "TrialResult",
    "running_sweep",
    "sweep_names",
    "sweep_slots",
]

PRUNER_STARTUP = 2  # finished trials before the median pruner cuts any
POLL_SECONDS = 0.2
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
DB_NAME = "sweeps.db"

optuna.logging.set_verbosity(optuna.logging.WARNING)  # the sweep reports its own trials


# --- results ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrialResult:
    """One trial as the page and the CLI show it. value: its last validation accuracy (None if none)."""

    number: int
    state: str  # complete, pruned, failed, interrupted (retried on resume), running, waiting
    value: float | None
    params: dict[str, Any]
    config: RunConfig | None
    epochs: int
    seconds: float | None
    run_id: str | None
    note: str

    def describe(self) -> str:
        params = " ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.params.items())
        value = f"val_acc {self.value:.4f}" if self.value is not None else "val_acc   –   "
        return f"trial {self.number:>3}  {self.state:<8}  {value}  {params}" + (f"  ({self.note})" if self.note else "")

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "config": self.config.to_dict() if self.config else None}


@dataclass(frozen=True)
class BestOnTest:
    """The test set, evaluated once: for the best trial, when the sweep ends."""

    trial: int
    accuracy: float
    loss: float


@dataclass(frozen=True)
class Progress:
    """A sweep at one moment. finished counts the trials that used the budget (interrupted ones are retried)."""

    name: str
    state: RunState
    trials: int
    finished: int
    pruned: int
    running: int
    seconds: float
    best: TrialResult | None
    test: BestOnTest | None
    message: str = ""

    @property
    def active(self) -> bool:
        return self.state in (RunState.QUEUED, RunState.RUNNING)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["best"] = self.best.to_dict() if self.best else None
        return d


# --- the sweep --------------------------------------------------------------------------------
@cache
def _storage(url: str) -> optuna.storages.RDBStorage:
    return optuna.storages.RDBStorage(url)


def storage(store: RunStore) -> optuna.storages.RDBStorage:
    """The run store's sweep database (one engine per file in this process)."""
    try:
        store.root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunStoreError(f"cannot create the run store {store.root}: {exc.strerror or exc}") from None
    return _storage(f"sqlite:///{store.root.resolve() / DB_NAME}")


def sweep_names(store: RunStore) -> list[str]:
    """The sweeps stored with this run store, oldest first."""
    if not (store.root / DB_NAME).exists():
        return []
    return optuna.get_all_study_names(storage(store))


_LIVE: dict[tuple[str, str], Sweep] = {}  # sweeps this process is driving, by (database folder, name)
_LIVE_LOCK = threading.Lock()


def running_sweep(store: RunStore, name: str) -> Sweep | None:
    """The sweep `name` of this run store if this process is driving it (for a page to reattach to)."""
    with _LIVE_LOCK:
        return _LIVE.get((str(store.root.resolve()), name))


STATES = {
    TrialState.COMPLETE: "complete",
    TrialState.PRUNED: "pruned",
    TrialState.FAIL: "failed",
    TrialState.RUNNING: "running",
    TrialState.WAITING: "waiting",
}


@dataclass
class _Active:
    """A trial the sweep is following: its job and how many epochs it has reported."""

    trial: optuna.Trial
    job: Job
    reported: int = 0
    pruned: bool = False
    run_noted: bool = False


class Sweep:
    """One Optuna study run through a JobManager. Make one with `create` or `resume`, then `start()`;
    `progress()` and `trials()` are safe to call from any thread while it runs; `stop()` ends it (the
    finished trials are kept and the best so far is evaluated on the test set)."""

    def __init__(
        self,
        manager: JobManager,
        name: str,
        plan: Plan,
        data: Dataset,
        owner: str = "",
        slots: int | None = None,
    ):
        if manager.store is None:
            raise ConfigError("sweep", "a sweep needs a run store (its trials are saved runs)")
        if data.name != plan.base.dataset:
            raise ConfigError("dataset", f"this sweep searches on {plan.base.dataset!r}, not {data.name!r}")
        self.manager, self.name, self.plan, self.data, self.owner = manager, name, plan, data, owner
        self.slots = sweep_slots(slots)
        self.store: RunStore = manager.store
        self._key = (str(self.store.root.resolve()), name)
        db = storage(self.store)
        done = len(optuna.load_study(study_name=name, storage=db).get_trials(deepcopy=False))
        self.study = optuna.load_study(
            study_name=name, storage=db, sampler=self._sampler(plan.base.seed + done), pruner=self._pruner()
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state, self._message = RunState.QUEUED, ""
        self._started = self._ended = None
        self._running = 0
        self._version = 0
        self._cache: tuple[int, list[TrialResult], dict[str, Any]] | None = None

    # --- making one ---------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        manager: JobManager,
        plan: Plan,
        data: Dataset,
        name: str | None = None,
        owner: str = "",
        slots: int | None = None,
    ) -> Sweep:
        """A new stored sweep named `name` (default: sweep-<date>-<time>-<hex>) for a plan checked here."""
        if manager.store is None:
            raise ConfigError("sweep", "a sweep needs a run store (its trials are saved runs)")
        plan.validated(data, manager.speed, sweep_slots(slots))
        name = name or time.strftime("sweep-%Y%m%d-%H%M%S-") + secrets.token_hex(2)
        if not NAME.match(name):
            raise ConfigError("name", f"letters, digits, '.', '_' or '-', at most 64; got {name!r}")
        try:
            study = optuna.create_study(study_name=name, storage=storage(manager.store), direction="maximize")
        except optuna.exceptions.DuplicatedStudyError:
            raise ConfigError("name", f"a sweep named {name!r} exists: resume it or choose another name") from None
        study.set_user_attr("plan", plan.to_dict())
        study.set_user_attr("state", RunState.QUEUED.value)
        return cls(manager, name, plan, data, owner, slots)

    @classmethod
    def resume(
        cls,
        manager: JobManager,
        name: str,
        dataset: Callable[[str], Dataset],
        owner: str = "",
        slots: int | None = None,
    ) -> Sweep:
        """The stored sweep `name`, ready to go on (after a restart, or a Stop): trials a dead process left
        running are marked failed, and every interrupted trial is queued again with the same values.
        `dataset(name)` loads the dataset the sweep's plan names."""
        store = manager.store
        known = sweep_names(store) if store is not None else []
        if name not in known:
            listed = f"; its sweeps: {', '.join(known[-5:])}" if known else ""
            raise ConfigError("sweep", f"no sweep named {name!r} in this run store{listed}")
        with _LIVE_LOCK:
            if (str(store.root.resolve()), name) in _LIVE:
                raise ConfigError("sweep", f"{name!r} is running: stop it first")
        attrs = optuna.load_study(study_name=name, storage=storage(store)).user_attrs
        if attrs.get("state") == RunState.RUNNING and process_alive(attrs):
            raise ConfigError("sweep", f"{name!r} is running in another process (pid {attrs.get('pid')})")
        plan = Plan.from_dict(attrs["plan"])
        sweep = cls(manager, name, plan, dataset(plan.base.dataset), owner, slots)
        sweep._recover()
        if sweep._used() >= plan.budget.trials:
            raise ConfigError("sweep", f"{name!r} has run all its {plan.budget.trials} trials; start a new sweep")
        return sweep

    def _recover(self) -> None:
        """Fail the trials whose process is gone, and queue each interrupted trial once more."""
        interrupted = dict(self.study.user_attrs.get("interrupted", {}))
        for t in self.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            if not process_alive(t.user_attrs):
                self.study.tell(t.number, state=TrialState.FAIL)
                interrupted[str(t.number)] = "interrupted: its process ended"
        retried = set(self.study.user_attrs.get("retried", []))
        for t in self.study.get_trials(deepcopy=False, states=(TrialState.FAIL,)):
            if str(t.number) in interrupted and t.number not in retried and t.params:
                self.study.enqueue_trial(t.params, user_attrs={"retry_of": t.number})
                retried.add(t.number)
        self.study.set_user_attr("interrupted", interrupted)
        self.study.set_user_attr("retried", sorted(retried))

    def _sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        """Seeded from the base seed plus the trials so far, so a resumed random sweep draws new values."""
        if self.plan.sampler == "grid":
            return optuna.samplers.GridSampler(self.plan.space.grid(), seed=seed)
        if self.plan.sampler == "random":
            return optuna.samplers.RandomSampler(seed=seed)
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=max(2, min(10, self.plan.budget.trials // 3)))

    def _pruner(self) -> optuna.pruners.BasePruner:
        if not self.plan.pruning:
            return optuna.pruners.NopPruner()
        return optuna.pruners.MedianPruner(n_startup_trials=PRUNER_STARTUP, n_warmup_steps=0)

    # --- running ------------------------------------------------------------------------------
    def start(self, on_trial: Callable[[TrialResult], None] | None = None) -> Sweep:
        """Drive the study in a background thread; `on_trial(result)` is called there as each trial ends."""
        with _LIVE_LOCK:
            if self._key in _LIVE or self._thread is not None:
                raise ConfigError("sweep", f"{self.name!r} is already running")
            _LIVE[self._key] = self
        self._state, self._started = RunState.RUNNING, time.perf_counter()
        for key, value in {**_process(), "state": RunState.RUNNING.value}.items():
            self.study.set_user_attr(key, value)
        self._thread = threading.Thread(target=self._drive, args=(on_trial,), name=f"sweep-{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """End the sweep: running trials are stopped (and retried if it is resumed)."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> Progress:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.progress()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def version(self) -> int:
        """Changes whenever a trial starts, reports an epoch or ends: views redraw only then."""
        return self._version

    def _drive(self, on_trial: Callable[[TrialResult], None] | None) -> None:
        active: dict[int, _Active] = {}
        used, ending = self._used(), ""
        state = RunState.COMPLETED
        try:
            while True:
                if not ending and (self._stop.is_set() or self._elapsed() >= self.plan.budget.seconds):
                    state = RunState.STOPPED
                    ending = "Stopped" if self._stop.is_set() else "The time cap was reached"
                    for a in active.values():
                        a.job.stop()
                while not ending and len(active) < self.slots and self._can_ask(used + len(active)):
                    a = self._launch()
                    active[a.trial.number] = a
                for number, a in list(active.items()):
                    result = self._follow(a, ending)
                    if result is not None:
                        del active[number]
                        used += result.state != "interrupted"
                        if on_trial:
                            on_trial(result)
                self._running = len(active)
                if not active and (ending or not self._can_ask(used)):
                    break
                time.sleep(POLL_SECONDS)
        except Exception as exc:  # a storage error or a bug ends the sweep, never the server; the page says why
            state, ending = RunState.FAILED, f"The sweep failed ({type(exc).__name__}: {exc})"
            for a in active.values():
                a.job.stop()
        finally:
            self._end(state, ending, used)

    def _can_ask(self, taken: int) -> bool:
        """Another trial fits the budget (and, for a grid, a combination is left or a retry waits)."""
        if taken >= self.plan.budget.trials:
            return False
        if self.plan.sampler == "grid" and not self.study.get_trials(deepcopy=False, states=(TrialState.WAITING,)):
            return not self.study.sampler.is_exhausted(self.study)
        return True

    def _launch(self) -> _Active:
        trial = self.study.ask()
        config = self.plan.trial_config(self.plan.space.suggest(trial))
        for key, value in {**_process(), "config": config.to_dict()}.items():
            trial.set_user_attr(key, value)
        job = self.manager.submit(
            config,
            self.data,
            owner=self.owner,
            pool_seed=config.seed,
            test_set=False,
            tags={"sweep": self.name, "trial": trial.number},
        )
        self._version += 1
        return _Active(trial, job)

    def _follow(self, a: _Active, ending: str) -> TrialResult | None:
        """Report the job's new epochs (pruning it if the median pruner says so); tell Optuna how it ended."""
        snap = a.job.snapshot()
        if not a.run_noted and a.job.run_id:
            a.trial.set_user_attr("run", a.job.run_id)
            a.run_noted = True
        for log in snap.history[a.reported :]:
            a.trial.report(log["val_accuracy"], log["epoch"])
            a.reported += 1
            self._version += 1
            last = log["epoch"] >= a.job.target_epochs
            if self.plan.pruning and not a.pruned and not last and a.trial.should_prune():
                a.pruned = True
                a.job.stop()
        if snap.active:
            return None
        epochs = len(snap.history)
        a.trial.set_user_attr("seconds", snap.seconds)
        interrupted = False
        if snap.state == RunState.COMPLETED:  # all its epochs, even if a prune came too late to cut it short
            state, note = TrialState.COMPLETE, ""
        elif a.pruned:
            state, note = TrialState.PRUNED, f"pruned in epoch {epochs}"
        elif snap.state == RunState.DIVERGED:
            state, note = TrialState.PRUNED, "diverged"
        elif snap.state == RunState.STOPPED and ending:
            state, note, interrupted = TrialState.FAIL, f"stopped with the sweep after {epochs} epoch(s)", True
        else:  # failed, or stopped by the server's time limit per training
            state, note = TrialState.FAIL, snap.message
        a.trial.set_user_attr("note", note)
        if interrupted:
            marks = {**self.study.user_attrs.get("interrupted", {}), str(a.trial.number): note}
            self.study.set_user_attr("interrupted", marks)
        if state == TrialState.COMPLETE:
            self.study.tell(a.trial, snap.history[-1]["val_accuracy"])
        else:
            self.study.tell(a.trial, state=state)
        self._version += 1
        return next(t for t in self.trials() if t.number == a.trial.number)

    def _end(self, state: RunState, ending: str, used: int) -> None:
        message = f"{ending}: {used} of {self.plan.budget.trials} trials finished." if ending else ""
        try:
            self._test_best()
        except Exception as exc:  # e.g. the best run's model was deleted meanwhile
            message += f" The best trial could not be evaluated on the test set ({exc})."
        finally:
            self.study.set_user_attr("state", state.value)
            self._state, self._message, self._ended = state, message, time.perf_counter()
            self._version += 1
            with _LIVE_LOCK:
                _LIVE.pop(self._key, None)

    def _test_best(self) -> None:
        """The test set, once: for the best trial, unless it is the one already evaluated."""
        from .evaluate import evaluate  # imports TensorFlow

        best = self.best()
        done = self.study.user_attrs.get("test")
        if best is None or best.run_id is None or (done and done["trial"] == best.number):
            return
        ev = evaluate(self.store.load_model(best.run_id), self.data.x_test, self.data.y_test)
        self.study.set_user_attr("test", {"trial": best.number, "accuracy": ev.accuracy, "loss": ev.loss})
        state = self.store.load(best.run_id).status.get("state", RunState.COMPLETED)
        self.store.set_status(best.run_id, state, test_accuracy=ev.accuracy, test_loss=ev.loss)

    # --- reading ------------------------------------------------------------------------------
    def _read(self) -> tuple[list[TrialResult], dict[str, Any]]:
        """The trials and the study's notes, read again only when the version changed."""
        version = self._version
        if self._cache is None or self._cache[0] != version:
            attrs = self.study.user_attrs
            marks = attrs.get("interrupted", {})
            trials = [_result(t, marks) for t in self.study.get_trials(deepcopy=False)]
            self._cache = (version, trials, attrs)
        return self._cache[1], self._cache[2]

    def trials(self) -> list[TrialResult]:
        return self._read()[0]

    def best(self) -> TrialResult | None:
        """The completed trial with the highest validation accuracy (the earliest of equals)."""
        done = [t for t in self.trials() if t.state == "complete"]
        return max(done, key=lambda t: (t.value, -t.number)) if done else None

    def _used(self) -> int:
        return sum(t.state in ("complete", "pruned", "failed") for t in self.trials())

    def _elapsed(self) -> float:
        if self._started is None:
            return 0.0
        return (self._ended or time.perf_counter()) - self._started

    def progress(self) -> Progress:
        trials, attrs = self._read()
        test = attrs.get("test")
        return Progress(
            name=self.name,
            state=self._state,
            trials=self.plan.budget.trials,
            finished=sum(t.state in ("complete", "pruned", "failed") for t in trials),
            pruned=sum(t.state == "pruned" for t in trials),
            running=self._running,
            seconds=self._elapsed(),
            best=self.best(),
            test=BestOnTest(**test) if test else None,
            message=self._message,
        )


def sweep_slots(slots: int | None = None) -> int:
    """A sweep's places at once: `slots`, else the server's MLP_SWEEP_SLOTS."""
    return max(1, int(slots or limits.SWEEP_SLOTS.value))


def _process() -> dict[str, Any]:
    """Who drives a trial or a sweep: a resume tells a dead driver's leftovers from a live one's."""
    return {"pid": os.getpid(), "process": runs.PROCESS_TOKEN}


def _result(t: FrozenTrial, interrupted: Mapping[str, str]) -> TrialResult:
    state, note = STATES.get(t.state, t.state.name.lower()), t.user_attrs.get("note", "")
    if t.state == TrialState.FAIL and str(t.number) in interrupted:
        state, note = "interrupted", interrupted[str(t.number)]
    value = t.value
    if value is None and t.last_step is not None:
        value = t.intermediate_values[t.last_step]
    try:
        config = RunConfig.from_dict(t.user_attrs["config"]) if "config" in t.user_attrs else None
    except ConfigError:  # stored under other limits
        config = None
    return TrialResult(
        number=t.number,
        state=state,
        value=value,
        params=dict(t.params),
        config=config,
        epochs=len(t.intermediate_values),
        seconds=t.user_attrs.get("seconds"),
        run_id=t.user_attrs.get("run"),
        note=note,
    )
