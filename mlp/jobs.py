"""Background trainings: one thread per job, a server-wide cap with a FIFO queue, thread-safe snapshots.

No Streamlit here: the dashboard keeps a Job in its session and polls `job.snapshot()`.

Memory over a school day: a finished job releases its engine and data copies (`Training.release`), a
session's older jobs drop their checkpoints (`Job.compact`), old jobs are pruned (`JobManager.prune`), and
one full garbage collection runs after each training. The last matters: a Keras model and its compiled
functions sit in reference cycles, and the server runs no full collection after script runs (that starved
the trainings), so without it RSS grew about 30 MB per training; with it, about 2 MB (full MNIST).
"""

from __future__ import annotations

import copy
import gc
import math
import os
import secrets
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import limits
from .config import ConfigError, RunConfig
from .data import Dataset
from .estimate import SpeedModel
from .evaluate import Evaluation
from .recorder import RunRecorder
from .runs import RunStore, RunStoreError, clean_name
from .states import CONTINUABLE, FINISHED, RunState

POOL = 1000  # test images predicted after every epoch for the live grid
GRID_SECONDS = 0.5  # the grid's predictions are refreshed within an epoch at most this often
PRUNED_KEPT = 100_000  # ids of pruned jobs remembered (about 100 bytes each)


@dataclass
class Snapshot:
    """What a viewer may read of a job at one moment (a copy: safe to keep)."""

    state: RunState = RunState.QUEUED
    queue_position: int = 0
    starting: bool = False  # queued, but waiting for no one: it starts at once
    history: list[dict] = field(default_factory=list)
    heldout: str = "validation"
    epoch_fraction: float = 0.0
    samples_per_sec: float = 0.0
    eta_seconds: float | None = None
    pool_probabilities: np.ndarray | None = None  # (POOL, classes) for the grid images, latest refresh
    grid_epoch: float = 0.0  # when (in fractional epochs) the grid's predictions were made
    initial: dict | None = None  # epoch 0: the untrained network, measured before the first step
    points: list[dict] = field(default_factory=list)  # within epochs: {"epoch": 2.3, "loss", "accuracy"}
    phase: str = ""  # what a running job is doing before its first progress report
    lr_changes: list[int] = field(default_factory=list)
    message: str = ""
    test_loss: float | None = None
    test_accuracy: float | None = None
    seconds: float = 0.0

    @property
    def active(self) -> bool:
        return self.state not in FINISHED


class Job:
    """One training in its own thread. Create with JobManager.submit."""

    def __init__(
        self,
        manager: JobManager,
        config: RunConfig,
        data: Dataset,
        owner: str,
        store: RunStore | None,
        pool: np.ndarray,
        tags: Mapping[str, Any] | None = None,
        name: str = "",
        nickname: str = "",
    ):
        self.id = secrets.token_urlsafe(12)
        self.manager, self.config, self.data, self.owner, self.store = manager, config, data, owner, store
        self.name = clean_name(name)  # the run's optional name, given on the Train page
        self.nickname = nickname  # the session's nickname: labels the training for the class (see mlp.nicknames)
        self.pool = pool  # indices into the test set shown in the grid (none: the job never sees the test set)
        tags = {**(tags or {}), **({"nickname": nickname} if nickname else {})}
        self.recorder = RunRecorder(store, config, owner, self.name, tags) if store else None
        self._evaluation: Evaluation | None = None  # the whole test set, once finished (see `evaluation`)
        self._model = None  # keras model for viewers, loaded when first asked for (see `model`)
        self.training = None  # the mlp.training.Training, once started; released between stretches
        self.finished_at: float | None = None  # time.time() of the end of the last stretch
        self._warm = False  # an epoch of this stretch has run (its engine is compiled)
        self._grid_at = 0.0  # perf_counter() of the grid's last refresh
        self.pace_seconds = 0.0  # see set_pace
        self.target_epochs = config.epochs
        self._elapsed = 0.0  # seconds spent in all stretches (Step adds one)
        self.stop_event = threading.Event()
        self.stop_reason = ""  # see stop
        self._lock = threading.Lock()
        self._snap = Snapshot()

    # --- viewer side ---------------------------------------------------------------------
    @property
    def run_id(self) -> str | None:
        """The saved run (None without a run store, or before the job's thread created it)."""
        return self.recorder.run_id if self.recorder else None

    def snapshot(self) -> Snapshot:
        with self._lock:
            snap = copy.copy(self._snap)
            snap.history, snap.points = list(snap.history), list(snap.points)
        snap.lr_changes = list(self.training.lr_changes) if self.training else []
        if snap.state == RunState.QUEUED:
            snap.queue_position = self.manager.queue_position(self)
            snap.starting = self.manager.starts_at_once(self)
        return snap

    def stop(self, reason: str = "") -> None:
        """Stop between chunks of steps; `reason` ("by the teacher") goes into the message the student reads."""
        self.stop_reason = reason
        if self.training is not None:
            self.training.stop_reason = reason
        self.stop_event.set()

    def snapshot_state(self) -> RunState:
        with self._lock:
            return self._snap.state

    @property
    def model(self):
        """The trained Keras model (for the analysis and the Draw page), loaded from the run store or
        rebuilt from the checkpoint the first time it is asked for; None while training or if neither exists."""
        if self._model is None and self.finished_at is not None:
            if self.store and self.run_id and self.store.model_path(self.run_id).exists():
                self._model = self.store.load_model(self.run_id)
            elif self.training is not None:  # no run store: rebuilt from the checkpoint, engine let go again
                self._model = self.training.keras_model()
                if self.training.status != RunState.RUNNING:
                    self.training.release()
        return self._model

    @property
    def evaluation(self) -> Evaluation | None:
        """The test-set evaluation of a finished job; measured again from the saved model if it was compacted.
        None for a job that never sees the test set (a sweep's trial)."""
        if self._evaluation is None and len(self.pool) and self.finished_at is not None and self.model is not None:
            from .evaluate import evaluate

            self._evaluation = evaluate(self.model, self.data.x_test, self.data.y_test)
        return self._evaluation

    def compact(self) -> None:
        """Forget what only a Step or this job's own page needs (checkpoint, model, test-set probabilities):
        called when its session has moved on to a newer training. History and grid stay; an old link to
        the job measures the evaluation again from the saved model."""
        if self.finished_at is not None:
            self.training, self._model, self._evaluation = None, None, None

    def resume(self, epochs: int = 1) -> None:
        """Train `epochs` more epochs of the same model (the Step button); the job queues again."""
        if self.snapshot().active:
            raise RuntimeError("this training is still running")
        if self._snap.state not in CONTINUABLE:
            raise RuntimeError(f"a {self._snap.state} training cannot be continued; start a new one")
        if self.training is None and self._snap.history:
            raise RuntimeError("this training is no longer held in memory; start a new one")
        self.target_epochs = len(self.training.history) + epochs if self.training else epochs
        self.stop_event.clear()
        self.stop_reason = ""
        if self.training:
            self.training.status, self.training.stop_reason = RunState.READY, ""
        self._update(state=RunState.QUEUED, message="")
        self.manager.enqueue(self)

    def set_learning_rate(self, value: float) -> None:
        """Takes effect at the start of the next epoch (marked in the snapshot's lr_changes)."""
        if self.training is None:
            raise RuntimeError("the training has not started yet")
        self.training.set_learning_rate(value)

    # --- worker side ----------------------------------------------------------------------
    def _update(self, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(self._snap, key, value)

    def _run(self) -> None:
        start = time.perf_counter()
        try:
            if self.recorder:
                self.recorder.queued()
            with self.manager.slot(self):
                if self.stop_event.is_set() and self.training is None:
                    by = f" {self.stop_reason}" if self.stop_reason else ""
                    self._finish(RunState.STOPPED, f"Stopped{by} before it started.", start)
                    return
                self._train(start)
        except RunStoreError as exc:
            self._fail(f"Could not save the run: {exc}", start)
        except ConfigError as exc:  # e.g. a network too big for this server's limits
            self._fail(f"These settings cannot be trained on this server: {exc}", start)
        except Exception as exc:  # a bug must not kill the server; the viewer sees the message
            traceback.print_exc()
            self._fail(f"Training failed: {type(exc).__name__}: {exc}", start)
        finally:
            self.manager.release(self)
            self.manager.prune()
            gc.collect()  # see free-memory note in the module docstring

    def _fail(self, message: str, start: float) -> None:
        self.training = None  # a failed training cannot be continued: free its engine and data at once
        seconds = self._elapsed + time.perf_counter() - start
        if self.recorder:
            try:
                self.recorder.failed(message, seconds=seconds)
            except RunStoreError as exc:
                message = f"{message} (The run could not be saved: {exc})"
        self._end(RunState.FAILED, message, seconds)

    def _train(self, start: float) -> None:
        from .evaluate import evaluate
        from .training import Training  # imports TensorFlow

        self._update(state=RunState.RUNNING)
        self._warm = False
        if self.recorder:
            self.recorder.started()
        if self.training is None:
            self._update(phase="Building the model…")
            self.training = Training(
                self.config,
                self.data,
                on_epoch=self._on_epoch,
                on_progress=self._on_progress,
                stop_event=self.stop_event,
            )
            self.training.pace_seconds, self.training.stop_reason = self.pace_seconds, self.stop_reason
            self._update(heldout=self.training.heldout, phase="Measuring the untrained network…")
            initial = self.training.measure_untrained()
            self._update(initial=initial.to_dict(), pool_probabilities=self._predict_pool(), grid_epoch=0.0)
        self._update(phase="Compiling the training steps…" if not self.training.history else "")
        self._grid_at = time.perf_counter()
        training = self.training.run(self.target_epochs, max_seconds=self.manager.training_seconds)
        model, self._model = training.keras_model(), None
        test = {}
        if len(self.pool):
            self._evaluation = evaluate(model, self.data.x_test, self.data.y_test)
            test = {"test_loss": self._evaluation.loss, "test_accuracy": self._evaluation.accuracy}
        training.release()  # a finished job keeps its history and a checkpoint, not the engine or data copies
        message = training.message
        if training.out_of_time:
            who = "The teacher" if self.manager.teacher_seconds else limits.TRAINING_SECONDS.env
            message += f" {who} sets this server's limit."
        self._finish(training.status, message, start, model, **test)

    def _predict_pool(self) -> np.ndarray | None:
        return self.training.predict(self.data.x_test[self.pool]) if len(self.pool) else None

    def _on_progress(self, progress, rate: float) -> None:
        """A live point every report (about a tenth of an epoch); the grid's predictions at most every
        GRID_SECONDS (the page shows no more often), so the updates cost little training time."""
        done = len(self.training.history)
        remaining = self.target_epochs - done - progress.fraction
        point = {"epoch": done + progress.fraction, "loss": progress.loss, "accuracy": progress.accuracy}
        changes = {}
        if progress.fraction < 1 and time.perf_counter() - self._grid_at >= GRID_SECONDS:
            changes = {"pool_probabilities": self._predict_pool(), "grid_epoch": point["epoch"]}
            self._grid_at = time.perf_counter()
        with self._lock:
            snap = self._snap
            snap.epoch_fraction, snap.samples_per_sec, snap.phase = progress.fraction, rate, ""
            snap.eta_seconds = remaining * len(self.training.x_train) / rate if rate else None
            if progress.fraction < 1 and all(map(math.isfinite, (progress.loss, progress.accuracy))):
                snap.points = [*snap.points, point]
            for key, value in changes.items():
                setattr(snap, key, value)

    def set_pace(self, seconds: float) -> None:
        """The shortest an epoch may take from now on (0: full speed), for a class to follow."""
        self.pace_seconds = max(0.0, float(seconds))
        if self.training is not None:
            self.training.pace_seconds = self.pace_seconds

    def _on_epoch(self, log) -> None:
        if self._warm and self.training.status == RunState.RUNNING:  # not a first (compiling) or cut-short epoch
            d = self.data
            self.manager.speed.observe(self.config, len(d.x_train), d.n_features, d.n_classes, log.seconds)
        self._warm = True
        probabilities = self._predict_pool()
        self._grid_at = time.perf_counter()
        if self.recorder:
            self.recorder.epoch(log)
        with self._lock:
            self._snap.history = [*self._snap.history, log.to_dict()]
            self._snap.pool_probabilities, self._snap.grid_epoch = probabilities, float(log.epoch)
            self._snap.epoch_fraction = 0.0

    def _finish(self, state: RunState, message: str, start: float, model=None, **metrics: Any) -> None:
        """End this stretch in the run store first (a RunStoreError here makes the job fail), then for viewers."""
        seconds = self._elapsed + time.perf_counter() - start
        if self.recorder:
            self.recorder.finished(state, model, message=message, seconds=seconds, **metrics)
        self._end(state, message, seconds, **metrics)

    def _end(self, state: RunState, message: str, seconds: float, **metrics: Any) -> None:
        self._elapsed = seconds
        self.finished_at = time.time()
        self._update(state=state, message=message, seconds=seconds, epoch_fraction=0.0, eta_seconds=None, **metrics)


class JobManager:
    """Server-wide: at most `max_parallel` trainings at once, the rest wait in FIFO order."""

    def __init__(self, max_parallel: int | None = None, store: RunStore | None = None):
        self.max_parallel = max_parallel or int(os.environ.get("MLP_MAX_TRAININGS") or os.cpu_count() or 1)
        self.store = store
        self._cond = threading.Condition()
        self._running: set[str] = set()
        self._waiting: list[str] = []
        self.jobs: dict[str, Job] = {}
        self.pruned: OrderedDict[str, str | None] = OrderedDict()  # job id -> its run id, newest last
        self.speed = SpeedModel()  # estimates training times, learning from every epoch trained here
        self.teacher_seconds: float | None = None  # the teacher's budget per training (None: the environment's)

    @property
    def training_seconds(self) -> float:
        """The budget of one training started from now on: the teacher's, else MLP_MAX_TRAINING_SECONDS."""
        return self.teacher_seconds or limits.TRAINING_SECONDS.value

    def set_max_parallel(self, n: int) -> None:
        """Run at most `n` trainings at once from now on (running ones go on); waiting ones start at once
        when slots open."""
        with self._cond:
            self.max_parallel = max(1, int(n))
            self._cond.notify_all()

    def active_jobs(self) -> list[Job]:
        """Every job running or queued on this server, in no particular order."""
        with self._cond:
            jobs = list(self.jobs.values())
        return [job for job in jobs if job.snapshot_state() not in FINISHED]

    def submit(
        self,
        config: RunConfig,
        data: Dataset,
        owner: str = "",
        pool_seed: int = 0,
        epochs: int | None = None,
        pace: float = 0.0,
        name: str = "",
        *,
        nickname: str = "",
        test_set: bool = True,
        tags: Mapping[str, Any] | None = None,
    ) -> Job:
        """Start a training in the background (queued if the server is busy); `epochs` caps this
        first stretch (the Step button trains one), else config.epochs; `pace`: see Job.set_pace;
        `name` names its run, `nickname` labels it for the class. test_set=False: the job never looks at
        the test set (no grid, no evaluation), as a sweep's trials must not; `tags`: extra fields of the
        saved run's status."""
        rng = np.random.default_rng(pool_seed)
        pool = np.sort(rng.permutation(len(data.x_test))[: POOL if test_set else 0])
        job = Job(self, config, data, owner, self.store, pool, tags, name, nickname)
        job.target_epochs = epochs or config.epochs
        job.set_pace(pace)
        with self._cond:
            earlier = [j for j in self.jobs.values() if owner and j.owner == owner]
            self.jobs[job.id] = job
        for j in earlier:  # the session has moved on: their checkpoints and models are no longer needed
            j.compact()
        self.enqueue(job)
        return job

    def enqueue(self, job: Job) -> None:
        with self._cond:
            self._waiting.append(job.id)  # queued from now on, in submission order
        threading.Thread(target=job._run, name=f"train-{job.id}", daemon=True).start()

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def pruned_run(self, job_id: str) -> str | None:
        """The run id of a job that finished long ago and was dropped from memory (None if unknown)."""
        with self._cond:
            return self.pruned.get(job_id)

    def prune(self, keep: int | None = None, max_age: float | None = None) -> list[str]:
        """Forget finished jobs beyond the newest `keep` or older than `max_age` seconds (defaults: the
        MLP_KEEP_JOBS and MLP_JOB_HOURS limits). Their runs stay in the run store; `pruned_run` still
        maps their ids to those runs so an old `?job=` link can say where the results went."""
        keep = int(limits.KEEP_JOBS.value) if keep is None else keep
        max_age = limits.JOB_HOURS.value * 3600 if max_age is None else max_age
        now = time.time()
        with self._cond:
            finished = sorted(
                (j for j in self.jobs.values() if j.finished_at is not None and j.snapshot_state() in FINISHED),
                key=lambda j: j.finished_at,
            )
            old = {j.id for j in finished if now - j.finished_at > max_age}
            old |= {j.id for j in finished[: max(0, len(finished) - keep)]}
            for job_id in old:
                self.pruned[job_id] = self.jobs.pop(job_id).run_id
            while len(self.pruned) > PRUNED_KEPT:
                self.pruned.popitem(last=False)
        return sorted(old)

    def queue_position(self, job: Job) -> int:
        """1 for the next to start; 0 when not waiting."""
        with self._cond:
            return self._waiting.index(job.id) + 1 if job.id in self._waiting else 0

    def starts_at_once(self, job: Job) -> bool:
        """Queued but waiting for no training to end: it holds a slot already (and is building its
        training), or there are free slots for it and every job ahead. The viewer then says "Starting",
        not "position 1"."""
        with self._cond:
            if job.id in self._running:
                return True
            return job.id in self._waiting and self._waiting.index(job.id) < self.max_parallel - len(self._running)

    def slot(self, job: Job):
        manager = self

        class _Slot:
            def __enter__(self):
                with manager._cond:
                    while (
                        len(manager._running) >= manager.max_parallel or manager._waiting[0] != job.id
                    ) and not job.stop_event.is_set():
                        manager._cond.wait(timeout=0.5)
                    manager._waiting.remove(job.id)
                    manager._running.add(job.id)
                    manager._cond.notify_all()

            def __exit__(self, *exc):
                manager.release(job)

        return _Slot()

    def release(self, job: Job) -> None:
        """Free the job's place, running or waiting."""
        with self._cond:
            self._running.discard(job.id)
            if job.id in self._waiting:
                self._waiting.remove(job.id)
            self._cond.notify_all()

    @property
    def running(self) -> int:
        with self._cond:
            return len(self._running)
