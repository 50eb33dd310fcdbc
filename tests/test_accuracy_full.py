"""The issue's acceptance figures on the full MNIST (skipped without MLP_DATA_DIR)."""

import json
import os
from pathlib import Path

import pytest
from test_cli import cli

FULL = os.environ.get("MLP_DATA_DIR") and (Path(os.environ["MLP_DATA_DIR"]) / "mnist.npz").is_file()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not FULL, reason="needs the full MNIST in MLP_DATA_DIR")]


@pytest.mark.parametrize("engine, floor", [("keras", 0.975), ("scratch", 0.97)])
def test_default_preset_on_full_mnist(engine, floor):
    out = cli("train", "--preset", "default", "--engine", engine, "--json", timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(engine, result["test_accuracy"], f"{result['samples_per_sec']:,.0f} samples/s")
    assert result["data_source"] == "full"
    assert result["test_accuracy"] >= floor
