"""`python -m mlp sweep`: one line per trial, JSON last with --json, one-line errors with exit code 2."""

import json

import pytest

from mlp.__main__ import main


def test_sweep_prints_a_line_per_trial_and_json_last(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MLP_DATA_DIR", "")
    args = ["sweep", "--trials", "2", "--epochs", "1", "--lr", "1e-3:1e-1", "--layers", "1", "--units", "16:32"]
    args += ["--engine", "scratch", "--sampler", "random", "--runs-dir", str(tmp_path), "--name", "cli", "--json"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    result = json.loads(out.strip().splitlines()[-1])
    assert [line.split()[:2] for line in err.splitlines() if line.startswith("trial")] == [
        ["trial", "0"],
        ["trial", "1"],
    ]
    assert result["name"] == "cli" and result["state"] == "completed" and result["finished"] == 2
    assert [t["state"] for t in result["trials"]] == ["complete", "complete"]
    assert result["test"]["trial"] == result["best"]["number"]
    assert (tmp_path / "sweeps.db").exists()
    assert main(["sweep", "--resume", "cli", "--runs-dir", str(tmp_path)]) == 2
    assert "has run all its 2 trials" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lr", "0:1"], "learning_rate: searched on a log scale, so the range must stay above 0"),
        (["--layers", "3:1"], "layers: the range 3:1 is inverted"),
        (["--optimizer", ""], "optimizer: choose one or more of sgd"),
        (["--trials", "0"], "trials: a whole number from 1 to 500"),
        (["--validation", "0"], "validation_fraction: a sweep needs a validation split"),
        (["--layers", "1:8", "--units", "2048"], "units: the largest network in this space"),
        (["--sampler", "bayes"], "argument --sampler: invalid choice"),
        (["--slots", "0"], "--slots must be 1 or more"),
        (["--resume", "nope"], "sweep: no sweep named 'nope'"),
        (["--name", "a b"], "name: letters, digits"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path, capsys):
    assert main(["sweep", *args, "--runs-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and err.count("\n") == 1, err
