"""The framework patches (mlp/compat.py): each applies with the pinned versions, and falls back to
stock behaviour, with a warning, when the version or the private attribute it relies on changes."""

import logging
from pathlib import Path

import numpy as np
import pytest

from mlp import compat
from mlp.config import LayerSpec, RunConfig

ROOT = Path(__file__).resolve().parents[1]
NET = RunConfig(layers=(LayerSpec(16),), batch_size=64)


@pytest.fixture
def registry(monkeypatch):
    """A fresh record of applied patches (so each test sees its own warnings)."""
    monkeypatch.setattr(compat, "_APPLIED", {})


def keras_engine(optimizer="adam", **kwargs):
    from mlp.engines.keras import KerasEngine

    return KerasEngine(NET.replace(optimizer=optimizer).validated(), 784, 10, 1 / 255, 0.0, **kwargs)


# --- with the installed versions, every patch is in force ------------------------------------------
def test_streamlit_patch_applies(registry, monkeypatch):
    """If this fails after upgrading Streamlit, every browser viewing a live training retraces and
    starves the background trainings again: port keep_keras_state to the new version."""
    import keras
    from streamlit.runtime.scriptrunner import script_runner

    monkeypatch.setattr(script_runner, "_clean_problem_modules", script_runner._clean_problem_modules)  # restored
    assert compat.keep_keras_state() is True and compat.applied() == {"keep_keras_state": True}
    calls = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *a, **k: calls.append(1))
    script_runner._clean_problem_modules()  # what Streamlit runs after each script run
    assert calls == []


def test_keras_patches_apply(registry, small):
    """If this fails after upgrading Keras, port the patches in mlp/compat.py: without them a server
    leaks every traced train step, Adam/SGD train about a third slower, and retracing goes unseen."""
    engine = keras_engine()
    names = ("skip_single_replica_all_reduce", "fuse_keras_updates", "count_traces")
    assert compat.applied() == dict.fromkeys(names, True)
    assert engine.fused_updates
    opt = engine.model.optimizer
    assert opt._all_reduce_sum_gradients is list
    reduced = []  # Keras must still route the gradients through the patched attribute
    opt._all_reduce_sum_gradients = lambda grads_and_vars: reduced.append(1) or list(grads_and_vars)
    engine.train_epoch(small.x_train[:640], small.y_train[:640])
    assert reduced and engine.traces > 0


@pytest.mark.parametrize(
    "optimizer, kernel",
    [
        ("adam", "ResourceApplyAdam"),
        ("momentum", "ResourceApplyKerasMomentum"),
        ("sgd", "ResourceApplyGradientDescent"),
    ],
)
def test_keras_train_step_uses_the_fused_kernels(optimizer, kernel, small, monkeypatch):
    """Same numbers as stock Keras are not enough (test_engines checks those): the fused kernel must
    really be in the traced train step, i.e. Keras still calls the optimizer's update_step."""
    import tensorflow as tf

    calls = []
    original = getattr(tf.raw_ops, kernel)
    monkeypatch.setattr(tf.raw_ops, kernel, lambda **kw: calls.append(1) or original(**kw))
    engine = keras_engine(optimizer)
    engine.train_epoch(small.x_train[:640], small.y_train[:640])
    assert len(calls) == len(engine.get_weights())  # one per variable, while tracing


# --- with other versions or attributes, stock behaviour and a warning -------------------------------
def test_streamlit_patch_falls_back(registry, monkeypatch, caplog):
    import streamlit
    from streamlit.runtime.scriptrunner import script_runner

    stock = lambda: None
    monkeypatch.setattr(script_runner, "_clean_problem_modules", stock)
    monkeypatch.setattr(streamlit, "__version__", "1.99.0")
    with caplog.at_level(logging.WARNING, logger="mlp.compat"):
        assert compat.keep_keras_state() is False
    assert script_runner._clean_problem_modules is stock
    assert compat.applied() == {"keep_keras_state": False}
    assert "keep_keras_state not applied (streamlit 1.99.0: written for 1.67.x)" in caplog.text

    monkeypatch.undo()
    monkeypatch.setattr(compat, "_APPLIED", {})
    monkeypatch.delattr(script_runner, "_clean_problem_modules")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mlp.compat"):
        assert compat.keep_keras_state() is False
    assert not hasattr(script_runner, "_clean_problem_modules")
    assert "_clean_problem_modules not found" in caplog.text


def test_keras_patches_fall_back_and_training_still_works(registry, monkeypatch, caplog, small):
    import keras

    monkeypatch.setattr(keras, "__version__", "3.99.0")
    with caplog.at_level(logging.WARNING, logger="mlp.compat"):
        engine = keras_engine()
    names = ("skip_single_replica_all_reduce", "fuse_keras_updates", "count_traces")
    assert compat.applied() == dict.fromkeys(names, False)
    assert all(f"{name} not applied (keras 3.99.0" in caplog.text for name in names)
    opt = engine.model.optimizer
    assert not engine.fused_updates and "update_step" not in vars(opt)
    assert "_all_reduce_sum_gradients" not in vars(opt)
    assert "train_step" not in vars(engine.model)
    result = engine.train_epoch(small.x_train[:640], small.y_train[:640], (small.x_test[:200], small.y_test[:200]))
    assert np.isfinite(result.loss) and result.val_accuracy > 0.3
    assert engine.traces == 0  # not counted: the no-retracing checks cannot see anything


def test_a_missing_private_attribute_disables_its_patch(registry, monkeypatch, caplog):
    from keras.src.backend.tensorflow.optimizer import TFOptimizer

    monkeypatch.delattr(TFOptimizer, "_all_reduce_sum_gradients")
    with caplog.at_level(logging.WARNING, logger="mlp.compat"):
        engine = keras_engine("rmsprop")
    assert compat.applied()["skip_single_replica_all_reduce"] is False
    assert "_all_reduce_sum_gradients not found" in caplog.text
    assert not hasattr(engine.model.optimizer, "_all_reduce_sum_gradients")


def test_a_patch_warns_once_while_it_stays_off(registry, monkeypatch, caplog):
    import streamlit

    monkeypatch.setattr(streamlit, "__version__", "2.0.0")
    with caplog.at_level(logging.WARNING, logger="mlp.compat"):
        for _ in range(3):  # app.py calls it on every script run
            compat.keep_keras_state()
    assert len(caplog.records) == 1


# --- nothing else reaches into the frameworks ------------------------------------------------------
PRIVATE = ("_clean_problem_modules", "_all_reduce_sum_gradients", "_get_variable_index", "_momentums", "_velocities")


def test_only_compat_touches_framework_private_names():
    files = [ROOT / "app.py", *(ROOT / "mlp").rglob("*.py"), *(ROOT / "pages").rglob("*.py")]
    offenders = {
        str(path.relative_to(ROOT)): name
        for path in files
        if path != ROOT / "mlp" / "compat.py"
        for name in (*PRIVATE, "__new__(")
        if name in path.read_text()
    }
    assert offenders == {}
    assert all(name in (ROOT / "mlp" / "compat.py").read_text() for name in PRIVATE)


def test_importing_compat_imports_no_framework():
    """app.py imports it before painting the first page: no Streamlit internals, Keras or TensorFlow yet."""
    import subprocess
    import sys

    code = (
        "import sys, mlp.compat\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'streamlit', 'keras', 'tensorflow'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr
