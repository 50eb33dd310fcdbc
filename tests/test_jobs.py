import time

import numpy as np
import pytest
from job_helpers import DIVERGES, wait

from mlp.config import LayerSpec, RunConfig
from mlp.jobs import POOL, JobManager
from mlp.runs import RunStore

FAST = RunConfig(layers=(LayerSpec(32),), epochs=2, engine="scratch")


def test_job_trains_in_background_and_saves_the_run(small, tmp_path):
    manager = JobManager(max_parallel=1, store=RunStore(tmp_path))
    job = manager.submit(FAST, small, owner="me")
    snap = wait(job)
    assert snap.state == "completed" and len(snap.history) == 2
    assert snap.pool_probabilities.shape == (min(POOL, len(small.x_test)), 10)
    assert snap.test_accuracy == pytest.approx(job.evaluation.accuracy) and snap.test_accuracy > 0.7
    run = RunStore(tmp_path).load(job.run_id)
    assert run.state == "completed" and len(run.history) == 2 and run.has_model
    assert run.status["owner"] == "me"


def test_cap_queues_jobs_in_order(small, sample, tmp_path):
    manager = JobManager(max_parallel=1, store=RunStore(tmp_path))
    first = manager.submit(FAST.replace(epochs=100), sample)
    second = manager.submit(FAST, small)
    third = manager.submit(FAST, small)
    while first.snapshot().state != "running":
        time.sleep(0.02)
    assert manager.running == 1
    assert second.snapshot().state == "queued" and second.snapshot().queue_position == 1
    assert third.snapshot().queue_position == 2
    assert not second.snapshot().starting and not third.snapshot().starting  # the first holds the only slot
    first.stop()
    assert wait(first).state == "stopped"
    assert wait(second).state == "completed" and wait(third).state == "completed"
    assert second.snapshot().seconds < third.snapshot().seconds  # FIFO: the third waited for the second


def test_stop_while_running_and_while_queued(sample, tmp_path):
    manager = JobManager(max_parallel=1, store=RunStore(tmp_path))
    running = manager.submit(RunConfig(epochs=50, batch_size=32), sample)
    queued = manager.submit(FAST, sample)
    while not running.snapshot().history:
        time.sleep(0.05)
    queued.stop()
    start = time.time()
    running.stop()
    snap = wait(running)
    assert snap.state == "stopped" and len(snap.history) < 50
    assert time.time() - start < 10
    assert wait(queued).state == "stopped" and "before it started" in queued.snapshot().message
    assert RunStore(tmp_path).load(running.run_id).has_model  # weights kept


def test_learning_rate_change_is_marked(small):
    manager = JobManager(max_parallel=1)
    job = manager.submit(FAST.replace(epochs=4, batch_size=256), small)
    while not job.snapshot().history:
        time.sleep(0.01)
    job.set_learning_rate(1e-4)
    snap = wait(job)
    assert snap.lr_changes and snap.history[-1]["learning_rate"] == pytest.approx(1e-4)


def test_diverged_job_reports(small):
    cfg = DIVERGES
    snap = wait(JobManager(max_parallel=1).submit(cfg, small))
    assert snap.state == "diverged" and "learning rate" in snap.message


def test_unsaveable_store_fails_cleanly(small, tmp_path):
    (tmp_path / "file").write_text("x")
    job = JobManager(max_parallel=1, store=RunStore(tmp_path / "file")).submit(FAST, small)
    snap = wait(job)
    assert snap.state == "failed" and "Could not save the run" in snap.message


def test_step_trains_exactly_one_more_epoch_of_the_same_model(small, tmp_path):
    manager = JobManager(max_parallel=1, store=RunStore(tmp_path))
    job = manager.submit(FAST.replace(epochs=5), small, epochs=1)
    assert wait(job).state == "completed" and len(job.snapshot().history) == 1
    assert job.training.engine is None and job.training.checkpoint is not None  # released between stretches
    weights = job.model.get_weights()
    job.resume(1)
    snap = wait(job)
    assert snap.state == "completed" and [h["epoch"] for h in snap.history] == [1, 2]
    assert not np.allclose(job.model.get_weights()[0], weights[0])
    run = RunStore(tmp_path).load(job.run_id)
    assert len(run.history) == 2 and run.state == "completed"  # the same run, continued
    straight = wait(manager.submit(FAST.replace(epochs=2), small))  # the same two epochs without a pause
    assert snap.history[-1]["loss"] == pytest.approx(straight.history[-1]["loss"], rel=1e-6)


def test_diverged_job_cannot_be_stepped(small):
    cfg = DIVERGES
    job = JobManager(max_parallel=1).submit(cfg, small)
    wait(job)
    with pytest.raises(RuntimeError, match="cannot be continued"):
        job.resume(1)


def test_a_job_with_a_free_slot_is_starting_never_waiting(small, tmp_path):
    """It may be seen between its submission and its first epoch: then it starts at once, it does not wait."""
    manager = JobManager(max_parallel=2, store=RunStore(tmp_path))
    busy = manager.submit(FAST.replace(epochs=100), small)
    job = manager.submit(FAST, small)
    while (snap := job.snapshot()).active:
        assert snap.state != "queued" or snap.starting
        time.sleep(0.005)
    busy.stop()
    assert job.snapshot().state == "completed" and wait(busy).state == "stopped"
