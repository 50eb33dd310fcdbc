"""The Tune page's rules without Streamlit: one sweep per session, Start twice refused, Stop, the best into Train."""

import pytest

from mlp.config import ConfigError, RunConfig
from mlp.jobs import JobManager
from mlp.runs import RunStore
from mlp.session import Workbench
from mlp.tune import Budget, SearchSpace
from mlp.tune_session import Tuner

SPACE = SearchSpace.parse(learning_rate="1e-3:1e-1", layers="1", units="16:32")


@pytest.fixture
def tuner(small, tmp_path):
    wb = Workbench(JobManager(max_parallel=2, store=RunStore(tmp_path)), owner="me")
    wb.config = RunConfig(engine="scratch")
    wb.uploads["mnist"] = small  # the session's data: a slice of the sample, for speed
    return Tuner(wb)


def test_the_plan_starts_from_the_train_settings_with_a_validation_split(tuner):
    plan = tuner.plan(SPACE, Budget(3, 2), "random", True, 0.2)
    assert plan.base == tuner.workbench.config.replace(validation_fraction=0.2)
    assert plan.trial_config(SPACE.corner(min)).engine == "scratch"
    with pytest.raises(ConfigError, match="validation split"):
        tuner.plan(SPACE, Budget(3, 2), "random", True, 0.0)


def test_start_stop_and_the_best_into_train(tuner):
    wb = tuner.workbench
    assert tuner.stop().action == "idle" and tuner.open_best() is None
    plan = tuner.plan(SPACE, Budget(1, 1), "tpe", True, 0.2)
    first = tuner.start(plan)
    assert first.action == "started" and tuner.running
    again = tuner.start(plan)
    assert again.action == "refused" and again.sweep is first.sweep and "already running" in again.message
    assert tuner.resume(first.sweep.name).action == "refused"
    refreshed = Tuner(Workbench(wb.manager))  # a browser refresh: a new session, the sweep's name in the URL
    assert not refreshed.attach(None) and not refreshed.attach("other")
    assert refreshed.attach(first.sweep.name) and refreshed.sweep is first.sweep
    assert refreshed.workbench.owner == "me" and refreshed.start(plan).action == "refused"
    progress = first.sweep.wait(timeout=120)
    assert not Tuner(Workbench(wb.manager)).attach(first.sweep.name)  # finished: nothing runs to attach to
    assert progress.state == "completed" and progress.best is not None
    assert tuner.stop().action == "idle"

    version = wb.form_version
    config = tuner.open_best()
    assert config == progress.best.config and wb.config == config and wb.form_version == version + 1
    assert config.validation_fraction == 0.2 and config.epochs == 1
    assert {run.status["owner"] for run in wb.manager.store.list()} == {"me"}  # the session may delete them

    refused = tuner.resume(first.sweep.name)  # all its trials ran
    assert refused.action == "refused" and "has run all its 1 trials" in refused.message
    assert "no sweep named 'nope'" in tuner.resume("nope").message


def test_stop_ends_a_running_sweep(tuner):
    tuner.start(tuner.plan(SPACE, Budget(5, 1), "random", True, 0.2))
    stopping = tuner.stop()
    assert stopping.action == "stopping" and "finished trials are kept" in stopping.message
    progress = stopping.sweep.wait(timeout=120)
    assert progress.state == "stopped" and progress.message.startswith("Stopped: ")
    assert progress.finished < 5
