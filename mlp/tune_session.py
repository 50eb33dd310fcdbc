"""One browser session's sweep, without Streamlit: the rules of the Tune page's buttons.

One sweep per session at a time (a second Start while one runs is refused); Stop ends it keeping the
finished trials; the best trial's configuration can be opened in the Train page; a new session opened
with the sweep's name (a browser refresh: the name is in the URL) reattaches to it while it runs.
The search starts from the session's Train-page settings (its Workbench), with a validation split.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import ConfigError, RunConfig
from .data import DataError, Dataset
from .runs import RunStoreError
from .session import Workbench
from .tune import Budget, Plan, SearchSpace, Sweep, running_sweep, sweep_slots


@dataclass(frozen=True)
class TuneOutcome:
    """What a Start / Resume / Stop press did: action is "started", "refused" (one is running, or the
    plan cannot run: see message), "stopping" or "idle" (nothing to stop)."""

    action: str
    sweep: Sweep | None
    message: str = ""


class Tuner:
    """The session's sweep and the rules of Start, Resume, Stop and 'open the best in Train'."""

    def __init__(self, workbench: Workbench, slots: int | None = None):
        self.workbench = workbench
        self.slots = slots  # None: the server's MLP_SWEEP_SLOTS
        self.sweep: Sweep | None = None

    @property
    def running(self) -> bool:
        return self.sweep is not None and self.sweep.running

    def plan(self, space: SearchSpace, budget: Budget, sampler: str, pruning: bool, validation_fraction: float) -> Plan:
        """The plan for the session's Train settings searched over `space`; raises ConfigError (or
        DataError for a dataset this session no longer holds) saying what to change."""
        base = self.workbench.config.replace(validation_fraction=validation_fraction)
        plan = Plan(space, budget, base, sampler, pruning)
        return plan.validated(self._dataset(base.dataset), self.workbench.manager.speed, sweep_slots(self.slots))

    def start(self, plan: Plan) -> TuneOutcome:
        """A new sweep of `plan`, unless this session's sweep is still running."""
        if self.running:
            return self._refused()
        try:
            sweep = Sweep.create(
                self.workbench.manager,
                plan,
                self._dataset(plan.base.dataset),
                owner=self.workbench.owner,
                slots=self.slots,
            )
        except (ConfigError, DataError, RunStoreError) as exc:
            return TuneOutcome("refused", self.sweep, f"The sweep cannot start: {exc}")
        self.sweep = sweep.start()
        return TuneOutcome("started", sweep, f"Sweep {sweep.name} started.")

    def resume(self, name: str) -> TuneOutcome:
        """Go on with a stored sweep (after a restart or a Stop), unless this session's sweep runs."""
        if self.running:
            return self._refused()
        try:
            sweep = Sweep.resume(
                self.workbench.manager, name, self._dataset, owner=self.workbench.owner, slots=self.slots
            ).start()
        except (ConfigError, DataError, RunStoreError) as exc:
            return TuneOutcome("refused", self.sweep, f"The sweep cannot be resumed: {exc}")
        self.sweep = sweep
        return TuneOutcome("started", sweep, f"Sweep {name} resumed.")

    def attach(self, name: str | None) -> bool:
        """Become the session of the running sweep `name` (its owner too, so its runs stay deletable);
        False when this session has a sweep already or no such sweep runs here."""
        sweep = running_sweep(self.workbench.manager.store, name) if name and self.sweep is None else None
        if sweep is None:
            return False
        self.sweep, self.workbench.owner = sweep, sweep.owner or self.workbench.owner
        return True

    def stop(self) -> TuneOutcome:
        if not self.running:
            return TuneOutcome("idle", self.sweep, "No sweep is running.")
        self.sweep.stop()
        return TuneOutcome("stopping", self.sweep, "Stopping: the finished trials are kept.")

    def open_best(self) -> RunConfig | None:
        """Put the best trial's configuration in the Train page's form; None when there is no best yet."""
        best = self.sweep.best() if self.sweep is not None else None
        if best is None or best.config is None:
            return None
        self.workbench.config = best.config
        self.workbench.form_version += 1  # the form's widgets are rebuilt from it
        return best.config

    def _dataset(self, name: str) -> Dataset:
        return self.workbench.dataset_named(name)

    def _refused(self) -> TuneOutcome:
        return TuneOutcome("refused", self.sweep, "A sweep is already running in this session: stop it first.")
