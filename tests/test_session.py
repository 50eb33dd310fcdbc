"""The Train page's rules without Streamlit: mlp.session.Workbench with a real JobManager and tiny data."""

import io
import time

import numpy as np
import pytest

from mlp.config import LayerSpec, RunConfig
from mlp.jobs import JobManager
from mlp.presets import PRESETS
from mlp.runs import RunStore
from mlp.session import Result, Workbench, running_rate, same_model

FAST = RunConfig(dataset="upload:small", layers=(LayerSpec(16),), epochs=1, engine="scratch")


def npz(ds) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, x_train=ds.x_train, y_train=ds.y_train, x_test=ds.x_test, y_test=ds.y_test)
    return buf.getvalue()


def wait(job, timeout=120):
    end = time.time() + timeout
    while job.snapshot().active and time.time() < end:
        time.sleep(0.05)
    return job.snapshot()


@pytest.fixture
def manager(tmp_path):
    return JobManager(max_parallel=1, store=RunStore(tmp_path))


@pytest.fixture
def bench(manager, small):
    """A workbench whose settings train FAST on `small`, brought in as an upload."""
    wb = Workbench(manager)
    assert wb.receive_upload("file-1", "small.npz", lambda: npz(small))
    wb.config = FAST
    return wb


def test_an_upload_is_read_once_and_becomes_the_dataset(manager, small):
    wb = Workbench(manager)
    reads = []
    content = npz(small)
    assert wb.receive_upload("file-1", "small.npz", lambda: reads.append(1) or content)
    assert not wb.receive_upload("file-1", "small.npz", lambda: reads.append(1) or content)  # the same file again
    assert reads == [1] and wb.config.dataset == "upload:small" and wb.form_version == 1
    assert wb.dataset_named("upload:small").n_classes == 10
    assert wb.dataset_named("mnist").source in ("sample", "full")
    assert not wb.receive_upload("file-2", "junk.npz", lambda: b"junk")
    assert "cannot be used" in wb.upload_error and wb.config.dataset == "upload:small"


def test_train_submits_a_job_of_this_session(bench):
    press = bench.train()
    assert press.action == "submitted" and press.message == ""
    assert bench.current_job() is press.job and bench.job_id == press.job.id
    assert press.job.owner == bench.owner and press.job.config == FAST
    assert wait(press.job).state == "completed"
    assert bench.manager.store.load(press.job.run_id).status["owner"] == bench.owner


def test_train_twice_is_refused_while_active_and_the_live_rate_is_sent_once(bench):
    bench.config = FAST.replace(epochs=200)
    first = bench.train()
    again, step = bench.train(), bench.step()
    assert again.action == step.action == "refused" and "already running" in again.message
    assert again.job is step.job is first.job and bench.job_id == first.job.id
    job = first.job
    while running_rate(job) is None or job.snapshot().state != "running":
        time.sleep(0.02)
    assert not bench.change_learning_rate(job, running_rate(job))  # no change
    assert bench.change_learning_rate(job, 0.01)
    assert not bench.change_learning_rate(job, 0.01)  # the slider keeps its value over reruns
    stop = bench.stop()
    assert stop.action == "stopping" and stop.job is job and stop.message.startswith("Stopping")
    snap = wait(job)
    assert snap.state == "stopped" and snap.message.endswith("of 200; the weights were kept.")
    assert snap.message.startswith(("Stopped during epoch", "Stopped after epoch", "Stopped before epoch 1"))
    assert running_rate(job) is None and not bench.change_learning_rate(job, 0.1)  # released: nothing to change


def test_stop_with_nothing_running(bench):
    assert bench.stop().action == "idle" and bench.stop().message == "Nothing is training."
    job = bench.train().job
    wait(job)
    press = bench.stop()
    assert press.action == "idle" and press.job is job


def test_step_continues_the_same_model_or_starts_a_new_job(bench):
    first = bench.step()
    assert first.action == "submitted"
    assert len(wait(first.job).history) == 1
    bench.config = FAST.replace(epochs=9, learning_rate=0.01)  # the same network: continue it
    second = bench.step()
    assert second.action == "resumed" and second.job is first.job
    assert len(wait(first.job).history) == 2
    bench.config = FAST.replace(layers=(LayerSpec(8),))  # another network: start over
    third = bench.step()
    assert third.action == "submitted" and third.job is not first.job
    assert len(wait(third.job).history) == 1 and bench.current_job() is third.job


def test_same_model_ignores_only_epochs_and_learning_rate():
    assert same_model(FAST, FAST.replace(epochs=7, learning_rate=0.3))
    assert not same_model(FAST, FAST.replace(seed=1))
    assert not same_model(FAST, FAST.replace(engine="keras"))


def test_a_refreshed_browser_reattaches_to_the_job_of_its_url(bench):
    job = bench.train().job
    fresh = Workbench(bench.manager)  # a refresh is a new session with the same URL
    assert fresh.current_job() is None
    assert fresh.current_job("no-such-job") is None and fresh.owner != bench.owner
    assert fresh.current_job(job.id) is job
    assert fresh.job_id == job.id and fresh.owner == bench.owner  # its runs stay "yours"
    assert fresh.stop().action in ("stopping", "idle")
    wait(job)


def test_results_of_two_runs_and_the_latest_model_for_the_draw_page(bench):
    first = bench.train().job
    wait(first)
    assert bench.record_result(first) is None  # nothing to compare with
    assert bench.previous_result is None and bench.this_result.job == first.id
    assert bench.this_result.accuracy == first.evaluation.accuracy
    latest = bench.latest_model
    assert latest.model is first.model and latest.dataset == "upload:small" and len(latest.class_names) == 10
    assert latest.label == f"This session's latest: {FAST.describe()}"
    assert bench.record_result(first) is None  # every rerun shows the results: counted once
    assert bench.previous_result is None

    bench.config = FAST.replace(seed=1)
    second = bench.train().job
    wait(second)
    change = bench.record_result(second)  # the first display of the second run compares already
    assert change == pytest.approx(second.evaluation.accuracy - first.evaluation.accuracy)
    assert bench.record_result(second) == change  # and so do the reruns after it
    assert bench.previous_result.job == first.id and bench.this_result.job == second.id
    assert bench.latest_model.model is second.model

    bench.hand_over("uploaded model", first.data, "Uploaded: mine.keras")  # the Runs page's evaluated upload
    assert bench.latest_model.model == "uploaded model" and bench.latest_model.label == "Uploaded: mine.keras"


@pytest.mark.parametrize(
    "query",
    [
        {"v": "1", "learning_rate": "banana"},
        {"v": "7", "epochs": "3"},
        {"v": "1", "layers": "5000:relu"},
        {"v": "1", "dataset": "upload:x"},
    ],
)
def test_a_link_with_bad_settings_gives_the_defaults_and_a_message(manager, query):
    wb = Workbench(manager)
    message = wb.read_link({**query, "present": "1"})
    assert "could not be used" in message and wb.config == RunConfig()


def test_a_link_is_read_once_and_kept_in_step_with_the_settings(manager):
    wb = Workbench(manager)
    assert wb.read_link({"v": "1", "epochs": "7", "present": "1", "job": "abc"}) is None
    assert wb.config == RunConfig(epochs=7)
    assert wb.read_link({"v": "1", "epochs": "9"}) is None and wb.config.epochs == 7  # once per session
    wb.use_preset("fashion-small")
    assert wb.config.dataset == "fashion_mnist" and wb.form_version == 1
    assert wb.link({"v": "1", "epochs": "7", "present": "1", "job": "abc"}) == {
        **wb.config.to_query(),
        "present": "1",
        "job": "abc",
    }


def test_the_preset_box_names_the_preset_the_settings_equal(manager):
    wb = Workbench(manager)
    assert wb.preset_label() == "default"  # a fresh page
    wb.config = wb.config.replace(epochs=7)
    assert wb.preset_label() == "default (edited)"
    wb.config = RunConfig()  # edited back
    assert wb.preset_label() == "default"
    wb.use_preset("fashion-small")
    wb.config = wb.config.replace(learning_rate=0.1)
    assert wb.preset_label() == "fashion-small (edited)"
    wb.use_preset("fashion-small")  # chosen again: its settings come back
    assert wb.preset_label() == "fashion-small" and wb.config.learning_rate == 0.01 and wb.form_version == 2
    wb.config = RunConfig(normalization="none", layers=(LayerSpec(128),), epochs=3)  # reached by editing
    assert wb.preset_label() == "raw-pixels-pitfall"
    wb.config = wb.config.replace(epochs=4)
    assert wb.preset_label() == "raw-pixels-pitfall (edited)"


def test_a_link_names_its_preset_or_none(manager):
    linked = Workbench(manager)
    linked.read_link({"v": "1", "epochs": "7"})
    assert linked.preset_label() == "(custom)"
    linked.config = RunConfig()
    assert linked.preset_label() == "default"
    preset_link = Workbench(manager)
    preset_link.read_link(PRESETS["fashion-small"][1].to_query())
    assert preset_link.preset_label() == "fashion-small"


def test_a_step_is_compared_with_the_result_before_it(bench):
    job = bench.step().job
    wait(job)
    bench.record_result(job)
    before = bench.this_result
    assert before.epochs == 1
    assert bench.step().action == "resumed"
    wait(job)
    change = bench.record_result(job)
    assert bench.previous_result == before and bench.this_result == Result(job.id, 2, job.evaluation.accuracy)
    assert change == pytest.approx(job.evaluation.accuracy - before.accuracy)
    assert bench.latest_model.model is job.model  # the stepped model, not the one before the Step


def test_a_name_goes_to_the_next_run_only(bench):
    bench.run_name = "small net"
    first = bench.train().job
    assert first.name == "small net" and bench.run_name == "" and bench.name_version == 1
    wait(first)
    assert bench.manager.store.load(first.run_id).name == "small net"
    bench.record_result(first)
    assert bench.latest_model.label == f"This session's latest: small net · {FAST.describe()}"
    second = bench.train().job  # no name given: none, and the name box is not renewed
    assert second.name == "" and bench.name_version == 1
    wait(second)
    assert bench.manager.store.load(second.run_id).status["name"] == ""
