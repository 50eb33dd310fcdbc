"""Real Optuna studies on the bundled sample, through a JobManager, stored in SQLite."""

import json
import threading

import optuna
import pytest

from mlp.config import ConfigError, RunConfig
from mlp.jobs import JobManager
from mlp.runs import RunStore
from mlp.training import Training
from mlp.tune import Budget, Plan, SearchSpace, Sweep

BASE = RunConfig(engine="scratch", validation_fraction=0.2, batch_size=128)
SPACE = SearchSpace.parse(learning_rate="1e-3:8", layers="1", units="16:32")


def max_running(manager: JobManager, sweep: Sweep) -> list[int]:
    """Watch how many trainings run at once while the sweep runs (a list holding the most seen)."""
    seen = [0]

    def watch():
        while sweep.running:
            seen[0] = max(seen[0], manager.running)
            threading.Event().wait(0.02)

    threading.Thread(target=watch, daemon=True).start()
    return seen


def test_a_study_of_four_trials(small, tmp_path):
    store = RunStore(tmp_path)
    manager = JobManager(max_parallel=2, store=store)
    plan = Plan(SPACE, Budget(trials=4, epochs=1, seconds=300), BASE, "random")
    sweep = Sweep.create(manager, plan, small, name="four", owner="me", slots=1)
    sweep.study.enqueue_trial({"learning_rate": 8.0, "units": 16})  # deliberately terrible, tried first
    ended = []
    most = max_running(manager, sweep.start(on_trial=ended.append))
    progress = sweep.wait(timeout=240)

    assert progress.state == "completed" and progress.finished == 4 and len(ended) == 4, progress
    assert most[0] == 1  # one slot: the sweep never held both of the server's places
    stored = optuna.load_study(study_name="four", storage=f"sqlite:///{tmp_path / 'sweeps.db'}")
    assert [t.number for t in stored.trials] == [0, 1, 2, 3] and all(t.state.is_finished() for t in stored.trials)

    terrible, *others = sweep.trials()
    assert terrible.params["learning_rate"] == 8.0
    assert terrible.state == "pruned" or terrible.value < min(t.value for t in others)
    best = progress.best
    assert best.number != 0 and best.value == max(t.value for t in others)

    runs = {run.status["trial"]: run for run in store.list()}
    assert sorted(runs) == [0, 1, 2, 3] and {run.status["sweep"] for run in runs.values()} == {"four"}
    assert all(run.status["owner"] == "me" for run in runs.values())
    # the test set, once: for the best trial only
    assert progress.test.trial == best.number and 0.5 < progress.test.accuracy <= 1
    tested = [n for n, run in runs.items() if run.status.get("test_accuracy") is not None]
    assert tested == [best.number] and runs[best.number].status["test_accuracy"] == progress.test.accuracy

    again = Training(best.config, small).run()  # the same seed reproduces the trial's validation accuracy
    assert again.history[-1].val_accuracy == pytest.approx(best.value, abs=2e-3)
    assert json.loads(json.dumps(progress.to_dict()))["best"]["config"]["layers"] == [
        {"units": best.config.layers[0].units, "activation": "relu"}
    ]


def test_stop_midway_then_resume_after_a_restart(small, tmp_path):
    store = RunStore(tmp_path)
    plan = Plan(SPACE, Budget(trials=3, epochs=1, seconds=300), BASE, "tpe")
    sweep = Sweep.create(JobManager(max_parallel=1, store=store), plan, small, name="resumable")
    progress = sweep.start(on_trial=lambda result: sweep.stop()).wait(timeout=240)
    assert progress.state == "stopped" and progress.finished == 1
    assert progress.message == "Stopped: 1 of 3 trials finished." and progress.best.number == 0
    assert progress.test.trial == 0  # the best so far, reported

    # a trial left running by a server that was killed, then a new server
    dead = sweep.study.ask()
    plan.space.suggest(dead)
    dead.set_user_attr("pid", 2**22 + 12345)  # no such process
    dead.set_user_attr("process", "gone")
    manager = JobManager(max_parallel=1, store=store)
    with pytest.raises(ConfigError, match="no sweep named 'nope' in this run store; its sweeps: resumable"):
        Sweep.resume(manager, "nope", dataset=lambda name: small)
    resumed = Sweep.resume(manager, "resumable", dataset=lambda name: small)
    states = {t.number: t.state for t in resumed.trials()}
    assert states == {0: "complete", 1: "interrupted", 2: "waiting"}  # 2 retries 1 with its values
    assert {run.state for run in store.list()} == {"completed"}  # the dead trial never reached the store

    progress = resumed.start().wait(timeout=240)
    assert progress.state == "completed" and progress.finished == 3 and progress.trials == 3
    assert [t.state for t in resumed.trials()] == ["complete", "interrupted", "complete", "complete"]
    assert resumed.trials()[2].params == dead.params
    with pytest.raises(ConfigError, match="has run all its 3 trials"):
        Sweep.resume(manager, "resumable", dataset=lambda name: small)


def test_a_running_sweep_cannot_start_or_resume_twice(small, tmp_path):
    manager = JobManager(max_parallel=1, store=RunStore(tmp_path))
    plan = Plan(SPACE, Budget(trials=2, epochs=1, seconds=300), BASE, "random")
    sweep = Sweep.create(manager, plan, small, name="once").start()
    try:
        with pytest.raises(ConfigError, match="already running"):
            sweep.start()
        with pytest.raises(ConfigError, match="'once' is running: stop it first"):
            Sweep.resume(manager, "once", dataset=lambda name: small)
        with pytest.raises(ConfigError, match="a sweep named 'once' exists"):
            Sweep.create(manager, plan, small, name="once")
    finally:
        sweep.stop()
        sweep.wait(timeout=120)
