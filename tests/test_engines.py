import threading

import numpy as np
import pytest
from job_helpers import DIVERGES

from mlp.config import LayerSpec, RunConfig
from mlp.engines import make_engine
from mlp.training import Training

SMALL_NET = (LayerSpec(32, "relu"),)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "rmsprop", "adam"])
def test_hand_written_optimizers_match_keras(optimizer, small):
    """Three steps from identical weights on identical batches: the scratch rules give Keras's updates."""
    cfg = RunConfig(layers=SMALL_NET, optimizer=optimizer, learning_rate=0.01, batch_size=64).validated()
    keras_engine = make_engine(cfg.replace(engine="keras"), 784, 10, 1 / 255, 0.0)
    scratch = make_engine(cfg.replace(engine="scratch"), 784, 10, 1 / 255, 0.0)
    start = keras_engine.get_weights()
    scratch.set_weights(start)
    x, y = small.x_train[:192], small.y_train[:192]
    # one model.fit epoch without shuffling vs the same batches through the scratch step
    keras_engine.model.fit(x, np.eye(10, dtype=np.float32)[y], batch_size=64, epochs=1, shuffle=False, verbose=0)
    import tensorflow as tf

    for i in range(0, 192, 64):
        scratch.train_step(tf.constant(x[i : i + 64]), tf.constant(y[i : i + 64], tf.int32))
    for w0, wk, ws in zip(start, keras_engine.get_weights(), scratch.get_weights()):
        moved = np.abs(wk - w0).max()
        assert moved > 0
        np.testing.assert_allclose(ws - w0, wk - w0, atol=0.02 * moved + 1e-6)


@pytest.mark.parametrize("engine", ["keras", "scratch"])
def test_engine_learns_and_reports_every_epoch(engine, small):
    logs = []
    cfg = RunConfig(layers=(LayerSpec(64),), epochs=3, validation_fraction=0.1, engine=engine)
    training = Training(cfg, small, on_epoch=logs.append).run()
    assert training.status == "completed" and training.heldout == "validation"
    assert [log.epoch for log in logs] == [1, 2, 3]
    assert logs[-1].loss < logs[0].loss
    assert all(log.samples_per_sec > 0 and log.seconds > 0 for log in logs)
    _loss, acc = training.evaluate_test()
    assert acc > 0.8, acc
    probs = training.predict(small.x_test[:5])
    assert probs.shape == (5, 10) and np.allclose(probs.sum(1), 1, atol=1e-4)


def test_engines_learn_comparably(small):
    accs = {}
    for engine in ("keras", "scratch"):
        training = Training(RunConfig(epochs=2, engine=engine), small).run()
        accs[engine] = training.evaluate_test()[1]
    assert abs(accs["keras"] - accs["scratch"]) < 0.03, accs


def test_scratch_exports_an_equivalent_keras_model(small):
    training = Training(
        RunConfig(layers=(LayerSpec(16, "tanh"),), epochs=1, engine="scratch", normalization="zscore"), small
    ).run()
    model = training.engine.keras_model()
    x = small.x_test[:50]
    np.testing.assert_allclose(np.asarray(model(x)), training.predict(x), atol=1e-5)


@pytest.mark.parametrize("engine", ["keras", "scratch"])
def test_stop_mid_epoch_keeps_weights(engine, sample):
    stop = threading.Event()
    fractions = []

    def on_progress(progress, rate):
        fractions.append(progress.fraction)
        stop.set()

    cfg = RunConfig(batch_size=16, epochs=3, engine=engine)
    training = Training(cfg, sample, on_progress=on_progress, stop_event=stop)
    before = training.engine.get_weights()
    training.run()
    assert training.status == "stopped"
    assert len(training.history) == 1 and fractions[-1] < 1.0
    assert training.message == "Stopped during epoch 1 of 3; the weights were kept."
    assert any(not np.array_equal(a, b) for a, b in zip(before, training.engine.get_weights()))


@pytest.mark.parametrize("engine", ["keras", "scratch"])
def test_divergence_is_reported_and_last_finite_weights_kept(engine, small):
    cfg = DIVERGES.replace(layers=(LayerSpec(32, "linear"),), engine=engine)
    training = Training(cfg, small).run()
    assert training.status == "diverged"
    assert "learning rate" in training.message and "normalize" in training.message
    assert all(np.isfinite(w).all() for w in training.engine.get_weights())


def test_step_and_live_learning_rate(small):
    training = Training(RunConfig(epochs=5, engine="scratch"), small)
    assert training.epoch().epoch == 1
    training.set_learning_rate(0.0005)
    log = training.epoch()
    assert log.epoch == 2 and log.learning_rate == pytest.approx(0.0005)
    assert not training.finished


@pytest.mark.parametrize("engine", ["keras", "scratch"])
@pytest.mark.parametrize(
    "variant",
    [
        dict(output="sigmoid", loss="mse", optimizer="adam", learning_rate=0.001, epochs=4),  # a slow learner
        dict(optimizer="momentum", learning_rate=0.05, bias_initializer="normal"),
        dict(output="linear", loss="mse", optimizer="rmsprop", learning_rate=1e-3, initializer="he"),
        dict(reduction="sum", optimizer="sgd", learning_rate=1e-3, layers=(LayerSpec(32, "tanh"),)),
        dict(dropout=0.2, l2=1e-4, layers=(LayerSpec(32, "tanh"), LayerSpec(16, "linear"))),
        dict(layers=()),
    ],
)
def test_every_option_trains(engine, variant, small):
    training = Training(RunConfig(engine=engine, **{"epochs": 2, **variant}), small).run()
    assert training.status == "completed"
    assert training.evaluate_test()[1] > 0.6


@pytest.mark.parametrize("engine", ["keras", "scratch"])
@pytest.mark.parametrize("std", [1.0, 0.05])
def test_the_normal_initializer_has_the_configured_spread(engine, std):
    """init_std sets N(0, std²) for weights and normal biases ("sigmoid-deep" needs RandomNormal()'s 0.05;
    with std 1 that tutorial reached 0.900 instead of about 0.94)."""
    cfg = RunConfig(
        layers=(LayerSpec(128, "sigmoid"),),
        initializer="normal",
        bias_initializer="normal",
        init_std=std,
        engine=engine,
    )
    w1, b1, w2, _ = make_engine(cfg, 784, 10, 1 / 255, 0.0).get_weights()
    assert w1.shape == (784, 128) and w2.shape == (128, 10)
    assert abs(w1.mean()) < 0.02 * std
    assert w1.std() == pytest.approx(std, rel=0.03) and w2.std() == pytest.approx(std, rel=0.1)
    assert b1.std() == pytest.approx(std, rel=0.3)


# --- the fast paths ---------------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "rmsprop", "adam"])
def test_fused_updates_match_the_hand_written_rules(optimizer, small):
    """The fused kernels (tf.raw_ops.ResourceApply*) give the reference rules' weights on the same batches,
    step by step and through the compiled epoch."""
    import tensorflow as tf

    cfg = RunConfig(
        layers=SMALL_NET, optimizer=optimizer, learning_rate=0.01, batch_size=64, engine="scratch"
    ).validated()
    reference, fused = make_engine(cfg, 784, 10, 1 / 255, 0.0), make_engine(cfg, 784, 10, 1 / 255, 0.0)
    start = reference.get_weights()
    x, y = small.x_train[:640], small.y_train[:640]
    for i in range(0, 320, 64):
        xb, yb = tf.constant(x[i : i + 64]), tf.constant(y[i : i + 64], tf.int32)
        reference.train_step(xb, yb, fused=False)
        fused.train_step(xb, yb, fused=True)
    reference.fused = False  # the compiled epoch with the hand-written rules
    ref_result = reference.train_epoch(x, y)
    fused_result = fused.train_epoch(x, y)
    for w0, wr, wf in zip(start, reference.get_weights(), fused.get_weights()):
        moved = np.abs(wr - w0).max()
        assert moved > 0
        np.testing.assert_allclose(wf, wr, atol=1e-3 * moved + 1e-7)
    assert fused_result.loss == pytest.approx(ref_result.loss, rel=1e-4)
    assert fused_result.accuracy == pytest.approx(ref_result.accuracy, abs=2 / 640)


@pytest.mark.parametrize("engine", ["keras", "scratch"])
def test_no_retracing_after_the_first_epoch(engine, small):
    training = Training(RunConfig(layers=(LayerSpec(32),), epochs=4, engine=engine), small)
    training.epoch()
    training.predict(small.x_test[:25])  # the first calls of predict and evaluate compile them
    training.evaluate_test()
    traces = training.engine.traces
    training.epoch()
    training.set_learning_rate(0.0005)  # a live tweak must not retrace either
    training.epoch()
    training.predict(small.x_test[:25])
    training.evaluate_test()
    training.epoch()
    training.predict(small.x_test[:25])
    assert training.engine.traces == traces


def test_scratch_runs_of_a_known_shape_do_not_trace(small):
    cfg = RunConfig(layers=(LayerSpec(24, "tanh"),), epochs=2, engine="scratch", dropout=0.1)
    Training(cfg, small).run()
    again = Training(cfg.replace(seed=7, learning_rate=0.003, initializer="he"), small).run()
    assert again.status == "completed" and again.engine.traces == 0
    # a run of another shape compiles its own
    other = Training(cfg.replace(layers=(LayerSpec(25, "tanh"),)), small).run()
    assert other.engine.traces > 0


@pytest.mark.parametrize("engine", ["keras", "scratch"])
def test_same_seed_same_run(engine, small):
    """Shuffling (and dropout) follow the run's seed: the same config trains to the same weights."""
    cfg = RunConfig(layers=(LayerSpec(32),), epochs=2, dropout=0.1, engine=engine)
    a, b = Training(cfg, small).run(), Training(cfg, small).run()
    for wa, wb in zip(a.engine.get_weights(), b.engine.get_weights()):
        np.testing.assert_allclose(wa, wb, atol=1e-5)
    c = Training(cfg.replace(seed=1), small).run()
    assert not np.allclose(a.engine.get_weights()[0], c.engine.get_weights()[0], atol=1e-3)


def test_keras_trainings_do_not_accumulate_graphs(small):
    """Keras's optimizer would register every traced train step in a process-wide registry (a leak
    of several MB per training on a long-lived server); the engine avoids it."""
    import gc

    from tensorflow.python.framework.func_graph import FuncGraph

    def live_graphs():
        gc.collect()
        return sum(isinstance(o, FuncGraph) for o in gc.get_objects())

    cfg = RunConfig(layers=(LayerSpec(16),), epochs=1, engine="keras")
    Training(cfg, small).run()
    before = live_graphs()
    for seed in (1, 2):
        Training(cfg.replace(seed=seed), small).run()
    assert live_graphs() <= before


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_keras_fused_updates_match_stock_keras(optimizer, small):
    """The Keras engine's fused Adam / SGD kernels give stock Keras's weights on the same batches."""
    from mlp.engines.keras import KerasEngine

    cfg = RunConfig(layers=SMALL_NET, optimizer=optimizer, learning_rate=0.01, batch_size=64).validated()
    stock = KerasEngine(cfg, 784, 10, 1 / 255, 0.0, fused_updates=False)
    fused = KerasEngine(cfg, 784, 10, 1 / 255, 0.0)
    assert fused.fused_updates and not stock.fused_updates
    start = stock.get_weights()
    fused.set_weights(start)
    x, y = small.x_train[:640], small.y_train[:640]
    results = [engine.train_epoch(x, y, (small.x_test[:200], small.y_test[:200])) for engine in (stock, fused)]
    for w0, ws, wf in zip(start, stock.get_weights(), fused.get_weights()):
        moved = np.abs(ws - w0).max()
        assert moved > 0
        np.testing.assert_allclose(wf, ws, atol=1e-3 * moved + 1e-7)
    assert results[1].loss == pytest.approx(results[0].loss, rel=1e-4)
    assert results[1].val_loss == pytest.approx(results[0].val_loss, rel=1e-4)


def test_engines_can_be_created_from_several_threads_in_a_fresh_process():
    """The first import of TensorFlow from two threads at once fails inside TensorFlow; make_engine
    serializes it (two trainings starting together on a fresh server)."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import threading\n"
        "from mlp.config import RunConfig\n"
        "from mlp.engines import make_engine\n"
        "errors = []\n"
        "def make(engine):\n"
        "    try:\n"
        "        make_engine(RunConfig(engine=engine), 784, 10, 1 / 255, 0.0)\n"
        "    except BaseException as exc:\n"
        "        errors.append(repr(exc))\n"
        "threads = [threading.Thread(target=make, args=(e,)) for e in ('keras', 'scratch', 'keras', 'scratch')]\n"
        "[t.start() for t in threads]\n"
        "[t.join() for t in threads]\n"
        "print('errors', errors)\n"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "errors []" in out.stdout, out.stdout + out.stderr[-3000:]
