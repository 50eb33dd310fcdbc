"""Uploads in a real browser: a good CSV dataset, bad dataset files, bad model files, an oversized file."""

import io

import numpy as np
import pytest


def open_upload(page, app_url):
    page.goto(app_url)
    page.get_by_text("Bring your own data").click()
    return page.locator('[data-testid="stFileUploaderDropzoneInput"]').first


def npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_csv_dataset_appears_in_the_picker_and_trains(page, app_url, tmp_path, screenshots):
    rng = np.random.default_rng(0)
    rows = ["label," + ",".join(f"pixel{i}" for i in range(64))]
    for i in range(300):  # 8x8 "images": class 1 bright on the left half, class 0 on the right
        img = rng.integers(0, 60, (8, 8))
        img[:, :4] += 150 if i % 2 else 0
        img[:, 4:] += 0 if i % 2 else 150
        rows.append(",".join([str(i % 2)] + [str(v) for v in img.ravel()]))
    path = tmp_path / "halves.csv"
    path.write_text("\n".join(rows))
    open_upload(page, app_url).set_input_files(path)
    page.get_by_text("halves (yours)").wait_for(timeout=30_000)
    page.get_by_text("halves: uploaded file, 255 train / 45 test images").wait_for()
    page.get_by_role("button", name="Train").click()
    page.get_by_text("Results on the test set").wait_for(timeout=120_000)
    page.screenshot(path=screenshots / "upload_trained.png")


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("broken.npz", npz(x_train=np.zeros((5, 28, 28)), y_train=np.zeros(5, int))[:300], "broken.npz"),
        (
            "objects.npz",
            npz(
                x_train=np.array([{"a": 1}], dtype=object),
                y_train=np.zeros(1, int),
                x_test=np.zeros((1, 4)),
                y_test=np.zeros(1, int),
            ),
            "pickles are refused",
        ),
        (
            "labels.npz",
            npz(
                x_train=np.zeros((6, 4)),
                y_train=np.array([0, 1, 0, 1, 0, 1]),
                x_test=np.zeros((2, 4)),
                y_test=np.arange(2),
                class_names=np.array(["a"]),
            ),
            "2 to 100 classes",
        ),
        (
            "nan.npz",
            npz(
                x_train=np.full((6, 4), np.nan), y_train=np.arange(6) % 2, x_test=np.zeros((2, 4)), y_test=np.arange(2)
            ),
            "NaN",
        ),
    ],
)
def test_bad_dataset_files_are_explained(page, app_url, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    open_upload(page, app_url).set_input_files(path)
    alert = page.get_by_text("That file cannot be used")
    alert.wait_for(timeout=30_000)
    assert message in alert.inner_text()
    assert page.get_by_role("button", name="Train").is_enabled()  # earlier work and the form are intact


def test_oversized_upload_is_refused_by_the_size_cap(page, app_url, tmp_path):
    path = tmp_path / "huge.csv"
    path.write_bytes(b"0," * (11 * 1024 * 1024))  # 22 MB > server.maxUploadSize = 20 MB
    open_upload(page, app_url).set_input_files(path)
    page.get_by_text("File must be 20").first.wait_for(timeout=30_000)


def test_bad_model_files_on_the_runs_page(page, app_url, tmp_path):
    import keras

    lam = keras.Sequential([keras.Input((784,)), keras.layers.Lambda(lambda t: t * 2), keras.layers.Dense(10)])
    lam.save(tmp_path / "lambda.keras")
    (tmp_path / "junk.keras").write_bytes(b"this is not a model")
    for name, message in (("lambda.keras", "safe mode"), ("junk.keras", "not a Keras model file")):
        page.goto(f"{app_url}/runs")
        page.get_by_text("Evaluate a model file").click()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(tmp_path / name)
        alert = page.get_by_text("That model cannot be used")
        alert.wait_for(timeout=60_000)
        assert message in alert.inner_text()
