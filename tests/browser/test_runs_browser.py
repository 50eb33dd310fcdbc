"""Models and code out, runs compared: export a script, download the model, change the learning rate
live, overlay two runs on the Runs page."""

import re


def train(page, app_url, query: str):
    page.goto(f"{app_url}/?{query}")
    page.get_by_role("button", name="Train").click()


def test_export_code_and_model_download(page, app_url, tmp_path):
    page.goto(f"{app_url}/?v=1&epochs=1&layers=32:tanh&optimizer=sgd&learning_rate=0.1")
    with page.expect_download() as info:
        page.get_by_role("button", name="Export code").click()
    script = tmp_path / "train_mlp.py"
    info.value.save_as(script)
    source = script.read_text()
    assert 'keras.layers.Dense(32, activation="tanh"' in source and "SGD(learning_rate=0.1)" in source
    page.get_by_role("button", name="Train").click()
    page.get_by_text("Results on the test set").wait_for(timeout=120_000)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download model (.keras)").click()
    path = tmp_path / "model.keras"
    info.value.save_as(path)
    from mlp.models import load_model

    model = load_model(path, n_inputs=784, n_classes=10)
    assert model.count_params() == 784 * 32 + 32 + 330


def test_live_learning_rate_change_is_marked(page, app_url, screenshots):
    train(page, app_url, "v=1&epochs=30&batch_size=32")
    page.get_by_text("Change the learning rate from the next epoch").wait_for(timeout=120_000)
    slider = page.get_by_role("slider", name=re.compile("Change the learning rate"))
    slider.focus()
    slider.press("ArrowLeft")  # 0.001 -> 0.0003
    page.get_by_text("Learning rate → 0.0003").wait_for(timeout=10_000)
    page.wait_for_function(
        '() => document.querySelectorAll(\'[data-testid="stPlotlyChart"] path.vline, '
        '[data-testid="stPlotlyChart"] .shapelayer path\').length >= 2',
        timeout=120_000,
    )
    page.screenshot(path=screenshots / "train_lr_change.png")
    page.get_by_role("button", name="Stop").click()
    page.get_by_text(re.compile("Stopped (during|after) epoch")).wait_for(timeout=60_000)


def test_runs_page_overlays_selected_runs(page, app_url, screenshots):
    for units in (16, 32):
        train(page, app_url, f"v=1&epochs=2&layers={units}:relu")
        page.get_by_text("Results on the test set").wait_for(timeout=120_000)
    page.goto(f"{app_url}/runs")
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for()
    box = grid.bounding_box()
    for row in (0, 1):  # the row-selection column at the left of the glide grid
        page.mouse.click(box["x"] + 16, box["y"] + 35 * (row + 1) + 17)
        page.wait_for_timeout(800)
    page.screenshot(path=screenshots / "runs_compare.png", full_page=True)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .scatterlayer .trace').length >= 4",
        timeout=30_000,
    )
    traces = page.evaluate(
        "() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .scatterlayer .trace').length"
    )
    assert traces == 4  # two runs x (loss, accuracy)
    page.screenshot(path=screenshots / "runs_compare.png", full_page=True)
