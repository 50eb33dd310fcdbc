"""Datasets: registry, lookup (data dir -> Keras cache -> download -> bundled sample), checks, splits.

Images are kept as flat uint8 rows (N, 784); normalization happens inside the model
(see `normalization`), so every model takes raw 0-255 pixels.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import math
import os
import tempfile
import threading
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import limits

ASSETS = Path(__file__).parent / "assets"
KERAS_BASE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
Progress = Callable[[int, int], None]  # (bytes done, bytes total or 0)


class DataError(ValueError):
    """A dataset file is missing, corrupt or malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class RemoteFile:
    name: str
    sha256: str = ""
    md5: str = ""


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    class_names: tuple[str, ...]
    cache_subdir: str  # below the Keras cache folder
    files: tuple[RemoteFile, ...]  # one .npz, or the four IDX .gz files

    @property
    def sample_path(self) -> Path:
        return ASSETS / f"{self.name}_sample.npz"


DATASETS: dict[str, DatasetInfo] = {
    "mnist": DatasetInfo(
        "mnist",
        "MNIST digits",
        tuple(str(i) for i in range(10)),
        "",
        (RemoteFile("mnist.npz", sha256="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"),),
    ),
    "fashion_mnist": DatasetInfo(
        "fashion_mnist",
        "Fashion-MNIST",
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
        "fashion-mnist",
        (
            RemoteFile("train-labels-idx1-ubyte.gz", md5="25c81989df183df01b3e8a0aad5dffbe"),
            RemoteFile("train-images-idx3-ubyte.gz", md5="8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
            RemoteFile("t10k-labels-idx1-ubyte.gz", md5="bb300cfdad3c16e7a12a480ee83cd310"),
            RemoteFile("t10k-images-idx3-ubyte.gz", md5="bef4ecab320f06d8554ea6380940ec79"),
        ),
    ),
}


@dataclass(frozen=True, eq=False)
class Dataset:
    """Train/test arrays plus where they came from. x_*: (N, features) uint8 or float32."""

    name: str
    title: str
    class_names: tuple[str, ...]
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # "full", "sample" or "upload"
    origin: str  # file or folder it was read from
    image_shape: tuple[int, int] | None = (28, 28)
    notes: tuple[str, ...] = field(default=())

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def describe(self) -> str:
        kind = {"full": "full dataset", "sample": "bundled sample", "upload": "uploaded file"}[self.source]
        return f"{self.title}: {kind}, {len(self.x_train):,} train / {len(self.x_test):,} test images"


# --- lookup ------------------------------------------------------------------------------------
def load(
    name: str,
    data_dir: str | os.PathLike | None = None,
    *,
    download: bool | None = None,
    progress: Progress | None = None,
) -> Dataset:
    """Find and load a dataset: data_dir (or $MLP_DATA_DIR) -> Keras cache -> download -> sample.

    download=None means "when online": it is skipped if $MLP_OFFLINE is set.
    Results are cached per process (datasets are read-only and shared).
    """
    if name not in DATASETS:
        raise DataError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    data_dir = data_dir or os.environ.get("MLP_DATA_DIR") or None
    if download is None:
        download = not os.environ.get("MLP_OFFLINE")
    key = (name, str(Path(data_dir).resolve()) if data_dir else None, download)
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = _lookup(*key, progress)
        return _CACHE[key]


_CACHE: dict[tuple, Dataset] = {}
_LOCK = threading.Lock()


def _lookup(name: str, data_dir: str | None, download: bool, progress: Progress | None) -> Dataset:
    info = DATASETS[name]
    notes: list[str] = []
    if data_dir:
        path = Path(data_dir) / f"{name}.npz"
        if path.is_file():
            return _from_npz(info, path, "full")
        notes.append(f"no {path.name} in {data_dir}")
    cache = keras_cache_dir() / info.cache_subdir
    if all((cache / f.name).is_file() for f in info.files):
        return _from_files(info, cache)
    if download:
        try:
            for remote in info.files:
                if not (cache / remote.name).is_file():
                    fetch(KERAS_BASE + remote.name, cache / remote.name, remote, progress)
            return _from_files(info, cache)
        except OSError as exc:  # offline, refused, or checksum mismatch
            notes.append(f"download failed: {exc}")
    sample = _from_npz(info, info.sample_path, "sample")
    return Dataset(**{**sample.__dict__, "notes": tuple(notes)})


def keras_cache_dir() -> Path:
    """The folder keras.datasets uses: $KERAS_HOME/datasets or ~/.keras/datasets."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"


def _from_files(info: DatasetInfo, folder: Path) -> Dataset:
    if info.files[0].name.endswith(".npz"):
        return _from_npz(info, folder / info.files[0].name, "full")
    y_train, x_train, y_test, x_test = (_read_idx(folder / f.name) for f in info.files)
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    return _make(info, arrays, "full", str(folder))


def _from_npz(info: DatasetInfo, path: Path, source: str) -> Dataset:
    return _make(info, read_npz(path), source, str(path))


def load_sample(name: str) -> Dataset:
    """The bundled sample of a built-in dataset, whatever the data dir and the cache hold."""
    if name not in DATASETS:
        raise DataError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    info = DATASETS[name]
    return _from_npz(info, info.sample_path, "sample")


def _make(info: DatasetInfo, arrays: dict[str, np.ndarray], source: str, origin: str) -> Dataset:
    arrays = check_arrays(arrays, n_classes=len(info.class_names), where=origin, image_shape=(28, 28))
    return Dataset(info.name, info.title, info.class_names, source=source, origin=origin, **arrays)


# --- reading and checking files ----------------------------------------------------------------
KEYS = ("x_train", "y_train", "x_test", "y_test")


def read_npz(path, label: str | None = None) -> dict[str, np.ndarray]:
    """Read the four Keras arrays from an .npz path or file object (no pickles); DataError says what is wrong.

    The array headers are checked against the server's limits before any array is read (see npz_headers)."""
    label = label or Path(path).name
    try:
        headers = npz_headers(path, label)
        missing = [k for k in KEYS if k not in headers]
        if missing:
            raise DataError(f"{label}: missing array(s) {', '.join(missing)}; expected {', '.join(KEYS)}")
        if hasattr(path, "seek"):
            path.seek(0)
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in KEYS}
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except ValueError as exc:
        if "pickle" in str(exc):
            raise DataError(f"{label}: contains object arrays (pickles are refused for safety)") from None
        raise DataError(f"{label}: not a readable .npz file ({exc})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"{label}: corrupt or truncated .npz file ({exc})") from None


def npz_headers(path, label: str) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """{array name: (shape, dtype)} of an .npz, read from each member's .npy header only.

    A small .npz can hold gigabytes of zeros (they compress to almost nothing) or an absurdly wide
    array; np.load would allocate it all. Sizes are checked here first: object arrays, more than
    limits.FEATURES values per row, or more than limits.DATA_MB in all raise DataError."""
    headers, total = {}, 0
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            if not member.filename.endswith(".npy"):
                continue
            with archive.open(member) as f:
                fmt = np.lib.format
                version = fmt.read_magic(f)
                read_header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
                shape, _, dtype = read_header(f)
            name = member.filename[:-4]
            if dtype.hasobject:
                raise DataError(f"{label}: {name} contains object arrays (pickles are refused for safety)")
            features = math.prod(shape[1:])
            if name.startswith("x_") and features > limits.FEATURES.value:
                raise DataError(
                    f"{label}: {name} has {features:,} features per row; this server allows at most "
                    f"{limits.FEATURES.describe()}"
                )
            total += math.prod(shape) * dtype.itemsize
            headers[name] = (shape, dtype)
    if total > limits.DATA_MB.value * 1e6:
        raise DataError(
            f"{label}: the arrays would take {limits.mb(total)} in memory once decompressed; this server allows "
            f"at most {limits.DATA_MB.describe()}"
        )
    return headers


def _read_idx(path: Path) -> np.ndarray:
    """Read a gzipped IDX file (the original MNIST format)."""
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:
        raise DataError(f"{path.name}: corrupt or truncated IDX file ({exc})") from None
    if len(raw) < 8 or raw[:2] != b"\0\0" or raw[2] != 0x08:
        raise DataError(f"{path.name}: not a uint8 IDX file")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise DataError(f"{path.name}: expected {dims} values, found {data.size}")
    return data.reshape(dims)


def check_arrays(
    arrays: dict[str, np.ndarray], *, n_classes: int, where: str, image_shape: tuple[int, int] | None = None
) -> dict[str, np.ndarray]:
    """Validate shapes, dtypes, label range and finiteness; return flat (N, features) rows."""
    name = Path(where).name
    out = {}
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype.kind not in "uif" or y.dtype.kind not in "ui":
            raise DataError(
                f"{name}: x_{split} must be numeric and y_{split} integer labels (got {x.dtype} and {y.dtype})"
            )
        if image_shape and x.shape[1:] not in (image_shape, (image_shape[0] * image_shape[1],)):
            raise DataError(f"{name}: x_{split} has shape {x.shape}, expected (N, {image_shape[0]}, {image_shape[1]})")
        if x.ndim < 2 or y.ndim != 1 or len(x) != len(y) or len(x) == 0:
            raise DataError(f"{name}: x_{split} {x.shape} and y_{split} {y.shape} do not match as (N, ...) and (N,)")
        if x.dtype.kind == "f" and not np.isfinite(x).all():
            raise DataError(f"{name}: x_{split} contains NaN or infinite values")
        if y.min() < 0 or y.max() >= n_classes:
            raise DataError(f"{name}: y_{split} labels must be 0..{n_classes - 1}, found {y.min()}..{y.max()}")
        flat = x.reshape(len(x), -1)
        out[f"x_{split}"] = flat if flat.dtype == np.uint8 else flat.astype(np.float32)
        out[f"y_{split}"] = y.astype(np.int32)
    if out["x_train"].shape[1] != out["x_test"].shape[1]:
        raise DataError(f"{name}: train and test images differ in size")
    return out


# --- download ------------------------------------------------------------------------------------
def fetch(url: str, dest: Path, expected: RemoteFile, progress: Progress | None = None, timeout: float = 10.0) -> Path:
    """Download url to dest, verifying the checksum; a failed or partial download leaves no file."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256() if expected.sha256 else hashlib.md5()
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            while chunk := response.read(1 << 16):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
        if total and done != total:
            raise OSError(f"{dest.name}: download incomplete ({done} of {total} bytes)")
        want = expected.sha256 or expected.md5
        if digest.hexdigest() != want:
            raise OSError(f"{dest.name}: checksum mismatch (got {digest.hexdigest()}, expected {want})")
        os.replace(tmp, dest)
        return dest
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# --- preparing data for training ------------------------------------------------------------------
def split_validation(x: np.ndarray, y: np.ndarray, fraction: float, seed: int):
    """Seeded split of the training set: (x_train, y_train, x_val, y_val); empty val if fraction is 0."""
    n_val = round(len(x) * fraction)
    order = np.random.default_rng(seed).permutation(len(x))
    val, train = order[:n_val], order[n_val:]
    return x[train], y[train], x[val], y[val]


def normalization(mode: str, x_train: np.ndarray) -> tuple[float, float]:
    """(scale, offset) so that x * scale + offset is the normalized input.

    none: raw 0-255; unit: divide by 255; zscore: one global mean and std of the training set.
    """
    if mode == "none":
        return 1.0, 0.0
    if mode == "unit":
        return 1.0 / 255.0, 0.0
    if mode == "zscore":
        mean = float(x_train.mean(dtype=np.float64))
        std = float(x_train.std(dtype=np.float64)) or 1.0
        return 1.0 / std, -mean / std
    raise ValueError(f"unknown normalization {mode!r}")


# --- bundled samples --------------------------------------------------------------------------
SAMPLE_SIZES = {"mnist": (10000, 2000), "fashion_mnist": (6000, 1000)}


def make_sample(name: str, source: Path | str, dest: Path | str | None = None, seed: int = 0) -> Path:
    """Write a class-balanced sample of a full dataset .npz (the bundled offline fallback)."""
    info = DATASETS[name]
    arrays = read_npz(source)
    check_arrays(arrays, n_classes=len(info.class_names), where=str(source), image_shape=(28, 28))
    rng = np.random.default_rng(seed)
    picked = {}
    for split, size in zip(("train", "test"), SAMPLE_SIZES[name]):
        y = arrays[f"y_{split}"]
        per_class = size // len(info.class_names)
        idx = np.sort(
            np.concatenate([rng.permutation(np.flatnonzero(y == c))[:per_class] for c in range(len(info.class_names))])
        )
        picked[f"x_{split}"], picked[f"y_{split}"] = arrays[f"x_{split}"][idx], y[idx]
    dest = Path(dest or info.sample_path)
    np.savez_compressed(dest, **picked)
    return dest


# --- bring your own data -------------------------------------------------------------------------
MAX_CLASSES = 100


def from_upload(filename: str, content: bytes, seed: int = 0) -> Dataset:
    """A Dataset from an uploaded .npz (x_train, y_train, x_test, y_test[, class_names]) or a CSV
    with a label column followed by pixel/feature columns (split 85/15 into train and test)."""
    name = Path(filename).name
    if len(content) > limits.UPLOAD_MB.value * 1e6:
        raise DataError(
            f"{name}: the file has {limits.mb(len(content))}; "
            f"this server accepts files up to {limits.UPLOAD_MB.describe()}"
        )
    if name.lower().endswith(".npz"):
        arrays = read_npz(io.BytesIO(content), name)
        with np.load(io.BytesIO(content), allow_pickle=False) as f:
            names = [str(c) for c in f["class_names"]] if "class_names" in f.files else None
    elif name.lower().endswith(".csv"):
        arrays, names = _read_csv(name, content, seed)
    else:
        raise DataError(f"{name}: upload an .npz or a .csv file")
    n_classes = len(names) if names else int(max(arrays["y_train"].max(initial=0), arrays["y_test"].max(initial=0))) + 1
    if not 2 <= n_classes <= MAX_CLASSES:
        raise DataError(f"{name}: labels must name 2 to {MAX_CLASSES} classes, found {n_classes}")
    side = round(np.sqrt(np.prod(arrays["x_train"].shape[1:])))
    image_shape = (side, side) if side * side == np.prod(arrays["x_train"].shape[1:]) else None
    arrays = check_arrays(arrays, n_classes=n_classes, where=name)
    stem = Path(name).stem
    return Dataset(
        f"upload:{stem}",
        stem,
        tuple(names or (str(i) for i in range(n_classes))),
        source="upload",
        origin=name,
        image_shape=image_shape,
        **arrays,
    )


def _read_csv(name: str, content: bytes, seed: int) -> tuple[dict[str, np.ndarray], list[str] | None]:
    _check_csv_size(name, content)
    lines = content.decode("utf-8", errors="replace").splitlines()
    if not lines:
        raise DataError(f"{name}: the file is empty")
    first = lines[0].split(",")
    header = not _is_number(first[0])
    try:
        table = np.loadtxt(lines[1:] if header else lines, delimiter=",", dtype=np.float64, ndmin=2)
    except ValueError as exc:
        raise DataError(f"{name}: every value after the header must be a number ({exc})") from None
    if table.shape[1] < 2 or len(table) < 10:
        raise DataError(f"{name}: need a label column and at least one feature column, and at least 10 rows")
    labels, x = table[:, 0], table[:, 1:]
    if not np.isfinite(table).all():
        raise DataError(f"{name}: contains NaN or infinite values")
    if (labels != np.round(labels)).any() or labels.min() < 0:
        raise DataError(f"{name}: the first column must hold whole-number labels 0, 1, 2, ...")
    if ((x >= 0) & (x <= 255) & (x == np.round(x))).all():
        x = x.astype(np.uint8)  # pixel values: keep them compact
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = max(1, int(len(x) * 0.15))
    test, train = order[:n_test], order[n_test:]
    y = labels.astype(np.int64)
    return {"x_train": x[train], "y_train": y[train], "x_test": x[test], "y_test": y[test]}, None


def _check_csv_size(name: str, content: bytes) -> None:
    """Count columns (on the first line) and rows before parsing: a short file can be very wide."""
    end = content.find(b"\n", 0, 10_000_000)
    columns = content.count(b",", 0, end if end >= 0 else len(content)) + 1
    rows = content.count(b"\n") + (not content.endswith(b"\n"))
    if columns - 1 > limits.FEATURES.value:
        raise DataError(
            f"{name}: {columns - 1:,} feature columns; this server allows at most {limits.FEATURES.describe()}"
        )
    if rows * columns > limits.CSV_CELLS.value:
        raise DataError(
            f"{name}: {rows:,} rows x {columns:,} columns; this server reads at most {limits.CSV_CELLS.describe()}"
        )


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False
