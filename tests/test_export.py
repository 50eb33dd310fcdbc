import ast
import os
import re
import subprocess
import sys

import pytest

from mlp import data
from mlp.config import LayerSpec, RunConfig
from mlp.export import script
from mlp.presets import PRESETS, preset


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_exports_valid_python(name):
    source = script(PRESETS[name][1])
    ast.parse(source)
    assert "model.fit(" in source and "model.evaluate(" in source


def test_export_mirrors_the_config():
    cfg = RunConfig(
        layers=(LayerSpec(64, "tanh"),),
        optimizer="momentum",
        learning_rate=0.05,
        momentum=0.8,
        normalization="zscore",
        initializer="normal",
        dropout=0.1,
        l2=1e-4,
        validation_fraction=0.1,
    )
    source = script(cfg)
    assert 'keras.layers.Dense(64, activation="tanh"' in source
    assert "SGD(learning_rate=0.05, momentum=0.8)" in source
    assert "x_train.std()" in source and "RandomNormal(mean=0.0, stddev=1.0)" in source
    assert "keras.layers.Dropout(0.1)" in source and "L2(0.0001)" in source
    assert "validation_split=0.1" in source
    assert "RandomNormal(mean=0.0, stddev=0.05)" in script(preset("sigmoid-deep").replace(engine="keras"))


def test_exported_script_runs_and_learns(tmp_path):
    """The exported default config, run for one epoch on the bundled sample, learns."""
    path = tmp_path / "train_mlp.py"
    path.write_text(script(RunConfig()))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("MLP_DATA_DIR", None)
    out = subprocess.run(
        [sys.executable, str(path), "--data", str(data.DATASETS["mnist"].sample_path), "--epochs", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    accuracy = float(re.search(r"test accuracy ([0-9.]+)", out.stdout).group(1))
    assert accuracy > 0.85
    assert "118,282" in out.stdout  # model.summary() shows the tutorial's parameter count
