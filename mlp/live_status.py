"""The Train page's status line: one sentence for a job's state at one moment, without Streamlit."""

from __future__ import annotations

from dataclasses import dataclass

from .estimate import describe_seconds
from .jobs import Snapshot
from .states import RunState


@dataclass(frozen=True)
class Status:
    """kind: the snapshot's state, or "starting" / "waiting" for a queued job. progress: 0..1 while it
    trains (a bar, also shown empty while starting, so the line does not flash into a warning and back)."""

    kind: str
    text: str
    progress: float | None = None


def status(snap: Snapshot, epochs: int, max_parallel: int) -> Status:
    """What to say about `snap`, a training of `epochs` epochs on a server running `max_parallel` at once."""
    done = len(snap.history)
    if snap.state == RunState.QUEUED and snap.starting:
        return Status("starting", "Starting the training…", 0.0)
    if snap.state == RunState.QUEUED:
        return Status(
            "waiting",
            f"Waiting for a free trainer: position **{snap.queue_position or 1}** in the queue "
            f"({max_parallel} trainings run at once on this server).",
        )
    if snap.state == RunState.RUNNING:
        speed = f"{snap.samples_per_sec:,.0f} samples/s{time_left(snap.eta_seconds)}" if snap.samples_per_sec else ""
        text = f"Epoch {min(done + 1, epochs)} of {epochs} · {speed or snap.phase or 'building the model…'}"
        return Status(snap.state, text, min(1.0, (done + snap.epoch_fraction) / epochs))
    if snap.state == RunState.COMPLETED:
        return Status(snap.state, f"Finished {done} epochs in {snap.seconds:.1f}s.")
    if snap.state == RunState.STOPPED:
        return Status(snap.state, snap.message or f"Stopped after epoch {done} of {epochs}; the weights were kept.")
    if snap.state == RunState.DIVERGED:
        return Status(snap.state, f"**Diverged.** {snap.message}")
    return Status(snap.state, snap.message)


def time_left(seconds: float | None) -> str:
    """', about 40 s left'; nothing when unknown or under a second (the end of an epoch can overshoot
    the estimate: never "-0s left")."""
    if seconds is None or seconds < 1:
        return ""
    return f", {describe_seconds(seconds)} left"
