"""The server's limits as a student meets them on the Train page (AppTest, no browser)."""

from pathlib import Path

import pytest
from apptest_helpers import button
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(autouse=True)
def _fresh_server_state():
    import streamlit as st

    st.cache_resource.clear()


def open_train(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def texts(elements) -> str:
    return " | ".join(str(e.value) for e in elements)


def test_time_estimate_before_train_and_a_warning_past_the_budget():
    at = open_train()
    assert not at.exception
    assert "Training time on this server: **about" in texts(at.caption)
    slow = {"v": "1", "layers": "2048:relu,2048:relu", "batch_size": "1", "epochs": "500"}
    at = open_train(slow)
    assert not at.exception
    warning = texts(at.warning)
    assert "longer than this server's limit of 10 min per training" in warning and "keeping its weights" in warning
    assert not button(at, "Train").disabled  # allowed: it will stop at the limit


def test_a_link_with_a_network_too_big_for_the_server_is_refused_with_the_limit():
    at = open_train({"v": "1", "layers": ",".join(["2048:relu"] * 8)})
    assert not at.exception
    assert "could not be used" in texts(at.warning) and "MLP_MAX_PARAMETERS" in texts(at.warning)


def test_editing_the_form_past_the_memory_limit_disables_train(monkeypatch):
    monkeypatch.setenv("MLP_MAX_TRAINING_MB", "500")  # the sample has 10,000 images: a batch of them is ~730 MB
    at = open_train({"v": "1", "layers": "2048:relu,2048:relu"})
    next(n for n in at.number_input if n.label == "Batch size").set_value(10000).run()
    assert not at.exception
    assert "MLP_MAX_TRAINING_MB" in texts(at.error) and button(at, "Train").disabled


def test_a_link_to_a_pruned_job_points_to_its_run():
    from pages._common import job_manager

    at = open_train({"v": "1", "epochs": "1", "layers": "16:relu", "engine": "scratch"})
    button(at, "Train").click().run()
    manager = job_manager()
    (job,) = manager.jobs.values()
    while job.snapshot().active:
        at.run()
    manager.prune(keep=0)
    at = open_train({"job": job.id})
    assert not at.exception
    assert f"open run **{job.run_id}**" in texts(at.info)
    assert "job" not in at.query_params
