"""The live view at lesson pace, library side: epoch 0, progress within epochs, a slower pace."""

import threading
import time

import numpy as np
import pytest

from mlp.config import LayerSpec, RunConfig
from mlp.training import UNTRAINED_ROWS, Training

NET = RunConfig(layers=(LayerSpec(32),), epochs=1)


@pytest.mark.parametrize("engine", ["keras", "scratch"])
def test_progress_arrives_about_every_tenth_of_an_epoch_with_running_metrics(engine, sample):
    seen = []
    Training(NET.replace(engine=engine), sample, on_progress=lambda p, rate: seen.append((p, rate))).run()
    fractions = [p.fraction for p, _ in seen]
    assert fractions[-1] == pytest.approx(1.0) and fractions == sorted(fractions)
    assert len(seen) >= 8 and max(np.diff([0.0, *fractions])) <= 0.15
    assert all(0 <= p.accuracy <= 1 and np.isfinite(p.loss) and rate > 0 for p, rate in seen)
    assert seen[-1][0].accuracy > seen[0][0].accuracy  # it learns within the epoch


@pytest.mark.parametrize("engine", ["keras", "scratch"])
def test_epoch_zero_is_the_untrained_network_and_changes_nothing(engine, small):
    config = NET.replace(engine=engine, epochs=2, dropout=0.2)
    measured = Training(config, small)
    initial = measured.measure_untrained()
    assert initial.epoch == 0 and initial.val_accuracy < 0.3 and initial.loss > 1.5  # about chance
    measured.run()
    plain = Training(config, small).run()
    # the same run (to float rounding: TensorFlow's threaded reductions are not bit-reproducible)
    assert [h.loss for h in measured.history] == pytest.approx([h.loss for h in plain.history], rel=1e-5)
    assert min(UNTRAINED_ROWS, len(small.x_train)) > 0


def test_pace_stretches_epochs_without_changing_results(small):
    config = NET.replace(engine="scratch", epochs=2)
    fast = Training(config, small).run()
    slow = Training(config, small)
    slow.pace_seconds = 1.5
    slow.run()
    assert all(h.seconds >= 1.4 for h in slow.history)
    assert [h.loss for h in slow.history] == pytest.approx([h.loss for h in fast.history], rel=1e-5)


def test_stop_ends_a_paced_wait_at_once(small):
    stop = threading.Event()
    training = Training(NET.replace(engine="scratch", epochs=5), small, stop_event=stop)
    training.pace_seconds = 60
    threading.Timer(1.0, stop.set).start()
    start = time.perf_counter()
    training.run()
    assert training.status == "stopped" and time.perf_counter() - start < 10


def test_a_job_shows_epoch_zero_points_within_epochs_and_a_refreshed_grid(sample):
    from mlp.jobs import JobManager

    job = JobManager(max_parallel=1).submit(NET.replace(epochs=2, engine="scratch"), sample, pace=1.5)
    grids = set()
    while job.snapshot().active:
        snap = job.snapshot()
        if snap.pool_probabilities is not None:
            grids.add(snap.grid_epoch)
        time.sleep(0.05)
    snap = job.snapshot()
    assert snap.initial["epoch"] == 0 and snap.initial["val_accuracy"] < 0.3
    assert 0.0 in grids and any(0 < g < 1 for g in grids)  # the untrained grid, then one within epoch 1
    xs = [p["epoch"] for p in snap.points]
    assert len(xs) >= 10 and xs == sorted(xs) and all(x % 1 for x in xs)
    assert {int(x) for x in xs} == {0, 1}  # points inside both epochs
    assert all(h["seconds"] >= 1.4 for h in snap.history)  # the pace held


def test_the_presenters_pace_reaches_the_running_job_and_the_next(small):
    from mlp.jobs import JobManager
    from mlp.session import Workbench

    wb = Workbench(JobManager(max_parallel=1))
    wb.config = NET.replace(engine="scratch", epochs=30)
    job = wb.train().job
    wb.set_pace(2.0)
    assert job.pace_seconds == 2.0
    wb.stop()
    while job.snapshot().active:
        time.sleep(0.05)
    assert wb.train().job.pace_seconds == 2.0
    wb.stop()
