"""One run's life in the run store, written the same way whichever path trains it (a job, the CLI).

The order is what readers rely on: the run exists before it trains, each epoch is on disk when it ends,
and the model is saved before the final status, so a run never says it is done without its model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .config import RunConfig
from .runs import RunStore
from .states import RunState

if TYPE_CHECKING:
    from .training import EpochLog


class RunRecorder:
    """queued() -> started() -> epoch()... -> finished() or failed(). A Step goes round again on the
    same run: its history grows and its status is written anew. Store errors raise RunStoreError."""

    def __init__(
        self,
        store: RunStore,
        config: RunConfig,
        owner: str = "",
        name: str = "",
        tags: Mapping[str, Any] | None = None,
    ):
        self.store, self.config, self.owner, self.name = store, config, owner, name
        self.tags = dict(tags or {})
        self.run_id: str | None = None  # set when the run is created

    def queued(self) -> str:
        """Create the run (state queued), or mark it waiting again for a Step; returns its id."""
        if self.run_id is None:
            self.run_id = self.store.create(self.config, owner=self.owner, name=self.name, **self.tags)
        else:
            self.store.set_status(self.run_id, RunState.QUEUED)
        return self.run_id

    def started(self) -> None:
        if self.run_id is None:
            self.queued()
        self.store.set_status(self.run_id, RunState.RUNNING)

    def epoch(self, log: EpochLog) -> None:
        self.store.append_epoch(self.run_id, log.to_dict())

    def finished(
        self,
        state: RunState,
        model,
        *,
        message: str = "",
        seconds: float,
        test_loss: float | None = None,
        test_accuracy: float | None = None,
    ) -> None:
        """The model (None: stopped before any training), then the final status."""
        if model is not None:
            self.store.save_model(self.run_id, model)
        self.store.set_status(
            self.run_id, state, message=message, seconds=seconds, test_loss=test_loss, test_accuracy=test_accuracy
        )

    def failed(self, message: str, *, seconds: float) -> None:
        """Mark the run failed, if it was created; a model and test figures of an earlier stretch stay."""
        if self.run_id is not None:
            self.store.set_status(self.run_id, RunState.FAILED, message=message, seconds=seconds)
