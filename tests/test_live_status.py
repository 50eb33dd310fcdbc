"""The Train page's status line, from snapshots (no training, no Streamlit)."""

import pytest

from mlp.jobs import Snapshot
from mlp.live_status import status, time_left

EPOCH = {"epoch": 1, "loss": 0.3, "accuracy": 0.9}


def test_a_job_that_starts_at_once_says_starting_not_position_one():
    starting = status(Snapshot(state="queued", queue_position=1, starting=True), 5, 2)
    assert starting.kind == "starting" and starting.text == "Starting the training…" and starting.progress == 0.0
    waiting = status(Snapshot(state="queued", queue_position=3), 5, 2)
    assert waiting.kind == "waiting" and "position **3** in the queue" in waiting.text
    assert "2 trainings run at once" in waiting.text and waiting.progress is None


@pytest.mark.parametrize("eta", [None, -0.4, 0.0, 0.6])
def test_no_time_left_is_shown_under_a_second(eta):
    assert time_left(eta) == ""
    snap = Snapshot(state="running", history=[EPOCH] * 4, epoch_fraction=0.99, samples_per_sec=5000, eta_seconds=eta)
    line = status(snap, 5, 1)
    assert line.text == "Epoch 5 of 5 · 5,000 samples/s" and line.progress == pytest.approx(4.99 / 5)


def test_running_lines():
    assert time_left(41.6) == ", about 42 s left" and time_left(600) == ", about 10 min left"
    snap = Snapshot(state="running", history=[EPOCH], samples_per_sec=1234.5, eta_seconds=12)
    assert status(snap, 3, 1).text == "Epoch 2 of 3 · 1,234 samples/s, about 12 s left"
    assert status(Snapshot(state="running"), 3, 1).text == "Epoch 1 of 3 · building the model…"
    compiling = Snapshot(state="running", phase="Compiling the training steps…")
    assert status(compiling, 3, 1).text == "Epoch 1 of 3 · Compiling the training steps…"


def test_a_stop_is_one_sentence():
    message = "Stopped during epoch 9 of 20; the weights were kept."
    line = status(Snapshot(state="stopped", history=[EPOCH] * 9, message=message), 20, 1)
    assert line.kind == "stopped" and line.text == message
    assert status(Snapshot(state="stopped", history=[EPOCH] * 2), 20, 1).text == (
        "Stopped after epoch 2 of 20; the weights were kept."
    )


def test_finished_diverged_failed():
    assert status(Snapshot(state="completed", history=[EPOCH] * 3, seconds=4.04), 3, 1).text == (
        "Finished 3 epochs in 4.0s."
    )
    assert status(Snapshot(state="diverged", message="NaN."), 3, 1).text == "**Diverged.** NaN."
    failed = status(Snapshot(state="failed", message="Training failed: boom"), 3, 1)
    assert failed.kind == "failed" and failed.text == "Training failed: boom"
