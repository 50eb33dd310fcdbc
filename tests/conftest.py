"""Shared fixtures: offline, a temporary run store, small slices of the bundled sample."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["MLP_OFFLINE"] = "1"  # never try the network from tests

from mlp import data  # noqa: E402


@pytest.fixture(autouse=True)
def _runs_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("MLP_RUNS_DIR", str(tmp_path / "runs"))


@pytest.fixture(scope="session")
def sample():
    """The bundled MNIST sample (10k train / 2k test), whatever MLP_DATA_DIR says."""
    return data.load_sample("mnist")


@pytest.fixture(scope="session")
def small(sample):
    """3,000 train / 1,000 test images of the sample: enough to learn, quick to train."""
    from dataclasses import replace

    return replace(
        sample,
        x_train=sample.x_train[:3000],
        y_train=sample.y_train[:3000],
        x_test=sample.x_test[:1000],
        y_test=sample.y_test[:1000],
    )
