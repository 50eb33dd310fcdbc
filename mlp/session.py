"""One browser session's workbench: its settings, datasets, job and results, without Streamlit.

The Train page draws widgets and turns what these methods return into toasts and messages; the rules
(which settings a link gives, when Step continues a model, which job is this session's, which result
came before) live here, where tests reach them without a browser.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import data
from .config import ConfigError, RunConfig
from .estimate import describe_seconds
from .jobs import Job, JobManager
from .nicknames import clean_nickname, random_nickname
from .presets import PRESETS, preset_of
from .runs import run_label
from .states import CONTINUABLE

URL_KEYS_NOT_CONFIG = ("present", "job")  # presenter mode and the job to reattach travel in the URL too
CUSTOM = "(custom)"  # the Preset box's entry for settings that came from no preset (e.g. a link)


def same_model(a: RunConfig, b: RunConfig) -> bool:
    """Would b continue a's model? Everything but the epoch count and the learning rate must match."""
    return a.replace(epochs=1, learning_rate=1.0) == b.replace(epochs=1, learning_rate=1.0)


def running_rate(job: Job) -> float | None:
    """The learning rate a job's training uses now; None without an engine (not started yet, or finished
    and released), when there is nothing to change."""
    training = job.training
    engine = training.engine if training is not None else None
    return engine.learning_rate if engine is not None else None


@dataclass(frozen=True)
class Outcome:
    """What a Train / Step / Stop press did.

    action: "submitted" (a new job), "resumed" (Step on the same model), "refused" (one is running),
    "stopping" or "idle" (Stop with nothing running). message: for a toast, "" when the view says it all.
    """

    action: str
    job: Job | None
    message: str = ""


@dataclass(frozen=True)
class Estimate:
    """How long the current settings would train on this server, against its per-training budget."""

    seconds: float
    budget: float

    @property
    def over_budget(self) -> bool:
        return self.seconds > self.budget

    def describe(self) -> str:
        return describe_seconds(self.seconds)


@dataclass(frozen=True)
class Result:
    """A finished stretch's test accuracy, kept so the next can show how much it changed. A Step on the
    same job is a new stretch (more epochs): its result compares with the one before the Step."""

    job: str
    epochs: int
    accuracy: float


@dataclass(frozen=True)
class LatestModel:
    """The model the Draw page offers as this session's latest: a training's or an evaluated upload."""

    model: Any
    class_names: tuple[str, ...]
    dataset: str
    label: str


class Workbench:
    """The session's state and the rules of the Train page's buttons; one per browser session."""

    def __init__(self, manager: JobManager, owner: str | None = None):
        self.manager = manager
        self.owner = owner or secrets.token_urlsafe(9)  # runs it creates can be deleted only by it
        self.preset: str | None = "default"  # the preset the settings came from (kept while they are edited)
        self.config = RunConfig()  # the form's last valid settings
        self.form_version = 0  # bumped when the settings change from outside the form (preset, upload)
        self.uploads: dict[str, data.Dataset] = {}  # stay in this session: never shared, never in a link
        self.upload_error: str | None = None
        self.run_name = ""  # names the next run Train or Step starts, then is cleared (see name_version)
        self.name_version = 0  # bumped when a name was used: the page's name box starts empty again
        self.job_id: str | None = None
        self.previous_result: Result | None = None
        self.this_result: Result | None = None
        self.latest_model: LatestModel | None = None
        self._link_read = False
        self._upload_id: str | None = None
        self._lr_sent: tuple[str, float] | None = None
        self.pace = 0.0  # presenter mode: the shortest an epoch may take, seconds (0: full speed)
        self.default_nickname = random_nickname()
        self.nickname = self.default_nickname  # labels this session's trainings for the class (see set_nickname)

    def set_nickname(self, text: str) -> str:
        """Take what the student typed as the nickname (trimmed, shortened; empty: the random default)."""
        self.nickname = clean_nickname(text, self.default_nickname)
        return self.nickname

    # --- settings ----------------------------------------------------------------------------
    @property
    def config(self) -> RunConfig:
        return self._config

    @config.setter
    def config(self, config: RunConfig) -> None:
        """Settings equal to a preset's (chosen, or reached by editing) make it the one they came from."""
        self._config = config
        self.preset = preset_of(config) or self.preset

    def preset_label(self) -> str:
        """What the Preset box shows: the preset the settings equal, else the one they were edited from
        ("default (edited)"), else "(custom)"."""
        name = preset_of(self.config)
        if name:
            return name
        return f"{self.preset} (edited)" if self.preset else CUSTOM

    def read_link(self, query: Mapping[str, str]) -> str | None:
        """Once per session, take the settings of the link it was opened with. Returns why they could
        not be used (the defaults stay), else None."""
        if self._link_read:
            return None
        self._link_read = True
        settings = {key: query[key] for key in query if key not in URL_KEYS_NOT_CONFIG}
        if not settings:
            return None
        try:
            config = RunConfig.from_query(settings)
            if config.dataset not in data.DATASETS:
                raise ConfigError(
                    "dataset", f"{config.dataset!r} is not available here (uploads stay in their session)"
                )
        except ConfigError as exc:
            return f"The link's settings could not be used ({exc}); the defaults are shown."
        self.preset = None  # a link's settings come from no preset, unless they equal one
        self.config = config
        return None

    def link(self, query: Mapping[str, str]) -> dict[str, str]:
        """The page's query string: the current settings (a link to share), plus the non-setting keys
        already in `query`."""
        return {**self.config.to_query(), **{key: query[key] for key in URL_KEYS_NOT_CONFIG if key in query}}

    def use_preset(self, name: str) -> None:
        """Load a preset's settings, also the one the edited settings came from (the form refills)."""
        if name in PRESETS:
            self.config = PRESETS[name][1]
            self.form_version += 1

    def receive_upload(self, file_id: str, filename: str, read: Callable[[], bytes]) -> bool:
        """Read a dataset file once (the uploader hands it over on every rerun). True when it is new and
        usable: it becomes the chosen dataset. A refusal is kept in `upload_error`."""
        if file_id == self._upload_id:
            return False
        self._upload_id = file_id
        try:
            ds = data.from_upload(filename, read())
        except data.DataError as exc:
            self.upload_error = f"That file cannot be used: {exc}"
            return False
        self.upload_error = None
        self.uploads[ds.name] = ds
        self.config = self.config.replace(dataset=ds.name)
        self.form_version += 1
        return True

    def dataset_named(self, name: str) -> data.Dataset:
        """A built-in dataset (shared, cached by mlp.data) or one this session uploaded."""
        return self.uploads.get(name) or data.load(name)

    # --- the job -----------------------------------------------------------------------------
    def current_job(self, linked_id: str | None = None) -> Job | None:
        """This session's job; else the one `linked_id` names (the URL's, after a browser refresh
        started a new session), whose owner this session then becomes."""
        job = self.manager.get(self.job_id or "")
        if job is None and linked_id:
            job = self.manager.get(linked_id)
            if job is not None:
                self.job_id, self.owner = job.id, job.owner
        return job

    def missing_job_note(self, linked_id: str | None) -> str | None:
        """Why the job a link names is not shown: finished long ago (its run is saved) or unknown here."""
        if not linked_id or self.current_job(linked_id) is not None:
            return None
        run_id = self.manager.pruned_run(linked_id)
        if run_id:
            return (
                "That training finished a while ago and is no longer kept in the server's memory. "
                f"Its run is saved: open run **{run_id}** on the [Runs page](runs?run={run_id})."
            )
        return (
            "That training is not known to this server (it may have been restarted); saved runs are on the Runs page."
        )

    def estimate(self, ds: data.Dataset) -> Estimate:
        """The current settings' training time on this server (learned from the epochs it has trained)."""
        seconds = self.manager.speed.training_seconds(self.config, len(ds.x_train), ds.n_features, ds.n_classes)
        return Estimate(seconds, self.manager.training_seconds)

    def train(self) -> Outcome:
        """A new job with the current settings, unless one is running."""
        job = self.current_job()
        return _refused(job) if _running(job) else self._submit()

    def step(self) -> Outcome:
        """One more epoch: of the same model if it completed or stopped and only the epochs or the
        learning rate changed since, else of a new one."""
        job = self.current_job()
        if _running(job):
            return _refused(job)
        if (
            job is not None
            and job.training is not None
            and job.snapshot().state in CONTINUABLE
            and same_model(job.config, self.config)
        ):
            job.resume(1)
            return Outcome("resumed", job)
        return self._submit(epochs=1)

    def stop(self) -> Outcome:
        job = self.current_job()
        if not _running(job):
            return Outcome("idle", job, "Nothing is training.")
        job.stop()
        return Outcome("stopping", job, "Stopping after the current chunk of steps…")

    def change_learning_rate(self, job: Job, value: float) -> bool:
        """Send the live slider's value to a running job once: the slider keeps its value over reruns,
        and until the next epoch the engine still reports the old rate. True when sent."""
        current = running_rate(job)
        if current is None or math.isclose(value, current, rel_tol=1e-3) or self._lr_sent == (job.id, value):
            return False
        self._lr_sent = (job.id, value)
        job.set_learning_rate(value)
        return True

    def set_pace(self, seconds: float) -> None:
        """Slow trainings down to at least `seconds` per epoch (a class follows a slow one), the running one
        included; the results do not change, only when they appear."""
        self.pace = max(0.0, float(seconds))
        job = self.current_job()
        if job is not None:
            job.set_pace(self.pace)

    def _submit(self, epochs: int | None = None) -> Outcome:
        config = self.config
        job = self.manager.submit(
            config,
            self.dataset_named(config.dataset),
            owner=self.owner,
            pool_seed=config.seed,
            epochs=epochs,
            pace=self.pace,
            name=self.run_name,
            nickname=self.nickname,
        )
        self.job_id = job.id
        if self.run_name:  # a name is for one run: the next, with other settings, would carry it wrongly
            self.run_name, self.name_version = "", self.name_version + 1
        return Outcome("submitted", job)

    # --- results -----------------------------------------------------------------------------
    def record_result(self, job: Job) -> float | None:
        """Once per finished stretch of a job: its result becomes this_result (the one before moves to
        previous_result) and its model the latest one the Draw page offers. Returns the change in test
        accuracy since the previous result (None for the first), from the first display on."""
        if job.evaluation is None:
            return None
        result = Result(job.id, len(job.snapshot().history), job.evaluation.accuracy)
        if result != self.this_result:
            self.previous_result, self.this_result = self.this_result, result
            self.hand_over(job.model, job.data, f"This session's latest: {run_label(job.name, job.config)}")
        return None if self.previous_result is None else result.accuracy - self.previous_result.accuracy

    def hand_over(self, model, ds: data.Dataset, label: str) -> None:
        """Offer `model` on the Draw page as this session's latest."""
        self.latest_model = LatestModel(model, tuple(ds.class_names), ds.name, label)


def _running(job: Job | None) -> bool:
    return job is not None and job.snapshot().active


def _refused(job: Job) -> Outcome:
    return Outcome("refused", job, "A training is already running in this session: stop it first.")
