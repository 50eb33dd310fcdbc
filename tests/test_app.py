"""The dashboard's logic through Streamlit's AppTest (no browser)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from apptest_helpers import (  # noqa: F401 (fresh_server_state: a fixture)
    APP,
    button,
    fresh_server_state,
    labelled,
    metric,
    new_app,
    number_input,
    selectbox,
    texts,
)
from streamlit.testing.v1 import AppTest


def wait_finished(at: AppTest, timeout: float = 180) -> AppTest:
    end = time.time() + timeout
    while time.time() < end:
        time.sleep(0.5)
        at.run()
        if any(
            s in texts(at.success) + texts(at.info) + texts(at.warning) for s in ("Finished", "Stopped", "Diverged")
        ):
            return at
    raise AssertionError("training did not finish: " + texts(at.info))


def test_landing_page_does_not_import_tensorflow():
    code = (
        "import sys; from streamlit.testing.v1 import AppTest; "
        f"at = AppTest.from_file({APP!r}, default_timeout=60).run(); "
        "assert not at.exception, at.exception; "
        "print('TF' if 'tensorflow' in sys.modules else 'NO-TF', at.title[0].value)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "MLP_OFFLINE": "1"},
    )
    assert out.stdout.strip() == "NO-TF Train a multilayer perceptron", out.stderr[-2000:]


def test_defaults_show_the_tutorial_network_and_the_sample_notice(monkeypatch):
    monkeypatch.delenv("MLP_DATA_DIR", raising=False)
    at = new_app()
    assert not at.exception
    params = metric(at, "Parameters")
    assert params.value == "118,282"
    assert "bundled sample" in texts(at.info)


def test_preset_box_names_the_settings_and_fills_the_form():
    at = new_app()
    assert selectbox(at, "Preset").value == "default"
    number_input(at, "Epochs").set_value(9).run()
    assert selectbox(at, "Preset").value == "default (edited)"
    selectbox(at, "Preset").select("default").run()  # chosen again: its settings come back
    assert number_input(at, "Epochs").value == 5 and selectbox(at, "Preset").value == "default"
    selectbox(at, "Preset").select("fashion-small").run()
    assert selectbox(at, "Preset").value == "fashion-small"
    assert at.radio[0].value == "fashion_mnist"
    assert number_input(at, "Epochs").value == 20
    params = metric(at, "Parameters")
    assert params.value == f"{784 * 50 + 50 + 50 * 10 + 10:,}"
    assert at.query_params["dataset"] in ("fashion_mnist", ["fashion_mnist"])


@pytest.mark.parametrize(
    "label, value, field",
    [
        ("Epochs", 0, "epochs"),
        ("Epochs", 10_000, "epochs"),
        ("Batch size", 0, "batch_size"),
        ("Batch size", 100_000, "batch_size"),
        ("Dropout", 1.0, "dropout"),
        ("L2", -1.0, "l2"),
    ],
)
def test_invalid_fields_give_a_message_and_disable_train(label, value, field):
    at = new_app()
    number_input(at, label).set_value(value).run()
    assert not at.exception
    assert field in texts(at.error)
    assert button(at, "Train").disabled


@pytest.mark.parametrize(
    "query",
    [
        {"v": "1", "learning_rate": "banana"},
        {"v": "7", "epochs": "3"},
        {"v": "1", "layers": "0:relu"},
        {"v": "1", "learning_rate": "0"},
    ],
)
def test_garbage_or_old_links_fall_back_to_defaults_with_a_message(query):
    at = new_app(query)
    assert not at.exception
    assert "could not be used" in texts(at.warning)
    assert number_input(at, "Epochs").value == 5


def test_link_reproduces_the_setup():
    at = new_app({"v": "1", "epochs": "7", "layers": "64:tanh", "optimizer": "sgd", "learning_rate": "0.1"})
    assert number_input(at, "Epochs").value == 7
    assert selectbox(at, "Optimizer").value == "sgd"
    params = metric(at, "Parameters")
    assert params.value == f"{784 * 64 + 64 + 650:,}"


def test_stop_when_nothing_runs():
    at = new_app()
    button(at, "Stop").click().run()
    assert not at.exception
    assert "Nothing is training" in texts(at.toast)


def test_train_one_epoch_then_results_grid_and_runs_page():
    at = new_app({"v": "1", "epochs": "1", "layers": "32:relu"})
    labelled(at.text_input, "Name this run").input("first try")
    button(at, "Train").click().run()
    button(at, "Train").click().run()  # pressed twice quickly
    assert "already running" in texts(at.toast) or "Finished" in texts(at.success)
    at = wait_finished(at)
    assert not at.exception
    assert "Finished 1 epochs" in texts(at.success)
    labels = [m.label for m in at.metric]
    assert "Test accuracy" in labels
    acc = metric(at, "Test accuracy").value
    assert float(acc.rstrip("%")) > 80
    assert len(at.get("plotly_chart")) >= 6  # curves, grid, probabilities, confusion, per-class, weights/mistakes
    assert at.session_state["workbench"].latest_model.dataset == "mnist"
    assert "job" in at.query_params
    at.switch_page("pages/runs.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 1 and table["status"][0] == "completed" and table["yours"][0]
    assert table["name"][0] == "first try" and table["pixels"][0] == "unit"


def test_presenter_mode_from_the_url():
    at = new_app({"present": "1"})
    assert at.toggle(key="present").value is True
    assert any("font-size" in m.value for m in at.markdown)


@pytest.mark.parametrize(
    "query",
    [
        {"v": "1", "layers": "5000:relu"},
        {"v": "1", "layers": ",".join(["8"] * 50)},
        {"v": "1", "learning_rate": "-1"},
        {"v": "1", "learning_rate": "nan"},
        {"v": "1", "learning_rate": "1e9"},
        {"v": "1", "validation_fraction": "1"},
        {"v": "1", "batch_size": "0"},
        {"v": "1", "dataset": "upload:x"},
    ],
)
def test_out_of_range_links_are_explained(query):
    at = new_app(query)
    assert not at.exception
    assert "could not be used" in texts(at.warning)


def test_learning_rate_ten_diverges_and_is_reported_as_such():
    at = new_app(
        {
            "v": "1",
            "epochs": "3",
            "learning_rate": "10",
            "normalization": "none",
            "optimizer": "sgd",
            "layers": "32:linear",
            "output": "linear",
            "loss": "mse",
        }
    )
    assert "could not be used" not in texts(at.warning)
    button(at, "Train").click().run()
    at = wait_finished(at)
    assert not at.exception
    assert "Diverged" in texts(at.warning) and "learning rate" in texts(at.warning)
    assert not at.error  # a divergence is a lesson, not an error


def test_open_a_run_then_delete_it_while_open():
    at = new_app({"v": "1", "epochs": "1", "layers": "16:relu"})
    button(at, "Train").click().run()
    wait_finished(at)
    at.switch_page("pages/runs.py").run()
    run_id = at.dataframe[0].value["run"][0]
    at.selectbox(key="open_run").select(run_id).run()
    assert not at.exception and at.subheader[0].value == f"Run {run_id}"
    assert "Test accuracy" in [m.label for m in at.metric]
    button(at, "Delete this run").click().run()
    assert not at.exception
    assert "No runs yet" in texts(at.info)


def test_a_sweep_trial_opened_on_the_runs_page_keeps_its_test_set_unseen():
    """Choose by validation, report on test once: a trial other than the best shows its curves, not a test
    evaluation; tagged as the best (it has a test accuracy), the same run does."""
    from mlp.runs import RunStore
    from mlp.states import RunState

    at = new_app({"v": "1", "epochs": "1", "layers": "16:relu"})
    button(at, "Train").click().run()
    wait_finished(at)
    store = RunStore()
    run_id = store.list()[0].id
    store.set_status(run_id, RunState.COMPLETED, sweep="lr-search", trial=3, test_accuracy=None)
    at.switch_page("pages/runs.py").run()
    at.selectbox(key="open_run").select(run_id).run()
    assert not at.exception
    assert "Trial 3 of the sweep" in texts(at.info)
    assert "Test accuracy" not in [m.label for m in at.metric]
    store.set_status(run_id, RunState.COMPLETED, test_accuracy=0.9)
    at.run()
    assert "Test accuracy" in [m.label for m in at.metric]


def test_script_runs_leave_the_keras_state_of_running_trainings_alone(monkeypatch):
    """Streamlit clears the Keras session after each run unless the app says otherwise: that is
    process-wide and retraced every background training."""
    import keras

    calls = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *a, **k: calls.append(1))
    at = new_app()
    at.run()
    assert not at.exception and calls == []


def test_server_config_keeps_safety_and_speed_settings():
    import tomllib

    config = tomllib.loads((Path(APP).parent / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["maxUploadSize"] <= 50
    assert config["runner"]["postScriptGC"] is False
    assert config["client"]["showErrorDetails"] == "none"
