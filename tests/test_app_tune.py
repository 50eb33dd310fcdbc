"""The Tune page through Streamlit's AppTest (no browser)."""

import time

from apptest_helpers import button, fresh_server_state, new_app, texts  # noqa: F401 (fixture)


def tune_page(monkeypatch):
    monkeypatch.setenv("MLP_DATA_DIR", "")  # the bundled sample, whatever the machine holds
    return new_app().switch_page("pages/tune.py").run()


def test_tune_page_renders_with_its_rule(monkeypatch):
    at = tune_page(monkeypatch)
    assert not at.exception, at.exception
    assert at.title[0].value == "Tune the hyperparameters"
    assert "Choose by validation, report on test once" in texts(at.info)
    assert not button(at, "Start").disabled and button(at, "Open the best in Train").disabled


def test_a_bad_range_gives_a_message_and_no_start(monkeypatch):
    at = tune_page(monkeypatch)
    at.text_input(key="tune_lr").set_value("0:0.1").run()
    assert "learning_rate: searched on a log scale, so the range must stay above 0" in texts(at.error)
    assert button(at, "Start").disabled
    at.text_input(key="tune_lr").set_value("1e-3:1e-1").run()
    assert not at.error and not button(at, "Start").disabled


def test_start_runs_a_two_trial_sweep_to_the_end_and_opens_the_best(monkeypatch):
    at = tune_page(monkeypatch)
    at.number_input(key="tune_trials").set_value(2)
    at.number_input(key="tune_epochs").set_value(1)
    at.slider(key="tune_layers").set_value((1, 1))
    at.select_slider(key="tune_units").set_value((16, 32)).run()
    button(at, "Start").click().run()
    assert not at.exception, at.exception
    assert at.query_params["sweep"] == at.session_state["tuner"].sweep.name  # a refresh reattaches
    button(at, "Start").click().run()  # pressing it again while the sweep runs
    assert "A sweep is already running in this session" in texts(at.warning)

    end = time.time() + 180
    while "Finished" not in texts(at.success) and time.time() < end:
        time.sleep(0.5)
        at.run()
    assert "Best: trial" in texts(at.success) and "evaluated once at the end" in texts(at.success)
    table = at.dataframe[0].value
    assert list(table["trial"]) == [0, 1] and set(table["state"]) == {"complete"}
    best = at.session_state["tuner"].sweep.best()

    button(at, "Open the best in Train").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Train a multilayer perceptron"
    assert at.session_state["workbench"].config == best.config
