"""The run store: one folder per run with config.json, history.json, status.json and model.keras.

history.json is rewritten atomically after every epoch, so a crash loses at most the running epoch.
A run left "running" by a process that is gone is reported as "interrupted".
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import ConfigError, RunConfig
from .models import load_model
from .presets import label, preset_of
from .states import ACTIVE, RunState

RUN_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")
PROCESS_TOKEN = uuid.uuid4().hex  # tells this process's running runs from a crashed server's
MAX_NAME = 60  # characters of a run's optional name


def clean_name(text: str) -> str:
    """A run name as stored: one line, single spaces, at most MAX_NAME characters."""
    return " ".join(str(text).split())[:MAX_NAME]


def run_label(name: str, config: RunConfig) -> str:
    """How a run is named in lists and legends: its name if it has one, then its settings (led by the
    preset's name when they are exactly a preset's)."""
    return " · ".join(filter(None, (name, label(config))))


class RunStoreError(RuntimeError):
    """The run store cannot read or write (bad run id, missing run, full disk, read-only folder)."""


@dataclass(frozen=True)
class Run:
    id: str
    config: RunConfig
    history: list[dict[str, Any]]
    status: dict[str, Any]

    @property
    def state(self) -> str:
        return self.status.get("state", "unknown")

    @property
    def has_model(self) -> bool:
        return bool(self.status.get("has_model"))

    @property
    def name(self) -> str:
        return self.status.get("name") or ""

    @property
    def nickname(self) -> str:
        """The nickname of the session that trained it (see mlp.nicknames); "" for older runs and the CLI's."""
        return self.status.get("nickname") or ""

    @property
    def label(self) -> str:
        return run_label(self.name, self.config)

    @property
    def test_withheld(self) -> bool:
        """A sweep's trial other than the best: chosen by validation, its test set must stay unseen (the
        sweep reports on test once, for its best trial), so no page evaluates it there."""
        return bool(self.status.get("sweep")) and self.status.get("test_accuracy") is None

    def row(self, owner: str) -> dict[str, Any]:
        """The Runs table's row: what tells this run from the others (`owner` marks the viewer's own)."""
        c = self.config
        return {
            "run": self.id,
            "name": self.name,
            "status": self.state,
            "dataset": c.dataset,
            "preset": preset_of(c) or "",
            "architecture": c.architecture(),
            "pixels": c.normalization,
            "engine": c.engine,
            "optimizer": c.optimizer,
            "lr": c.learning_rate,
            "epochs": len(self.history),
            "test accuracy": self.status.get("test_accuracy"),
            "seconds": self.status.get("seconds"),
            "sweep": self.status.get("sweep"),
            "yours": self.status.get("owner") == owner,
        }


def default_root() -> Path:
    return Path(os.environ.get("MLP_RUNS_DIR") or Path.home() / ".mlp_studio" / "runs")


class RunStore:
    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root else default_root()

    # --- writing --------------------------------------------------------------------------
    def create(self, config: RunConfig, owner: str = "", name: str = "", **tags: Any) -> str:
        """A new run, queued; `name` (optional, see clean_name) and `tags` (extra status fields, e.g. the
        sweep a trial belongs to) go into status.json."""
        run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)
        try:
            (self.root / run_id).mkdir(parents=True)
        except OSError as exc:
            raise RunStoreError(f"cannot create a run in {self.root}: {exc.strerror or exc}") from None
        self._write(run_id, "config.json", config.to_dict())
        self._write(run_id, "history.json", [])
        self.set_status(run_id, RunState.QUEUED, **tags, owner=owner, name=clean_name(name), created=time.time())
        return run_id

    def append_epoch(self, run_id: str, log: dict[str, Any]) -> None:
        history = self._read(run_id, "history.json")
        self._write(run_id, "history.json", [*history, log])

    def set_status(self, run_id: str, state: RunState, **fields: Any) -> None:
        path = self._dir(run_id) / "status.json"
        status = json.loads(path.read_text()) if path.exists() else {}
        status.update(fields, state=state, pid=os.getpid(), process=PROCESS_TOKEN, updated=time.time())
        self._write(run_id, "status.json", status)

    def save_model(self, run_id: str, model) -> Path:
        path = self._dir(run_id) / "model.keras"
        tmp = path.with_name(".model.tmp.keras")
        try:
            model.save(tmp)
            os.replace(tmp, path)
        except OSError as exc:
            raise RunStoreError(f"cannot save the model of run {run_id}: {exc.strerror or exc}") from None
        self.set_status(run_id, self.load(run_id).status.get("state", RunState.COMPLETED), has_model=True)
        return path

    def delete(self, run_id: str, owner: str | None = None) -> None:
        """Delete a run; with owner given, only if that owner created it."""
        run = self.load(run_id)
        if owner is not None and run.status.get("owner") != owner:
            raise RunStoreError("you can delete only the runs you created in this session")
        if run.state in ACTIVE:
            raise RunStoreError("this run is still training: stop it first")
        folder = self._dir(run_id)
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()

    # --- reading --------------------------------------------------------------------------
    def load(self, run_id: str) -> Run:
        try:
            config = RunConfig.from_dict(self._read(run_id, "config.json"))
        except ConfigError as exc:
            raise RunStoreError(f"run {run_id} has an unreadable config ({exc})") from None
        status = self._read(run_id, "status.json")
        if status.get("state") in ACTIVE and not process_alive(status):
            status = {**status, "state": RunState.INTERRUPTED}
        return Run(run_id, config, self._read(run_id, "history.json"), status)

    def list(self) -> list[Run]:
        """All readable runs, newest first (unreadable folders are skipped)."""
        if not self.root.is_dir():
            return []
        runs = []
        for folder in sorted(self.root.iterdir(), reverse=True):
            if RUN_ID.match(folder.name):
                try:
                    runs.append(self.load(folder.name))
                except RunStoreError:
                    continue
        return runs

    def model_path(self, run_id: str) -> Path:
        return self._dir(run_id) / "model.keras"

    def load_model(self, run_id: str):
        """The run's model, through the same safe loader as uploads (raises mlp.models.ModelError)."""
        return load_model(self.model_path(run_id))

    # --- files ------------------------------------------------------------------------------
    def _dir(self, run_id: str) -> Path:
        if not isinstance(run_id, str) or not RUN_ID.match(run_id):
            raise RunStoreError(f"not a valid run id: {run_id!r}")
        return self.root / run_id

    def _read(self, run_id: str, name: str) -> Any:
        path = self._dir(run_id) / name
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            raise RunStoreError(f"run {run_id} not found (no {name})") from None
        except (OSError, ValueError) as exc:
            raise RunStoreError(f"run {run_id}: {name} is unreadable ({exc})") from None

    def _write(self, run_id: str, name: str, data: Any) -> None:
        folder = self._dir(run_id)
        try:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
            with os.fdopen(fd, "w") as f:
                json.dump(data, f, indent=1)
            os.replace(tmp, folder / name)
        except OSError as exc:
            raise RunStoreError(f"cannot write {name} of run {run_id}: {exc.strerror or exc}") from None


def process_alive(status: Mapping[str, Any]) -> bool:
    """Is the process that wrote this 'running' status (its pid and PROCESS_TOKEN) still there?"""
    pid = status.get("pid")
    if pid == os.getpid():
        return status.get("process") == PROCESS_TOKEN
    try:
        os.kill(int(pid), 0)
        return True
    except (OSError, TypeError, ValueError):
        return False
