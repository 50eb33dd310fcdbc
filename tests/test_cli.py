import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, env=None, timeout=300):
    env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "mlp", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_train_one_epoch_offline_on_the_sample(tmp_path):
    out = cli(
        "train",
        "--epochs",
        "1",
        "--json",
        "--save",
        "--runs-dir",
        str(tmp_path),
        env={"MLP_DATA_DIR": "", "KERAS_HOME": str(tmp_path / "k")},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "bundled sample" in out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["data_source"] == "sample" and len(result["history"]) == 1
    assert result["test_accuracy"] > 0.8 and result["samples_per_sec"] > 0
    assert set(result) >= {
        "config",
        "history",
        "test_accuracy",
        "test_loss",
        "seconds",
        "samples_per_sec",
        "data_source",
    }
    runs = cli("runs", "--runs-dir", str(tmp_path))
    assert result["run_id"] in runs.stdout and "completed" in runs.stdout


def test_plain_output_one_line_per_epoch(tmp_path):
    out = cli("train", "--epochs", "2", "--layers", "32:tanh", "--engine", "scratch", env={"MLP_DATA_DIR": ""})
    assert out.returncode == 0, out.stderr[-2000:]
    lines = [line for line in out.stdout.splitlines() if line.startswith("epoch")]
    assert len(lines) == 2 and "samples/s" in lines[0]


def test_presets_listed():
    out = cli("presets")
    assert out.returncode == 0
    for name in ("default", "keras-sgd-zscore", "raw-pixels-pitfall", "scratch-gd", "fashion-small", "sigmoid-deep"):
        assert name in out.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "--epochs", "0"], "epochs"),
        (["train", "--epochs", "10000"], "epochs"),
        (["train", "--layers", "0"], "layer 1 units"),
        (["train", "--layers", "5000"], "layer 1 units"),
        (["train", "--layers", ",".join(["8"] * 50)], "layers"),
        (["train", "--lr", "0"], "learning_rate"),
        (["train", "--lr", "-1"], "learning_rate"),
        (["train", "--lr", "nan"], "learning_rate"),
        (["train", "--lr", "1e9"], "learning_rate"),
        (["train", "--batch-size", "0"], "batch_size"),
        (["train", "--batch-size", "70000"], "batch_size"),
        (["train", "--validation", "1"], "validation_fraction"),
        (["train", "--preset", "nope"], "unknown preset"),
        (["train", "--optimizer", "lbfgs"], "invalid choice"),
        (["train", "--epochs", "three"], "invalid int"),
        (["runs", "--runs-dir", "/dev/null/x"], None),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args, message):
    out = cli(*args)
    if message is None:  # a run store that cannot exist lists nothing, without a traceback
        assert out.returncode == 0 and "Traceback" not in out.stderr
        return
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]


def test_bad_dataset_file_is_a_clean_error(tmp_path):
    (tmp_path / "mnist.npz").write_bytes(b"garbage")
    out = cli("train", "--epochs", "1", "--data-dir", str(tmp_path))
    assert out.returncode == 2 and "mnist.npz" in out.stderr and "Traceback" not in out.stderr


def test_a_run_store_that_cannot_be_written_is_a_clean_error(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    out = cli(
        *("train", "--epochs", "1", "--engine", "scratch", "--layers", "8"),
        *("--save", "--runs-dir", str(tmp_path / "file" / "runs")),
        env={"MLP_DATA_DIR": ""},
    )
    assert out.returncode == 2 and "Traceback" not in out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "cannot create a run" in errors[0]


def test_the_normal_initializers_spread_from_the_command_line():
    from mlp.__main__ import build_parser, config_from_args

    args = build_parser().parse_args(["train", "--preset", "scratch-gd", "--init-std", "0.05"])
    cfg = config_from_args(args)
    assert cfg.init_std == 0.05 and cfg.initializer == "normal"
    assert config_from_args(build_parser().parse_args(["train", "--preset", "sigmoid-deep"])).init_std == 0.05
