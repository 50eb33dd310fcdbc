"""Framework patches: every place MLP Studio reaches into private parts of Streamlit or Keras.

Each patch checks the version series it was written for and the attributes it uses. When either
is not there it logs a warning and leaves the framework's stock behaviour (slower or leakier, but
correct). `applied()` says which patches are in force; tests/test_compat.py fails when a
dependency upgrade turns one off. Streamlit, Keras and TensorFlow are imported only inside the
patches, so importing this module stays light.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

log = logging.getLogger(__name__)

STREAMLIT_SERIES = "1.67"  # the versions the patches were written against (major.minor)
KERAS_SERIES = "3.15"

_APPLIED: dict[str, bool] = {}


def applied() -> dict[str, bool]:
    """Patch name -> whether its last attempt applied (a patch not attempted yet is absent)."""
    return dict(_APPLIED)


def _supported(name: str, module, series: str, target, attributes: tuple[str, ...]) -> bool:
    """Whether `module` is of the version series the patch was written for and `target` has the
    attributes it uses; records the answer, and warns when a patch stops applying."""
    version = str(getattr(module, "__version__", "unknown"))
    missing = [a for a in attributes if not hasattr(target, a)]
    ok = version.split(".")[:2] == series.split(".") and not missing
    if not ok and _APPLIED.get(name) is not False:
        why = f"{', '.join(missing)} not found" if missing else f"written for {series}.x"
        log.warning("%s not applied (%s %s: %s); keeping the stock behaviour", name, module.__name__, version, why)
    _APPLIED[name] = ok
    return ok


# --- Streamlit -------------------------------------------------------------------------------------
def keep_keras_state() -> bool:
    """Stop Streamlit from calling keras.backend.clear_session() after every script run (app.py
    calls this on each run; returns whether it applied).

    Streamlit does it to free memory in single-user apps, but it is process-wide: it resets the Keras
    state of every training running in the background (retracing their functions) and runs a garbage
    collection holding the GIL. With a browser polling the live view, a 1 s epoch took 10-60 s
    (6 epochs: 152 s with it, 20 s without). The private `script_runner._clean_problem_modules` is
    replaced by one that keeps its other half: closing matplotlib figures."""
    import streamlit
    from streamlit.runtime.scriptrunner import script_runner

    if not _supported("keep_keras_state", streamlit, STREAMLIT_SERIES, script_runner, ("_clean_problem_modules",)):
        return False
    script_runner._clean_problem_modules = _close_matplotlib_only
    return True


def _close_matplotlib_only() -> None:
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


# --- Keras -----------------------------------------------------------------------------------------
def skip_single_replica_all_reduce(opt) -> bool:
    """Keras's TensorFlow optimizer all-reduces the gradients through tf.distribute even with one
    replica, and that all-reduce (a tf.custom_gradient) registers a gradient function in a
    process-wide registry, keeping every traced train step (several MB) alive for good: a server
    that trains many models grows without bound. With one replica it is the identity; skip it.
    Returns whether it applied (with several replicas it is not needed)."""
    import keras
    import tensorflow as tf

    if tf.distribute.get_strategy().num_replicas_in_sync != 1:
        return False
    if not _supported("skip_single_replica_all_reduce", keras, KERAS_SERIES, opt, ("_all_reduce_sum_gradients",)):
        return False
    opt._all_reduce_sum_gradients = list
    return True


def fuse_keras_updates(opt, variables: list) -> bool:
    """Let a Keras Adam or SGD (with or without momentum) update each variable with TensorFlow's
    fused kernel for the very same rule: one op per variable instead of a dozen elementwise passes
    over it (about a third of the default network's training time on a CPU). Same formulas, same
    slot variables, same saved optimizer; tests compare it with stock Keras. Other optimizers are
    left as they are. The optimizer is built on `variables` now, as fit would in its first step, so
    that its slots can be checked (and the first step, creating no variables, is traced once, not
    twice). Returns whether it applied."""
    import keras
    import tensorflow as tf

    raw = tf.raw_ops
    adam = type(opt) is keras.optimizers.Adam and not opt.amsgrad
    if not adam and not (type(opt) is keras.optimizers.SGD and not opt.nesterov):
        return False
    opt.build(variables)
    slots = ("_momentums", "_velocities") if adam else ("momentums",)
    if not _supported("fuse_keras_updates", keras, KERAS_SERIES, opt, ("update_step", "_get_variable_index", *slots)):
        return False

    if adam:

        def update_step(gradient, variable, learning_rate):
            i, dtype = opt._get_variable_index(variable), variable.dtype
            t = tf.cast(opt.iterations + 1, dtype)
            raw.ResourceApplyAdam(
                var=variable.handle,
                m=opt._momentums[i].value.handle,
                v=opt._velocities[i].value.handle,
                beta1_power=tf.pow(tf.cast(opt.beta_1, dtype), t),
                beta2_power=tf.pow(tf.cast(opt.beta_2, dtype), t),
                lr=tf.cast(learning_rate, dtype),
                beta1=tf.cast(opt.beta_1, dtype),
                beta2=tf.cast(opt.beta_2, dtype),
                epsilon=tf.cast(opt.epsilon, dtype),
                grad=tf.cast(gradient, dtype),
            )
    else:

        def update_step(gradient, variable, learning_rate):
            dtype = variable.dtype
            lr, gradient = tf.cast(learning_rate, dtype), tf.cast(gradient, dtype)
            if opt.momentum:
                accum = opt.momentums[opt._get_variable_index(variable)].value.handle
                raw.ResourceApplyKerasMomentum(
                    var=variable.handle, accum=accum, lr=lr, grad=gradient, momentum=tf.cast(opt.momentum, dtype)
                )
            else:
                raw.ResourceApplyGradientDescent(var=variable.handle, alpha=lr, delta=gradient)

    opt.update_step = update_step
    return True


_STEPS = ("train_step", "test_step", "predict_step")


def count_traces(model, on_trace: Callable[[], None]) -> bool:
    """Call `on_trace` each time Keras traces the model's train, test or predict step (the tests and
    benchmarks check there are none after the first epoch). A step runs in Python only while it is
    being traced, and Keras reads the steps from the instance when it makes its functions, so a
    wrapper set on the instance sees every trace. Returns whether it applied."""
    import keras

    if not _supported("count_traces", keras, KERAS_SERIES, model, _STEPS):
        return False
    for name in _STEPS:
        setattr(model, name, _counting(getattr(model, name), on_trace))
    return True


def _counting(step, on_trace: Callable[[], None]):
    def counted(*args, **kwargs):
        on_trace()
        return step(*args, **kwargs)

    return counted
