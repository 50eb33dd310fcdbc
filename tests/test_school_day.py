"""A school day on one server: finished jobs cost little, old ones are pruned, trainings keep to a budget."""

import time

import pytest
from job_helpers import wait

from mlp.config import LayerSpec, RunConfig
from mlp.estimate import SpeedModel, describe_seconds
from mlp.jobs import JobManager
from mlp.runs import RunStore
from mlp.session import Workbench

FAST = RunConfig(layers=(LayerSpec(16),), epochs=1, engine="scratch")


def test_finished_job_keeps_results_but_not_engine_or_data(small, tmp_path):
    manager = JobManager(max_parallel=1, store=RunStore(tmp_path))
    job = manager.submit(FAST, small, owner="a")
    snap = wait(job)
    assert snap.state == "completed" and snap.history and snap.pool_probabilities is not None
    training = job.training
    assert training.engine is None and training._split is None and training._last_good is None
    assert 0 < training.checkpoint.nbytes < 200_000  # 784-16-10: 12,730 weights and two optimizer slots
    assert job.evaluation.accuracy == pytest.approx(snap.test_accuracy)
    assert job.model.get_weights()[0].shape == (784, 16)  # loaded from the run store when asked for


def test_a_sessions_newer_job_frees_the_older_ones(small, tmp_path):
    manager = JobManager(max_parallel=1, store=RunStore(tmp_path))
    first = manager.submit(FAST, small, owner="a")
    wait(first)
    other = manager.submit(FAST, small, owner="b")
    second = manager.submit(FAST, small, owner="a")
    wait(other), wait(second)
    assert first.training is None and first._model is None and first._evaluation is None  # compacted
    assert other.training is not None  # another session's job keeps its checkpoint
    assert first.snapshot().history and first.evaluation.accuracy == pytest.approx(first.snapshot().test_accuracy)
    with pytest.raises(RuntimeError, match="no longer held in memory"):
        first.resume(1)


def test_prune_by_count_and_age_keeps_runs_on_disk(small, tmp_path):
    store = RunStore(tmp_path)
    manager = JobManager(max_parallel=1, store=store)
    jobs = [manager.submit(FAST.replace(seed=i), small, owner=f"s{i}") for i in range(4)]
    for job in jobs:
        wait(job)
    pruned = manager.prune(keep=2)
    assert set(pruned) == {jobs[0].id, jobs[1].id}
    assert manager.get(jobs[0].id) is None and manager.get(jobs[3].id) is jobs[3]
    assert manager.pruned_run(jobs[0].id) == jobs[0].run_id and store.load(jobs[0].run_id).has_model
    assert manager.prune(keep=100, max_age=0) == sorted([jobs[2].id, jobs[3].id])
    assert not manager.jobs and len(store.list()) == 4


def test_running_jobs_are_never_pruned(sample, tmp_path):
    manager = JobManager(max_parallel=1, store=RunStore(tmp_path))
    job = manager.submit(FAST.replace(epochs=200), sample)
    while job.snapshot().state != "running":
        time.sleep(0.02)
    assert manager.prune(keep=0, max_age=0) == []
    job.stop()
    wait(job)


def test_a_link_to_a_pruned_job_says_where_its_run_is(small, tmp_path):
    manager = JobManager(max_parallel=1, store=RunStore(tmp_path))
    job = manager.submit(FAST, small, owner="a")
    wait(job)
    manager.prune(keep=0)
    wb = Workbench(manager)
    assert wb.current_job(job.id) is None
    note = wb.missing_job_note(job.id)
    assert job.run_id in note and f"runs?run={job.run_id}" in note
    assert "not known to this server" in wb.missing_job_note("no-such-job")
    assert wb.missing_job_note(None) is None


def test_budget_stops_a_training_within_a_chunk_and_keeps_its_model(sample, tmp_path, monkeypatch):
    monkeypatch.setenv("MLP_MAX_TRAINING_SECONDS", "2")
    store = RunStore(tmp_path)
    job = JobManager(max_parallel=1, store=store).submit(FAST.replace(epochs=500, batch_size=8), sample)
    snap = wait(job)
    assert snap.state == "stopped" and 0 < len(snap.history) < 500
    assert "time limit of 2 s" in snap.message and "MLP_MAX_TRAINING_SECONDS" in snap.message
    assert snap.seconds < 2 + 5  # one chunk (about 0.25 s of steps) past the limit, plus evaluating and saving
    run = store.load(job.run_id)
    assert run.state == "stopped" and run.has_model and "time limit" in run.status["message"]


def test_speed_model_learns_from_measured_epochs():
    speed = SpeedModel()
    config = RunConfig()
    before = speed.epoch_seconds(config, 60000)
    bigger = speed.epoch_seconds(config.replace(layers=(LayerSpec(1024), LayerSpec(1024))), 60000)
    smaller_batch = speed.epoch_seconds(config.replace(batch_size=8), 60000)
    assert bigger > 5 * before and smaller_batch > before  # more arithmetic, more steps
    for _ in range(30):
        speed.observe(config, 60000, 784, 10, 3 * before)  # this server is three times slower
    assert speed.epoch_seconds(config, 60000) == pytest.approx(3 * before, rel=0.01)
    assert speed.training_seconds(config, 60000) > config.epochs * 3 * before
    assert describe_seconds(40) == "about 40 s" and describe_seconds(600) == "about 10 min"


def test_estimate_warns_past_the_budget(sample, monkeypatch):
    wb = Workbench(JobManager(max_parallel=1))
    assert not wb.estimate(sample).over_budget  # the default network on the sample: seconds
    wb.config = wb.config.replace(layers=(LayerSpec(2048), LayerSpec(2048)), batch_size=1, epochs=500)
    assert wb.estimate(sample).over_budget
    monkeypatch.setenv("MLP_MAX_TRAINING_SECONDS", str(10**9))
    assert not wb.estimate(sample).over_budget


@pytest.mark.slow
def test_memory_stays_flat_over_150_trainings():
    """benchmarks/bench_soak.py in JobManager mode, in a child limited to 8 GB of address space."""
    result = run_benchmark("jobs", "--trainings", "150")
    assert result["states"] == {"completed": 150}
    assert result["slope_mb_per_training"] <= 2.0, result["rss_curve_mb"]
    assert result["growth_mb"] <= 300.0, result["rss_curve_mb"]


def run_benchmark(mode: str, *args: str, limit: int = 8 * 2**30) -> dict:
    import json
    import resource
    import subprocess
    import sys
    from pathlib import Path

    def limited():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_soak", "--mode", mode, *args],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=1200,
        preexec_fn=limited,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_without_a_run_store_the_model_is_rebuilt_and_the_engine_let_go(small):
    job = JobManager(max_parallel=1).submit(FAST, small)
    wait(job)
    assert job.model.get_weights()[0].shape == (784, 16)
    assert job.training.engine is None and job.training.checkpoint is not None
