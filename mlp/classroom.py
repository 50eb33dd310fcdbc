"""The teacher's side of a classroom, without Streamlit: the key check, the class's trainings, the server's
settings and the leaderboard. The Class page only lays these out.

Without the key nothing here tells one session about another's trainings; the leaderboard (nicknames and
test accuracies only) is shown to the class only when the teacher chooses to.
"""

from __future__ import annotations

import hmac
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from .data import DATASETS
from .jobs import JobManager
from .runs import Run
from .states import CONTINUABLE, RunState

KEY_ENV = "MLP_TEACHER_KEY"
TEACHER_STOP = "by the teacher"  # the stop's reason: "Stopped by the teacher during epoch 3 of 20; …"
MAX_TRIES = 5  # wrong keys in a row a session may try ...
WAIT_SECONDS = 30.0  # ... before it must wait this long
MAX_PARALLEL = 32  # the most simultaneous trainings the teacher may allow
BUDGET_RANGE = (10, 3600)  # whole seconds one training may take, as the teacher may set it
WRONG_KEY = "That is not the teacher key."  # the same whatever the server holds


def configured_key(environ: Mapping[str, str], secret: object = None) -> str | None:
    """The teacher key: MLP_TEACHER_KEY, else the `teacher_key` secret; None when neither is a non-blank text
    (the Class page then only says how to set one)."""
    for value in (environ.get(KEY_ENV), secret):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _same(a: str, b: str) -> bool:
    """Constant-time comparison; bytes, because hmac.compare_digest refuses non-ASCII text."""
    return hmac.compare_digest(a.encode(), b.encode())


class KeyGate:
    """One session's tries at the teacher key. After MAX_TRIES wrong keys it compares none for WAIT_SECONDS,
    so guessing is slow; once the right key is given the session stays the teacher's while that key holds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.wrong = 0  # wrong keys since the last wait
        self.locked_until = 0.0
        self._opened_with: str | None = None

    def is_open(self, key: str | None) -> bool:
        return key is not None and self._opened_with is not None and _same(self._opened_with, key)

    def wait_left(self) -> float:
        return max(0.0, self.locked_until - self.clock())

    def try_key(self, attempt: str, key: str) -> str | None:
        """Check `attempt` against `key`: None when it opens the page, else what to tell the user."""
        if self.wait_left() > 0:
            return self.wait_message()
        if _same(attempt.strip(), key):
            self._opened_with, self.wrong = key, 0
            return None
        self.wrong += 1
        if self.wrong >= MAX_TRIES:
            self.wrong, self.locked_until = 0, self.clock() + WAIT_SECONDS
            return self.wait_message()
        return WRONG_KEY

    def wait_message(self) -> str:
        return f"Too many wrong keys: wait {math.ceil(self.wait_left())} s before the next try."

    def close(self) -> None:
        self._opened_with = None


@dataclass(frozen=True)
class ClassTraining:
    """One running or queued training as the teacher's table shows it."""

    job_id: str
    nickname: str
    setup: str
    epochs_done: int
    epochs: int
    accuracy: float | None  # held-out accuracy of the last epoch, else the running training accuracy
    queue_position: int  # 0: running

    def row(self) -> dict:
        running = self.queue_position == 0
        return {
            "nickname": self.nickname or "—",
            "configuration": self.setup,
            "epoch": f"{min(self.epochs_done + 1, self.epochs) if running else 0} / {self.epochs}",
            "accuracy so far": self.accuracy,
            "queue": "training" if running else f"#{self.queue_position}",
        }


def class_trainings(manager: JobManager) -> list[ClassTraining]:
    """Every running and queued training on the server: the running ones first, then the queue in order."""
    rows = []
    for job in manager.active_jobs():
        snap = job.snapshot()
        if not snap.active:  # ended since it was listed
            continue
        last = snap.history[-1] if snap.history else snap.points[-1] if snap.points else {}
        accuracy = last.get("val_accuracy") if last.get("val_accuracy") is not None else last.get("accuracy")
        rows.append(
            ClassTraining(
                job.id,
                job.nickname,
                job.config.describe(),
                len(snap.history),
                job.target_epochs,
                accuracy,
                snap.queue_position if snap.state == RunState.QUEUED else 0,
            )
        )
    return sorted(rows, key=lambda r: r.queue_position)


def stop_training(manager: JobManager, job_id: str) -> str:
    """The teacher's Stop: what to tell the teacher (the student's page says who stopped it)."""
    job = manager.get(job_id)
    if job is None or not job.snapshot().active:
        return "That training has already ended."
    job.stop(TEACHER_STOP)
    return "Stopping that training after its current chunk of steps…"


def apply_settings(manager: JobManager, parallel: int, seconds: float) -> str | None:
    """The teacher's server settings, for trainings that start from now on; what is wrong, else None."""
    low, high = BUDGET_RANGE
    if not 1 <= parallel <= MAX_PARALLEL:
        return f"Simultaneous trainings must be between 1 and {MAX_PARALLEL}."
    if not low <= seconds <= high:
        return f"The time per training must be between {low:g} and {high:g} seconds."
    manager.set_max_parallel(int(parallel))
    manager.teacher_seconds = float(seconds)
    return None


@dataclass
class Classroom:
    """Server-wide, shared by every session: whether the class sees the leaderboard, and since when it counts
    (time.time() of the last reset: runs created earlier are left out; none is deleted)."""

    leaderboard_shown: bool = False
    since: float = 0.0

    def show_leaderboard(self, shown: bool) -> None:
        self.leaderboard_shown = bool(shown)

    def reset_leaderboard(self, now: float | None = None) -> None:
        self.since = time.time() if now is None else now


def leaderboards(runs: Iterable[Run], since: float = 0.0) -> dict[str, list[dict]]:
    """Per built-in dataset (the one with most entries first): the best test accuracy of each nickname among
    the finished runs created since `since` (a reset), best first, with its settings. Runs of different
    datasets are never ranked together."""
    best: dict[tuple[str, str], Run] = {}
    for run in runs:
        if _counted(run, since):
            key = (run.config.dataset, run.nickname)
            if key not in best or _accuracy(run) > _accuracy(best[key]):
                best[key] = run
    boards: dict[str, list[Run]] = {}
    for (dataset, _), run in best.items():
        boards.setdefault(dataset, []).append(run)
    return {
        dataset: [_entry(rank, run) for rank, run in enumerate(sorted(ranked, key=_accuracy, reverse=True), 1)]
        for dataset, ranked in sorted(boards.items(), key=lambda item: -len(item[1]))
    }


def _counted(run: Run, since: float) -> bool:
    """A finished run with a nickname and a test accuracy, on a built-in dataset, created since the reset."""
    return bool(
        run.nickname
        and run.state in CONTINUABLE
        and isinstance(run.status.get("test_accuracy"), int | float)
        and run.config.dataset in DATASETS
        and run.status.get("created", 0) >= since
    )


def _accuracy(run: Run) -> float:
    return run.status["test_accuracy"]


def _entry(rank: int, run: Run) -> dict:
    return {
        "rank": rank,
        "nickname": run.nickname,
        "test accuracy": _accuracy(run),
        "configuration": run.config.describe(),
        "parameters": run.config.parameter_count(),
        "epochs": len(run.history),
    }
