import json
import os
import subprocess
import sys

import numpy as np
import pytest

from mlp.config import LayerSpec, RunConfig
from mlp.models import ModelError, load_model
from mlp.presets import preset
from mlp.runs import MAX_NAME, RunStore, RunStoreError
from mlp.states import ACTIVE, FINISHED, RunState


def test_create_append_list_load_delete(tmp_path):
    store = RunStore(tmp_path)
    cfg = RunConfig(epochs=3)
    run_id = store.create(cfg, owner="alice")
    store.set_status(run_id, "running")
    store.append_epoch(run_id, {"epoch": 1, "loss": 0.5})
    store.append_epoch(run_id, {"epoch": 2, "loss": 0.4})
    run = store.load(run_id)
    assert run.config == cfg and [h["epoch"] for h in run.history] == [1, 2] and run.state == "running"
    assert [r.id for r in store.list()] == [run_id]
    with pytest.raises(RunStoreError, match="only the runs you created"):
        store.delete(run_id, owner="bob")
    with pytest.raises(RunStoreError, match="still training"):
        store.delete(run_id, owner="alice")
    store.set_status(run_id, "completed")
    store.delete(run_id, owner="alice")
    with pytest.raises(RunStoreError, match="not found"):
        store.load(run_id)
    assert store.list() == []


@pytest.mark.parametrize("bad", ["../etc", "..", "20250101-000000-zzzzzz", "", "a/b", None])
def test_run_ids_are_validated_before_touching_files(tmp_path, bad):
    with pytest.raises(RunStoreError, match="not a valid run id"):
        RunStore(tmp_path).load(bad)


def test_run_of_a_dead_process_is_interrupted(tmp_path):
    store = RunStore(tmp_path)
    run_id = store.create(RunConfig())
    store.append_epoch(run_id, {"epoch": 1})
    status = json.loads((tmp_path / run_id / "status.json").read_text())
    status.update(state="running", pid=2**22 + 12345, process="gone")  # no such process
    (tmp_path / run_id / "status.json").write_text(json.dumps(status))
    run = store.load(run_id)
    assert run.state == "interrupted" and len(run.history) == 1


def test_server_killed_mid_training_leaves_an_interrupted_run(tmp_path):
    """A real process trains, is killed after its first epoch; its run reads back as interrupted."""
    code = f"""
import os, sys, signal
from mlp import data
from mlp.config import RunConfig
from mlp.runs import RunStore
from mlp.training import Training
store = RunStore({str(tmp_path)!r})
cfg = RunConfig(epochs=50, engine="scratch")
run_id = store.create(cfg)
store.set_status(run_id, "running")
def on_epoch(log):
    store.append_epoch(run_id, log.to_dict())
    if log.epoch == 2:
        os.kill(os.getpid(), signal.SIGKILL)
ds = data.load("mnist", download=False)
Training(cfg, ds, on_epoch=on_epoch).run()
"""
    env = {**os.environ, "MLP_DATA_DIR": ""}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        timeout=300,
        cwd=os.path.dirname(os.path.dirname(__file__)),
    )
    assert proc.returncode == -9, proc.stderr[-2000:]
    (run,) = RunStore(tmp_path).list()
    assert run.state == "interrupted"
    assert [h["epoch"] for h in run.history] == [1, 2]


def test_read_only_folder_gives_a_message(tmp_path):
    if os.geteuid() == 0:
        # root ignores permissions: simulate with a file where the folder should be
        (tmp_path / "runs").write_text("not a folder")
    else:
        (tmp_path / "runs").mkdir(mode=0o500)
    with pytest.raises(RunStoreError, match="cannot create a run"):
        RunStore(tmp_path / "runs").create(RunConfig())


def test_model_roundtrip_and_safe_loading(tmp_path):
    import keras

    from mlp.engines.keras import build_model

    store = RunStore(tmp_path)
    run_id = store.create(RunConfig(layers=(LayerSpec(8),)))
    model = build_model(RunConfig(layers=(LayerSpec(8),)), 784, 10, 1 / 255, 0.0)
    store.save_model(run_id, model)
    assert store.load(run_id).has_model
    loaded = store.load_model(run_id)
    x = np.random.default_rng(0).integers(0, 255, (3, 784)).astype("float32")
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), atol=1e-6)

    lam = keras.Sequential([keras.Input((784,)), keras.layers.Lambda(lambda t: t * 2), keras.layers.Dense(10)])
    lam.save(tmp_path / "lambda.keras")
    with pytest.raises(ModelError, match="safe mode"):
        load_model(tmp_path / "lambda.keras")
    (tmp_path / "junk.keras").write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="not a Keras model file"):
        load_model(tmp_path / "junk.keras")
    with pytest.raises(ModelError, match="3 classes"):
        load_model(tmp_path / run_id / "model.keras", n_inputs=784, n_classes=3)


def test_a_status_json_of_plain_strings_still_loads_and_compares(tmp_path):
    """Runs saved before RunState existed hold plain strings; new ones are written the same way."""
    store = RunStore(tmp_path)
    run_id = store.create(RunConfig())
    status = json.loads((tmp_path / run_id / "status.json").read_text())
    assert status["state"] == "queued" and type(status["state"]) is str
    status.update(state="completed", message="", seconds=1.5, test_loss=0.3, test_accuracy=0.9, has_model=False)
    (tmp_path / run_id / "status.json").write_text(json.dumps(status))
    run = store.load(run_id)
    assert run.state == RunState.COMPLETED and run.state in FINISHED and run.state not in ACTIVE
    store.set_status(run_id, RunState.STOPPED)
    assert json.loads((tmp_path / run_id / "status.json").read_text())["state"] == "stopped"


def test_a_run_name_is_stored_cleaned_and_leads_its_label(tmp_path):
    store = RunStore(tmp_path)
    named = store.load(store.create(RunConfig(normalization="zscore"), owner="me", name="  lr 0.1\n no   dropout "))
    assert named.status["name"] == named.name == "lr 0.1 no dropout"
    assert named.label == "lr 0.1 no dropout · mnist 784-128-128-10 relu adam lr=0.001 z-score"
    assert store.load(store.create(RunConfig(), name="x" * 100)).name == "x" * MAX_NAME
    default = store.load(store.create(RunConfig()))
    assert default.name == "" and default.label == "default: mnist 784-128-128-10 relu adam lr=0.001"


def test_the_runs_table_row_tells_runs_apart(tmp_path):
    store = RunStore(tmp_path)
    run = store.load(store.create(preset("raw-pixels-pitfall"), owner="me", name="pitfall"))
    row = run.row(owner="me")
    assert row["name"] == "pitfall" and row["preset"] == "raw-pixels-pitfall" and row["pixels"] == "none"
    assert row["yours"] and not run.row(owner="other")["yours"]
    assert row["architecture"] == "784-128-10" and row["epochs"] == 0 and row["status"] == "queued"
    assert store.load(store.create(RunConfig(epochs=7))).row("me")["preset"] == ""
