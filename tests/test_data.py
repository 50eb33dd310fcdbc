import gzip
import hashlib
import http.server
import threading

import numpy as np
import pytest

from mlp import data
from mlp.data import DataError, RemoteFile


def write_npz(path, n_train=50, n_test=20, **overrides):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test).astype(np.uint8),
    }
    arrays.update(overrides)
    np.savez(path, **arrays)
    return path


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch, tmp_path):
    data._CACHE.clear()
    monkeypatch.delenv("MLP_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    yield
    data._CACHE.clear()


def test_offline_fresh_machine_gets_the_bundled_sample():
    ds = data.load("mnist")
    assert ds.source == "sample" and ds.origin.endswith("mnist_sample.npz")
    assert ds.x_train.shape == (10_000, 784) and ds.x_train.dtype == np.uint8
    assert ds.x_test.shape == (2_000, 784)
    assert np.bincount(ds.y_train).tolist() == [1000] * 10  # class-balanced
    assert "bundled sample" in ds.describe()


def test_fashion_sample_has_class_names():
    ds = data.load("fashion_mnist")
    assert ds.source == "sample"
    assert ds.class_names[0] == "T-shirt/top" and ds.class_names[9] == "Ankle boot"
    assert np.bincount(ds.y_test).tolist() == [100] * 10


def test_samples_are_small():
    for info in data.DATASETS.values():
        assert info.sample_path.stat().st_size < 4_000_000


def test_explicit_dir_then_env_var(tmp_path, monkeypatch):
    write_npz(tmp_path / "mnist.npz")
    ds = data.load("mnist", tmp_path)
    assert ds.source == "full" and len(ds.x_train) == 50
    data._CACHE.clear()
    monkeypatch.setenv("MLP_DATA_DIR", str(tmp_path))
    assert data.load("mnist").origin == str(tmp_path / "mnist.npz")


def test_dir_without_the_file_falls_through_with_a_note(tmp_path):
    ds = data.load("mnist", tmp_path, download=False)
    assert ds.source == "sample"
    assert any("no mnist.npz" in note for note in ds.notes)


def test_keras_cache_npz_and_idx(tmp_path):
    cache = tmp_path / "keras_home" / "datasets"
    cache.mkdir(parents=True)
    write_npz(cache / "mnist.npz", n_train=30)
    assert data.load("mnist", download=False).source == "full"
    folder = cache / "fashion-mnist"
    folder.mkdir()
    rng = np.random.default_rng(1)
    for name, arr in [
        ("train-labels-idx1-ubyte.gz", rng.integers(0, 10, 40, dtype=np.uint8)),
        ("train-images-idx3-ubyte.gz", rng.integers(0, 256, (40, 28, 28), dtype=np.uint8)),
        ("t10k-labels-idx1-ubyte.gz", rng.integers(0, 10, 12, dtype=np.uint8)),
        ("t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (12, 28, 28), dtype=np.uint8)),
    ]:
        header = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
        with gzip.open(folder / name, "wb") as f:
            f.write(header + arr.tobytes())
    ds = data.load("fashion_mnist", download=False)
    assert ds.source == "full" and ds.x_train.shape == (40, 784) and len(ds.y_test) == 12


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"x_train": np.zeros((50, 32, 32), np.uint8)}, "shape"),
        ({"y_train": np.full(50, 12, np.uint8)}, "labels must be 0..9"),
        ({"x_test": np.full((20, 28, 28), np.nan, np.float32)}, "NaN"),
        ({"y_test": np.zeros(19, np.uint8)}, "do not match"),
        ({"y_train": np.zeros(50, np.float32)}, "integer labels"),
    ],
)
def test_malformed_arrays_are_reported(tmp_path, overrides, message):
    write_npz(tmp_path / "mnist.npz", **overrides)
    with pytest.raises(DataError, match=message) as err:
        data.load("mnist", tmp_path)
    assert "mnist.npz" in str(err.value)


def test_truncated_and_pickled_files(tmp_path):
    good = write_npz(tmp_path / "good.npz")
    (tmp_path / "mnist.npz").write_bytes(good.read_bytes()[:2000])
    with pytest.raises(DataError, match=r"mnist\.npz: corrupt or truncated"):
        data.load("mnist", tmp_path)
    np.savez(
        tmp_path / "obj.npz",
        x_train=np.array([{"a": 1}], dtype=object),
        y_train=np.zeros(1),
        x_test=np.zeros(1),
        y_test=np.zeros(1),
    )
    with pytest.raises(DataError, match="pickles are refused"):
        data.read_npz(tmp_path / "obj.npz")
    np.savez(tmp_path / "partial.npz", x_train=np.zeros((1, 28, 28)))
    with pytest.raises(DataError, match="missing array"):
        data.read_npz(tmp_path / "partial.npz")
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(DataError, match=r"text\.npz"):
        data.read_npz(tmp_path / "text.npz")


class _Server:
    """Serves one payload on 127.0.0.1, optionally lying about its length."""

    def __init__(self, payload: bytes, claimed_length: int | None = None):
        payload_, length = payload, claimed_length or len(payload)

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", str(length))
                self.end_headers()
                self.wfile.write(payload_)

            def log_message(self, *args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/file"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


def test_fetch_verifies_checksum_and_reports_progress(tmp_path):
    payload = b"x" * 200_000
    server = _Server(payload)
    try:
        seen = []
        dest = data.fetch(
            server.url,
            tmp_path / "f.bin",
            RemoteFile("f.bin", sha256=hashlib.sha256(payload).hexdigest()),
            progress=lambda done, total: seen.append((done, total)),
        )
        assert dest.read_bytes() == payload
        assert seen[-1] == (200_000, 200_000) and len(seen) > 1
        with pytest.raises(OSError, match="checksum mismatch"):
            data.fetch(server.url, tmp_path / "g.bin", RemoteFile("g.bin", md5="0" * 32))
        assert sorted(p.name for p in tmp_path.iterdir()) == ["f.bin"]  # nothing left behind
    finally:
        server.close()


def test_partial_download_leaves_no_file(tmp_path):
    server = _Server(b"y" * 1000, claimed_length=5000)
    try:
        with pytest.raises(OSError):
            data.fetch(server.url, tmp_path / "h.bin", RemoteFile("h.bin", md5="0" * 32), timeout=2)
        assert list(tmp_path.iterdir()) == []
    finally:
        server.close()


def test_download_is_tried_then_sample_used(monkeypatch):
    calls = []

    def failing_fetch(url, dest, expected, progress=None):
        calls.append(url)
        raise OSError("network unreachable")

    monkeypatch.setattr(data, "fetch", failing_fetch)
    ds = data.load("mnist", download=True)
    assert calls == [data.KERAS_BASE + "mnist.npz"]
    assert ds.source == "sample" and "download failed: network unreachable" in ds.notes[0]


def test_normalizations():
    x = np.arange(256, dtype=np.uint8).reshape(-1, 16)
    assert data.normalization("none", x) == (1.0, 0.0)
    scale, offset = data.normalization("unit", x)
    assert x.max() * scale + offset == pytest.approx(1.0)
    scale, offset = data.normalization("zscore", x)
    z = x * scale + offset
    assert z.mean() == pytest.approx(0.0, abs=1e-9) and z.std() == pytest.approx(1.0)
    with pytest.raises(ValueError):
        data.normalization("minmax", x)


def test_validation_split_is_seeded_and_disjoint():
    x = np.arange(1000).reshape(-1, 1)
    y = np.arange(1000) % 10
    a = data.split_validation(x, y, 0.2, seed=3)
    b = data.split_validation(x, y, 0.2, seed=3)
    assert len(a[0]) == 800 and len(a[2]) == 200
    assert np.array_equal(a[2], b[2])
    assert not set(a[0].ravel()) & set(a[2].ravel())
    assert len(data.split_validation(x, y, 0.0, seed=3)[2]) == 0


def test_make_sample_is_balanced(tmp_path, monkeypatch):
    src = write_npz(
        tmp_path / "src.npz",
        n_train=200,
        n_test=100,
        y_train=np.repeat(np.arange(10, dtype=np.uint8), 20),
        y_test=np.repeat(np.arange(10, dtype=np.uint8), 10),
    )
    monkeypatch.setattr(data, "SAMPLE_SIZES", {"mnist": (100, 50)})
    out = data.make_sample("mnist", src, tmp_path / "out.npz")
    arrays = data.read_npz(out)
    assert np.bincount(arrays["y_train"]).tolist() == [10] * 10
    assert np.bincount(arrays["y_test"]).tolist() == [5] * 10


def test_unknown_dataset():
    with pytest.raises(DataError, match="unknown dataset"):
        data.load("cifar10")


def _npz_bytes(**arrays):
    import io as _io

    buf = _io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_upload_npz_with_class_names_and_any_square_size():
    rng = np.random.default_rng(0)
    content = _npz_bytes(
        x_train=rng.integers(0, 256, (40, 16, 16), dtype=np.uint8),
        y_train=np.arange(40) % 3,
        x_test=rng.integers(0, 256, (9, 16, 16), dtype=np.uint8),
        y_test=np.arange(9) % 3,
        class_names=np.array(["cat", "dog", "cow"]),
    )
    ds = data.from_upload("pets.npz", content)
    assert ds.source == "upload" and ds.class_names == ("cat", "dog", "cow")
    assert ds.image_shape == (16, 16) and ds.n_features == 256 and ds.n_classes == 3


def test_upload_csv_label_then_pixels():
    rng = np.random.default_rng(1)
    rows = ["label," + ",".join(f"pixel{i}" for i in range(784))]
    for i in range(100):
        rows.append(",".join([str(i % 10)] + [str(v) for v in rng.integers(0, 256, 784)]))
    ds = data.from_upload("digits.csv", "\n".join(rows).encode())
    assert len(ds.x_train) == 85 and len(ds.x_test) == 15
    assert ds.x_train.dtype == np.uint8 and ds.image_shape == (28, 28) and ds.n_classes == 10


def test_upload_csv_of_feature_vectors():
    rng = np.random.default_rng(2)
    rows = [f"{i % 2},{rng.normal():.3f},{rng.normal():.3f},{rng.normal():.3f}" for i in range(40)]
    ds = data.from_upload("points.csv", "\n".join(rows).encode())
    assert ds.image_shape is None and ds.n_features == 3 and ds.x_train.dtype == np.float32


@pytest.mark.parametrize(
    "filename, content, message",
    [
        ("x.txt", b"1,2,3", "upload an .npz or a .csv"),
        ("x.csv", b"", "empty"),
        ("x.csv", b"label,a\n1,zz\n" * 12, "must be a number"),
        ("x.csv", b"1,2\n" * 5, "at least 10 rows"),
        ("x.csv", b"1.5,2\n" * 12, "whole-number labels"),
        ("x.csv", b"1,nan\n0,1\n" * 6, "NaN"),
        ("x.npz", b"PK\x03\x04garbage", "x.npz"),
        (
            "x.npz",
            _npz_bytes(
                x_train=np.zeros((5, 4)), y_train=np.zeros(5, int), x_test=np.zeros((2, 4)), y_test=np.zeros(2, int)
            ),
            "2 to 100 classes",
        ),
        (
            "x.npz",
            _npz_bytes(
                x_train=np.full((5, 4), np.nan), y_train=np.arange(5) % 2, x_test=np.zeros((2, 4)), y_test=np.arange(2)
            ),
            "NaN",
        ),
        (
            "x.npz",
            _npz_bytes(
                x_train=np.zeros((5, 4)), y_train=np.arange(5) % 2, x_test=np.zeros((2, 5)), y_test=np.arange(2)
            ),
            "differ in size",
        ),
        (
            "x.npz",
            _npz_bytes(
                x_train=np.zeros((5, 4)),
                y_train=np.array([0, 1, 2, 0, 1]),
                x_test=np.zeros((2, 4)),
                y_test=np.arange(2),
                class_names=np.array(["a", "b"]),
            ),
            "labels must be 0..1",
        ),
    ],
)
def test_bad_uploads_are_explained(filename, content, message):
    with pytest.raises(DataError, match=message):
        data.from_upload(filename, content)
