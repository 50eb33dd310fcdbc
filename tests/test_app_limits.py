"""The server's limits as a student meets them on the Train page (AppTest, no browser)."""

from apptest_helpers import button, fresh_server_state, new_app, texts  # noqa: F401 (fixture)


def test_time_estimate_before_train_and_a_warning_past_the_budget():
    at = new_app()
    assert not at.exception
    assert "Training time on this server: **about" in texts(at.caption)
    slow = {"v": "1", "layers": "2048:relu,2048:relu", "batch_size": "1", "epochs": "500"}
    at = new_app(slow)
    assert not at.exception
    warning = texts(at.warning)
    assert "longer than this server's limit of 10 min per training" in warning and "keeping its weights" in warning
    assert not button(at, "Train").disabled  # allowed: it will stop at the limit


def test_a_link_with_a_network_too_big_for_the_server_is_refused_with_the_limit():
    at = new_app({"v": "1", "layers": ",".join(["2048:relu"] * 8)})
    assert not at.exception
    assert "could not be used" in texts(at.warning) and "MLP_MAX_PARAMETERS" in texts(at.warning)


def test_editing_the_form_past_the_memory_limit_disables_train(monkeypatch):
    monkeypatch.setenv("MLP_MAX_TRAINING_MB", "500")  # the sample has 10,000 images: a batch of them is ~730 MB
    at = new_app({"v": "1", "layers": "2048:relu,2048:relu"})
    next(n for n in at.number_input if n.label == "Batch size").set_value(10000).run()
    assert not at.exception
    assert "MLP_MAX_TRAINING_MB" in texts(at.error) and button(at, "Train").disabled


def test_a_link_to_a_pruned_job_points_to_its_run():
    from pages._common import job_manager

    at = new_app({"v": "1", "epochs": "1", "layers": "16:relu", "engine": "scratch"})
    button(at, "Train").click().run()
    manager = job_manager()
    (job,) = manager.jobs.values()
    while job.snapshot().active:
        at.run()
    manager.prune(keep=0)
    at = new_app({"job": job.id})
    assert not at.exception
    assert f"open run **{job.run_id}**" in texts(at.info)
    assert "job" not in at.query_params
