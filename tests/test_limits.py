"""A school day on one server: inputs that would take it down are refused before memory is allocated.

The bombs run in a child process with an address-space limit (RLIMIT_AS), so a regression fails the
test with a MemoryError instead of taking the machine down.
"""

import io
import json
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from mlp import data, limits
from mlp.config import ConfigError, LayerSpec, RunConfig

ROOT = Path(__file__).resolve().parents[1]
CHILD_LIMIT = 1_500_000_000  # bytes of address space for the child: numpy and mlp.data fit, a bomb does not


def npz_member(name: str, shape: tuple, dtype=np.uint8, chunk: int = 1 << 24) -> tuple[str, bytes]:
    """A real .npy member of zeros, deflated in chunks (never held whole in memory): (name, deflated, size, crc)."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": np.dtype(dtype).str, "fortran_order": False, "shape": shape})
    total = int(np.prod(shape)) * np.dtype(dtype).itemsize
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts, crc = [deflate.compress(header.getvalue())], zlib.crc32(header.getvalue())
    zeros = bytes(chunk)
    for start in range(0, total, chunk):
        piece = zeros[: min(chunk, total - start)]
        parts.append(deflate.compress(piece))
        crc = zlib.crc32(piece, crc)
    parts.append(deflate.flush())
    return name, b"".join(parts), len(header.getvalue()) + total, crc


def _raw_zip(path: Path, members: list) -> Path:
    """A zip of already-deflated members (zipfile cannot store pre-compressed data); zip64 where needed."""
    import struct

    out, central = io.BytesIO(), []
    for name, deflated, size, crc in members:
        fname = f"{name}.npy".encode()
        offset = out.tell()
        zip64 = size >= 0xFFFFFFFF
        extra = struct.pack("<HHQQ", 1, 16, size, len(deflated)) if zip64 else b""
        out.write(
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                45 if zip64 else 20,
                0,
                8,
                0,
                0,
                crc,
                0xFFFFFFFF if zip64 else len(deflated),
                0xFFFFFFFF if zip64 else size,
                len(fname),
                len(extra),
            )
        )
        out.write(fname + extra + deflated)
        central.append((fname, offset, crc, len(deflated), size, zip64))
    start = out.tell()
    for fname, offset, crc, csize, size, zip64 in central:
        extra = struct.pack("<HHQQQ", 1, 24, size, csize, offset) if zip64 else b""
        out.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                45,
                45 if zip64 else 20,
                0,
                8,
                0,
                0,
                crc,
                0xFFFFFFFF if zip64 else csize,
                0xFFFFFFFF if zip64 else size,
                len(fname),
                len(extra),
                0,
                0,
                0,
                0,
                0xFFFFFFFF if zip64 else offset,
            )
        )
        out.write(fname + extra)
    end = out.tell()
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), end - start, start, 0))
    path.write_bytes(out.getvalue())
    return path


def upload_in_child(path: Path) -> dict:
    """data.from_upload(path) in a child process limited to CHILD_LIMIT bytes of address space."""
    code = f"""
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({CHILD_LIMIT}, {CHILD_LIMIT}))
from mlp import data
try:
    ds = data.from_upload({path.name!r}, open({str(path)!r}, "rb").read())
    print(json.dumps({{"accepted": ds.describe()}}))
except data.DataError as exc:
    print(json.dumps({{"refused": str(exc)}}))
"""
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def small_members(n: int = 50, features: int = 784) -> list:
    rng = np.random.default_rng(0)
    out = []
    for name, arr in {
        "x_train": rng.integers(0, 255, (n, features), dtype=np.uint8),
        "y_train": np.arange(n) % 10,
        "x_test": rng.integers(0, 255, (10, features), dtype=np.uint8),
        "y_test": np.arange(10) % 10,
    }.items():
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, arr)
        deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
        raw = buffer.getvalue()
        out.append((name, deflate.compress(raw) + deflate.flush(), len(raw), zlib.crc32(raw)))
    return out


def test_a_normal_upload_is_accepted_under_the_same_memory_limit(tmp_path):
    """The child's limit leaves room for real work: what the bombs hit is their size, not the limit."""
    path = tmp_path / "good.npz"
    rng = np.random.default_rng(0)
    np.savez_compressed(
        path,
        x_train=rng.integers(0, 255, (500, 784), dtype=np.uint8),
        y_train=np.arange(500) % 10,
        x_test=rng.integers(0, 255, (100, 784), dtype=np.uint8),
        y_test=np.arange(100) % 10,
    )
    assert "accepted" in upload_in_child(path)


@pytest.mark.slow
def test_zip_of_zeros_is_refused_before_it_inflates(tmp_path):
    """2.5 GB of zeros deflated to a few MB: far under the upload cap on the wire."""
    members = [npz_member("x_train", (3_200_000, 784)), *small_members()[1:]]
    path = _raw_zip(tmp_path / "bomb.npz", members)
    assert path.stat().st_size < limits.UPLOAD_MB.value * 1e6
    result = upload_in_child(path)
    assert "refused" in result, result
    assert "MLP_MAX_DATA_MB" in result["refused"] and "decompressed" in result["refused"]


def test_fifty_million_features_are_refused(tmp_path):
    members = [npz_member("x_train", (2, 50_000_000)), *small_members()[1:]]
    path = _raw_zip(tmp_path / "wide.npz", members)
    result = upload_in_child(path)
    assert "refused" in result, result
    assert "50,000,000 features" in result["refused"] and "MLP_MAX_FEATURES" in result["refused"]


def test_csv_with_millions_of_columns_is_refused(tmp_path):
    path = tmp_path / "wide.csv"
    row = "1," + ",".join(["0"] * 3_000_000) + "\n"
    path.write_text(row * 2)
    result = upload_in_child(path)
    assert "refused" in result, result
    assert "3,000,000 feature columns" in result["refused"] and "MLP_MAX_FEATURES" in result["refused"]


def test_csv_cells_and_upload_size_limits(monkeypatch):
    table = "\n".join(f"{i % 10}," + ",".join(["7"] * 20) for i in range(200)).encode()
    monkeypatch.setenv("MLP_MAX_CSV_CELLS", "1000")
    with pytest.raises(data.DataError, match="MLP_MAX_CSV_CELLS"):
        data.from_upload("t.csv", table)
    monkeypatch.delenv("MLP_MAX_CSV_CELLS")
    assert data.from_upload("t.csv", table).n_features == 20
    monkeypatch.setenv("MLP_MAX_UPLOAD_MB", "0.001")
    with pytest.raises(data.DataError, match="MLP_MAX_UPLOAD_MB"):
        data.from_upload("t.csv", table)


def test_refused_upload_keeps_the_sessions_earlier_uploads(sample):
    from mlp.jobs import JobManager
    from mlp.session import Workbench

    wb = Workbench(JobManager(max_parallel=1))
    good = io.BytesIO()
    np.savez(
        good,
        x_train=sample.x_train[:100],
        y_train=sample.y_train[:100],
        x_test=sample.x_test[:20],
        y_test=sample.y_test[:20],
    )
    assert wb.receive_upload("1", "mine.npz", good.getvalue)
    before = (dict(wb.uploads), wb.config)
    wide = io.BytesIO()
    np.savez(
        wide, x_train=np.zeros((2, 5000), np.uint8), y_train=[0, 1], x_test=np.zeros((2, 5000), np.uint8), y_test=[0, 1]
    )
    assert not wb.receive_upload("2", "wide.npz", wide.getvalue)
    assert "5,000 features" in wb.upload_error
    assert (dict(wb.uploads), wb.config) == before


def test_parameter_cap_is_checked_with_the_datasets_sizes(monkeypatch):
    huge = RunConfig(layers=tuple(LayerSpec(2048) for _ in range(8)))
    with pytest.raises(ConfigError, match=r"31,002,634 parameters.*MLP_MAX_PARAMETERS"):
        huge.validated()
    two_wide = RunConfig(layers=(LayerSpec(2048), LayerSpec(2048)))
    assert two_wide.validated() is two_wide  # 5.8 M parameters on MNIST
    with pytest.raises(ConfigError, match="MLP_MAX_PARAMETERS"):
        two_wide.validated(n_inputs=4096)  # 12.6 M on 64x64 images
    monkeypatch.setenv("MLP_MAX_PARAMETERS", "40000000")
    assert huge.validated() is huge


def test_memory_estimate_refuses_a_huge_batch_of_wide_layers():
    cfg = RunConfig(layers=(LayerSpec(2048), LayerSpec(2048)), batch_size=60000)
    with pytest.raises(ConfigError, match=r"batch_size.*MLP_MAX_TRAINING_MB"):
        cfg.validated()
    assert cfg.replace(batch_size=256).validated()


def test_training_refuses_a_network_too_big_for_the_uploaded_data(sample):
    from dataclasses import replace

    from mlp.training import Training

    wide = replace(
        sample,
        x_train=np.zeros((20, 4096), np.uint8),
        x_test=np.zeros((5, 4096), np.uint8),
        y_train=sample.y_train[:20],
        y_test=sample.y_test[:5],
    )
    with pytest.raises(ConfigError, match="MLP_MAX_PARAMETERS"):
        Training(RunConfig(layers=(LayerSpec(2048), LayerSpec(2048)), batch_size=16), wide)


def test_canvas_images_are_capped():
    from mlp import drawing

    with pytest.raises(ValueError, match="MLP_MAX_IMAGE_PIXELS"):
        drawing.ink(np.zeros((5000, 5000), np.uint8))
