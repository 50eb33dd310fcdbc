import json
from pathlib import Path

import pytest
from job_helpers import wait

from mlp.__main__ import main
from mlp.config import LayerSpec, RunConfig
from mlp.jobs import JobManager
from mlp.recorder import RunRecorder
from mlp.runs import RunStore, RunStoreError
from mlp.states import RunState
from mlp.training import EpochLog

FAST = RunConfig(layers=(LayerSpec(32),), epochs=1, engine="scratch")


class FakeModel:
    """Saves a few bytes, noting the run's state at that moment."""

    def __init__(self, store: RunStore, recorder: RunRecorder):
        self.store, self.recorder, self.states_seen = store, recorder, []

    def save(self, path):
        self.states_seen.append(self.store.load(self.recorder.run_id).state)
        Path(path).write_bytes(b"model")


def log(epoch: int) -> EpochLog:
    return EpochLog(epoch, 0.5, 0.8, 0.6, 0.7, 1.0, 1000.0, 0.001)


def test_a_run_from_queued_to_completed_with_the_model_saved_before_the_final_status(tmp_path):
    store = RunStore(tmp_path)
    recorder = RunRecorder(store, FAST, owner="me")
    assert recorder.run_id is None
    run_id = recorder.queued()
    assert store.load(run_id).state == RunState.QUEUED
    recorder.started()
    assert store.load(run_id).state == RunState.RUNNING
    recorder.epoch(log(1))
    model = FakeModel(store, recorder)
    recorder.finished(RunState.COMPLETED, model, message="", seconds=2.5, test_loss=0.4, test_accuracy=0.9)
    assert model.states_seen == [RunState.RUNNING]  # no reader ever sees "completed" without the model
    run = store.load(run_id)
    assert run.state == RunState.COMPLETED and run.has_model and run.history == [log(1).to_dict()]
    assert {k: run.status[k] for k in ("owner", "message", "seconds", "test_loss", "test_accuracy")} == {
        "owner": "me",
        "message": "",
        "seconds": 2.5,
        "test_loss": 0.4,
        "test_accuracy": 0.9,
    }


def test_started_creates_the_run_when_nothing_queued_it(tmp_path):
    recorder = RunRecorder(RunStore(tmp_path), FAST, owner="cli")
    recorder.started()
    assert RunStore(tmp_path).load(recorder.run_id).state == RunState.RUNNING


def test_a_step_continues_the_same_run(tmp_path):
    store = RunStore(tmp_path)
    recorder = RunRecorder(store, FAST)
    run_id = recorder.queued()
    recorder.started()
    recorder.epoch(log(1))
    recorder.finished(RunState.STOPPED, FakeModel(store, recorder), message="Stopped.", seconds=1.0)
    assert recorder.queued() == run_id
    assert store.load(run_id).state == RunState.QUEUED  # waiting again: the Runs page will not delete it
    recorder.started()
    recorder.epoch(log(2))
    recorder.finished(RunState.COMPLETED, FakeModel(store, recorder), seconds=2.0, test_loss=0.3, test_accuracy=0.95)
    (run,) = store.list()
    assert run.id == run_id and [h["epoch"] for h in run.history] == [1, 2]
    assert run.state == RunState.COMPLETED and run.status["message"] == "" and run.status["seconds"] == 2.0


def test_stopped_before_it_started_has_no_model(tmp_path):
    store = RunStore(tmp_path)
    recorder = RunRecorder(store, FAST)
    run_id = recorder.queued()
    recorder.finished(RunState.STOPPED, None, message="Stopped before it started.", seconds=0.1)
    run = store.load(run_id)
    assert run.state == RunState.STOPPED and not run.has_model and not store.model_path(run_id).exists()


def test_failed_keeps_what_an_earlier_stretch_saved(tmp_path):
    store = RunStore(tmp_path)
    recorder = RunRecorder(store, FAST)
    recorder.failed("never created", seconds=0.0)  # nothing to mark: no run, no error
    assert store.list() == []
    recorder.started()
    recorder.finished(RunState.COMPLETED, FakeModel(store, recorder), seconds=1.0, test_loss=0.4, test_accuracy=0.9)
    recorder.failed("Training failed: boom", seconds=3.0)
    run = store.load(recorder.run_id)
    assert run.state == RunState.FAILED and run.status["message"] == "Training failed: boom"
    assert run.has_model and run.status["test_accuracy"] == 0.9 and run.status["seconds"] == 3.0


def test_a_store_that_cannot_be_written_raises_run_store_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(RunStoreError, match="cannot create a run"):
        RunRecorder(RunStore(tmp_path / "file"), FAST).queued()


def test_the_cli_and_a_job_save_the_same_files_and_status_keys(small, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MLP_DATA_DIR", "")  # the bundled sample, offline
    cli_store = tmp_path / "cli"
    argv = ["train", "--save", "--runs-dir", str(cli_store), "--epochs", "1", "--layers", "32", "--engine", "scratch"]
    assert main(argv) == 0, capsys.readouterr().err
    (cli_run,) = RunStore(cli_store).list()

    job_store = RunStore(tmp_path / "job")
    job = JobManager(max_parallel=1, store=job_store).submit(FAST, small, owner="me")
    assert wait(job).state == RunState.COMPLETED
    job_run = job_store.load(job.run_id)

    assert cli_run.state == job_run.state == RunState.COMPLETED and cli_run.has_model and job_run.has_model
    assert set(cli_run.status) == set(job_run.status)
    cli_files = sorted(p.name for p in (cli_store / cli_run.id).iterdir())
    job_files = sorted(p.name for p in (job_store.root / job_run.id).iterdir())
    assert cli_files == job_files == ["config.json", "history.json", "model.keras", "status.json"]
    assert json.loads((cli_store / cli_run.id / "status.json").read_text())["state"] == "completed"
