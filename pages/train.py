"""Train page: form -> RunConfig (in the URL) -> background job -> live charts and prediction grid."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st

from mlp import data, export, plots
from mlp.config import ACTIVATIONS, INITIALIZERS, NORMALIZATIONS, OPTIMIZERS, ConfigError, LayerSpec, RunConfig
from mlp.presets import PRESETS
from pages._common import ensure_shell, job_manager, presenting, session_owner, show_analysis, warm_up_tensorflow

ensure_shell()

LR_STEPS = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
HEADS = {
    "softmax + cross-entropy": ("softmax", "crossentropy"),
    "softmax + MSE": ("softmax", "mse"),
    "sigmoid + MSE": ("sigmoid", "mse"),
    "linear + MSE": ("linear", "mse"),
}
NORM_LABELS = {"none": "none (raw 0–255)", "unit": "÷255", "zscore": "z-score"}
URL_KEYS_NOT_CONFIG = ("present", "job")


# --- state -----------------------------------------------------------------------------------
def load_config_from_url() -> None:
    """Once per session: the URL's config (a shared link), or the defaults with a message."""
    if "cfg" in st.session_state:
        return
    query = {k: st.query_params[k] for k in st.query_params if k not in URL_KEYS_NOT_CONFIG}
    st.session_state.cfg, st.session_state.form_v = RunConfig(), 0
    if query:
        try:
            cfg = RunConfig.from_query(query)
            if cfg.dataset not in data.DATASETS:
                raise ConfigError("dataset", f"{cfg.dataset!r} is not available here (uploads stay in their session)")
            st.session_state.cfg = cfg
        except ConfigError as exc:
            st.session_state.url_error = f"The link's settings could not be used ({exc}); the defaults are shown."


def apply_preset() -> None:
    name = st.session_state.preset_choice
    if name in PRESETS:
        st.session_state.cfg = PRESETS[name][1]
        st.session_state.form_v += 1


def current_job():
    """This session's job; after a browser refresh, the one named in the URL."""
    manager = job_manager()
    job = manager.get(st.session_state.get("job_id", ""))
    if job is None and "job" in st.query_params:
        job = manager.get(st.query_params["job"])
        if job is not None:
            st.session_state.job_id, st.session_state.owner = job.id, job.owner
    return job


def dataset_named(name: str) -> data.Dataset:
    """A built-in dataset (shared, cached by mlp.data) or one this session uploaded."""
    return st.session_state.get("uploads", {}).get(name) or data.load(name)


def upload_box() -> None:
    with st.expander("Bring your own data"):
        st.caption(
            "An `.npz` with `x_train, y_train, x_test, y_test` (optionally `class_names`), or a CSV whose "
            "first column is the label and the rest pixels or features (`label,pixel0,...,pixel783`). "
            "It stays in your session only."
        )
        file = st.file_uploader("Dataset file", type=["npz", "csv"], key="data_upload")
    if file is None:
        st.session_state.pop("upload_error", None)
    elif st.session_state.get("uploaded_file") != file.file_id:
        st.session_state.uploaded_file = file.file_id
        try:
            ds = data.from_upload(file.name, file.getvalue())
        except data.DataError as exc:
            st.session_state.upload_error = f"That file cannot be used: {exc}"
        else:
            st.session_state.pop("upload_error", None)
            st.session_state.uploads[ds.name] = ds
            st.session_state.cfg = st.session_state.cfg.replace(dataset=ds.name)
            st.session_state.form_v += 1
            st.rerun()
    if "upload_error" in st.session_state:
        st.error(st.session_state.upload_error, icon=":material/error:")


def examples(ds: data.Dataset) -> tuple[list[np.ndarray], list[str]]:
    """The first training image of each class (up to 10)."""
    first = [int(np.flatnonzero(ds.y_train == c)[0]) for c in range(min(ds.n_classes, 10)) if (ds.y_train == c).any()]
    return [ds.x_train[i].reshape(ds.image_shape) for i in first], [ds.class_names[ds.y_train[i]] for i in first]


# --- the form -----------------------------------------------------------------------------------
def config_form(cfg: RunConfig) -> tuple[RunConfig | None, str | None, data.Dataset]:
    """Widgets for every field; returns (validated config or None, error message or None, dataset)."""
    v = st.session_state.form_v
    st.selectbox(
        "Preset",
        ["(custom)", *PRESETS],
        key="preset_choice",
        on_change=apply_preset,
        help="\n\n".join(f"**{k}**: {d}" for k, (d, _) in PRESETS.items()),
    )
    uploads = st.session_state.setdefault("uploads", {})
    names = [*data.DATASETS, *uploads]
    dataset = st.radio(
        "Dataset",
        names,
        index=names.index(cfg.dataset) if cfg.dataset in names else 0,
        format_func=lambda n: data.DATASETS[n].title if n in data.DATASETS else f"{uploads[n].title} (yours)",
        horizontal=True,
        key=f"dataset_{v}",
    )
    ds = dataset_named(dataset)
    upload_box()
    if ds.source == "sample":
        st.info(
            f"Using the **bundled sample** of {ds.title}: {len(ds.x_train):,} train / {len(ds.x_test):,} "
            "test images. Set `MLP_DATA_DIR` to a folder with the full `.npz` files for all 60,000.",
            icon=":material/inventory_2:",
        )
    else:
        st.caption(f"{ds.describe()}.")
    if ds.image_shape:
        images, captions = examples(ds)
        st.image(images, caption=captions, width=48, clamp=True)

    st.markdown("**Hidden layers** (add or delete rows)")
    table = st.data_editor(
        pd.DataFrame(
            [{"units": layer.units, "activation": layer.activation} for layer in cfg.layers],
            columns=["units", "activation"],
        ),
        num_rows="dynamic",
        key=f"layers_{v}",
        hide_index=True,
        width="stretch",
        column_config={
            "units": st.column_config.NumberColumn("units", step=1, required=True),
            "activation": st.column_config.SelectboxColumn(
                "activation", options=ACTIVATIONS, required=True, default="relu"
            ),
        },
    )
    head_now = next((k for k, hv in HEADS.items() if hv == (cfg.output, cfg.loss)), "softmax + cross-entropy")
    c1, c2 = st.columns(2)
    optimizer = c1.selectbox("Optimizer", OPTIMIZERS, index=OPTIMIZERS.index(cfg.optimizer), key=f"opt_{v}")
    steps = sorted({*LR_STEPS, cfg.learning_rate})
    lr = c2.select_slider(
        "Learning rate (log scale)", steps, value=cfg.learning_rate, key=f"lr_{v}", format_func=lambda x: f"{x:g}"
    )
    c1, c2 = st.columns(2)
    batch = c1.number_input("Batch size", value=cfg.batch_size, step=16, key=f"batch_{v}")
    epochs = c2.number_input("Epochs", value=cfg.epochs, step=1, key=f"epochs_{v}")
    norm = st.radio(
        "Pixel normalization",
        NORMALIZATIONS,
        index=NORMALIZATIONS.index(cfg.normalization),
        format_func=NORM_LABELS.get,
        horizontal=True,
        key=f"norm_{v}",
    )
    engine = st.radio(
        "Engine",
        ["keras", "scratch"],
        index=["keras", "scratch"].index(cfg.engine),
        horizontal=True,
        key=f"engine_{v}",
        format_func={"keras": "Keras Sequential", "scratch": "From scratch (tf.Variable)"}.get,
    )
    with st.expander("Advanced", expanded=not presenting()):
        c1, c2 = st.columns(2)
        head = c1.selectbox("Output + loss", list(HEADS), index=list(HEADS).index(head_now), key=f"head_{v}")
        reduction = c2.selectbox(
            "Loss reduction", ["mean", "sum"], index=["mean", "sum"].index(cfg.reduction), key=f"red_{v}"
        )
        init = c1.selectbox(
            "Weight init",
            INITIALIZERS,
            index=INITIALIZERS.index(cfg.initializer),
            key=f"init_{v}",
            format_func={"glorot": "Glorot uniform", "he": "He normal", "normal": "N(0, 1)"}.get,
        )
        bias = c2.selectbox(
            "Bias init",
            ["zeros", "normal"],
            index=["zeros", "normal"].index(cfg.bias_initializer),
            key=f"bias_{v}",
            format_func={"zeros": "zeros", "normal": "N(0, 1)"}.get,
        )
        momentum = c1.number_input(
            "Momentum", value=cfg.momentum, step=0.05, key=f"mom_{v}", disabled=optimizer != "momentum"
        )
        seed = c2.number_input("Seed", value=cfg.seed, step=1, key=f"seed_{v}")
        l2 = c1.number_input("L2", value=cfg.l2, step=1e-4, format="%.5f", key=f"l2_{v}")
        dropout = c2.number_input("Dropout", value=cfg.dropout, step=0.05, key=f"drop_{v}")
        val = st.slider(
            "Validation fraction (0 = watch the test set)",
            0.0,
            0.5,
            float(cfg.validation_fraction),
            0.05,
            key=f"val_{v}",
        )
    try:
        layers = tuple(
            LayerSpec(_whole(row["units"], f"layer {i} units"), str(row["activation"] or "relu"))
            for i, row in enumerate(table.to_dict("records"), 1)
        )
        output, loss = HEADS[head]
        new = RunConfig(
            dataset=dataset,
            normalization=norm,
            layers=layers,
            output=output,
            loss=loss,
            reduction=reduction,
            initializer=init,
            bias_initializer=bias,
            optimizer=optimizer,
            learning_rate=float(lr),
            momentum=float(momentum),
            batch_size=_whole(batch, "batch_size"),
            epochs=_whole(epochs, "epochs"),
            l2=float(l2),
            dropout=float(dropout),
            validation_fraction=float(val),
            seed=_whole(seed, "seed"),
            engine=engine,
        )
        return new.validated(train_size=int(len(ds.x_train) * (1 - val))), None, ds
    except ConfigError as exc:
        return None, str(exc), ds


def _whole(value, name: str) -> int:
    if value is None or (isinstance(value, float) and (math.isnan(value) or not value.is_integer())):
        raise ConfigError(name, f"a whole number; got {value!r}")
    return int(value)


def architecture(cfg: RunConfig, ds: data.Dataset) -> None:
    params = cfg.parameter_count(ds.n_features, ds.n_classes)
    st.metric("Parameters", f"{params:,}", help="weights + biases of every dense layer")
    st.caption(" → ".join(str(s) for s in cfg.layer_sizes(ds.n_features, ds.n_classes)))
    st.dataframe(pd.DataFrame(cfg.summary(ds.n_features, ds.n_classes)), hide_index=True, width="stretch")


# --- the live view --------------------------------------------------------------------------------
def live_view() -> None:
    job = current_job()
    if job is None:
        st.info(
            "Choose a preset or edit the network, then press **Train**. The curves gain a point every "
            "epoch and the grid below turns from red to green as the network learns."
        )
        return
    snap = job.snapshot()
    status_line(snap, job.target_epochs)
    if snap.state == "running" and job.training is not None and not presenting():
        lr_tweak(job)
    if snap.history:
        curves = memo(
            "curves",
            (job.id, len(snap.history), tuple(snap.lr_changes)),
            lambda: plots.curves(snap.history, snap.heldout, snap.lr_changes),
        )
        st.plotly_chart(curves, width="stretch", key="curves", config={"displayModeBar": False})
    if snap.pool_probabilities is not None and job.data.image_shape:
        prediction_grid(job, snap)
    if not snap.active and st.session_state.get("shown_final") != job.id:
        st.session_state.shown_final = job.id
        st.rerun()  # redraw the whole page once: results, confusion matrix, weights


def lr_tweak(job) -> None:
    current = job.training.engine.learning_rate
    steps = sorted({*LR_STEPS, job.config.learning_rate})
    new = st.select_slider(
        "Change the learning rate from the next epoch",
        steps,
        key=f"live_lr_{job.id}",
        value=min(steps, key=lambda s: abs(math.log(s) - math.log(current))),
        format_func=lambda x: f"{x:g}",
    )
    if not math.isclose(new, current, rel_tol=1e-3) and st.session_state.get("live_lr_sent") != (job.id, new):
        st.session_state.live_lr_sent = (job.id, new)
        job.set_learning_rate(new)
        st.toast(f"Learning rate → {new:g} from the next epoch (marked on the charts).")


def memo(name: str, key: tuple, build):
    """This session's last figure called `name`, rebuilt only when `key` changes: the live view reruns
    twice a second and building Plotly figures costs far more than sending them."""
    cache = st.session_state.setdefault("figures", {})
    if name not in cache or cache[name][0] != key:
        cache[name] = (key, build())
    return cache[name][1]


def status_line(snap, epochs: int) -> None:
    if snap.state == "queued":
        st.warning(
            f"Waiting for a free trainer: position **{snap.queue_position or 1}** in the queue "
            f"({job_manager().max_parallel} trainings run at once on this server).",
            icon=":material/hourglass_top:",
        )
    elif snap.state == "running":
        done = len(snap.history)
        eta = f", about {snap.eta_seconds:.0f}s left" if snap.eta_seconds else ""
        speed = f"{snap.samples_per_sec:,.0f} samples/s{eta}" if snap.samples_per_sec else "building the model…"
        st.progress(
            min(1.0, (done + snap.epoch_fraction) / epochs), text=f"Epoch {min(done + 1, epochs)} of {epochs} · {speed}"
        )
    elif snap.state == "completed":
        st.success(f"Finished {len(snap.history)} epochs in {snap.seconds:.1f}s.", icon=":material/check_circle:")
    elif snap.state == "stopped":
        st.info(f"Stopped after {len(snap.history)} epoch(s). {snap.message}", icon=":material/stop_circle:")
    elif snap.state == "diverged":
        st.warning(f"**Diverged.** {snap.message}", icon=":material/warning:")
    else:
        st.error(snap.message)


def prediction_grid(job, snap) -> None:
    ds = job.data
    probs = snap.pool_probabilities
    predicted = probs.argmax(axis=1)
    truth = ds.y_test[job.pool]
    default_size = 8 if presenting() else 5
    c1, c2, c3 = st.columns([2, 1.3, 1.3])
    size = c1.slider("Grid size", 3, 10, st.session_state.get("grid_size", default_size), key="grid_size")
    only_wrong = c2.toggle("Only mistakes", key="only_wrong")
    if c3.button("Reshuffle", icon=":material/shuffle:"):
        st.session_state.grid_seed = st.session_state.get("grid_seed", 0) + 1
    order = np.random.default_rng(st.session_state.get("grid_seed", 0)).permutation(len(job.pool))
    if only_wrong:
        order = order[predicted[order] != truth[order]]
    shown = order[: size * size]
    if not len(shown):
        st.success("No mistakes among these test images.")
        return
    epoch = len(snap.history)
    grid = memo(
        "grid",
        (job.id, epoch, tuple(shown)),
        lambda: plots.grid(
            ds.x_test[job.pool[shown]],
            predicted[shown],
            truth[shown],
            ds.class_names,
            cols=size,
            image_shape=ds.image_shape,
            size=110 if size <= 6 else 80,
        ),
    )
    st.plotly_chart(grid, width="stretch", key="grid", config={"displayModeBar": False})
    pick = st.selectbox(
        "Show the probabilities of image",
        range(len(shown)),
        key="pick",
        format_func=lambda i: (
            f"#{i + 1} (row {i // size + 1}, column {i % size + 1}): {ds.class_names[truth[shown[i]]]}"
        ),
    )
    bars = memo(
        "probs",
        (job.id, epoch, int(shown[pick])),
        lambda: plots.probabilities(probs[shown[pick]], ds.class_names, int(truth[shown[pick]])),
    )
    st.plotly_chart(bars, width="stretch", key="probs", config={"displayModeBar": False})


# --- after training ---------------------------------------------------------------------------------
def results(job) -> None:
    ev, ds, snap = job.evaluation, job.data, job.snapshot()
    if ev is None:
        return
    st.subheader("Results on the test set")
    previous = st.session_state.get("previous_result")
    c1, c2, c3 = st.columns(3)
    delta = f"{(ev.accuracy - previous['accuracy']) * 100:+.2f} pts vs previous run" if previous else None
    c1.metric("Test accuracy", f"{ev.accuracy:.2%}", delta)
    c2.metric("Test loss", f"{ev.loss:.4f}")
    c3.metric("Training time", f"{snap.seconds:.1f}s")
    if st.session_state.get("result_of") != job.id:
        st.session_state.previous_result = st.session_state.get("this_result")
        st.session_state.this_result = {"accuracy": ev.accuracy, "job": job.id}
        st.session_state.result_of = job.id
        st.session_state.latest_model = {
            "model": job.model,
            "class_names": list(ds.class_names),
            "dataset": ds.name,
            "label": f"This session's latest: {job.config.describe()}",
        }
    show_analysis(ev, ds, job.model)
    if job.run_id:
        path = job_manager().store.model_path(job.run_id)
        if path.exists():
            st.download_button(
                "Download model (.keras)",
                path.read_bytes(),
                file_name=f"mlp-{job.run_id}.keras",
                mime="application/octet-stream",
                icon=":material/download:",
            )


def same_model(a: RunConfig, b: RunConfig) -> bool:
    """Would b continue a's model? Everything but the epoch count must match."""
    return a.replace(epochs=1, learning_rate=1.0) == b.replace(epochs=1, learning_rate=1.0)


# --- page -------------------------------------------------------------------------------------------
load_config_from_url()
st.title("Train a multilayer perceptron")
if "url_error" in st.session_state:
    st.warning(st.session_state.pop("url_error"))

form_col, view_col = st.columns([1, 2.6] if presenting() else [1.15, 2], gap="large")
with form_col:
    cfg, error, ds = config_form(st.session_state.cfg)
    if cfg is not None:
        st.session_state.cfg = cfg
        st.query_params.from_dict(
            {**cfg.to_query(), **{k: st.query_params[k] for k in URL_KEYS_NOT_CONFIG if k in st.query_params}}
        )
    else:
        st.error(error, icon=":material/error:")
    architecture(st.session_state.cfg, ds)

job = current_job()
active = job is not None and job.snapshot().active
with view_col:
    b1, b2, b3, b4 = st.columns([1, 1, 1, 1.3])
    train = b1.button(
        "Train", key="train", type="primary", icon=":material/play_arrow:", disabled=cfg is None, width="stretch"
    )
    stop = b2.button("Stop", key="stop", icon=":material/stop_circle:", width="stretch")
    step = b3.button(
        "Step",
        key="step",
        icon=":material/skip_next:",
        width="stretch",
        disabled=cfg is None,
        help="Train exactly one more epoch (continues the last model if the settings are unchanged)",
    )
    if cfg is not None and cfg.dataset in data.DATASETS:
        b4.download_button(
            "Export code",
            export.script(cfg),
            file_name="train_mlp.py",
            mime="text/x-python",
            icon=":material/code:",
            width="stretch",
            key="export",
            help="A plain Keras script that reproduces these settings",
        )
    if (train or step) and active:
        st.toast("A training is already running in this session: stop it first.")
    elif train or step:
        continuing = (
            step
            and job is not None
            and job.training is not None
            and same_model(job.config, cfg)
            and job.snapshot().state in ("completed", "stopped")
        )
        if continuing:
            job.resume(1)
        else:
            job = job_manager().submit(cfg, ds, owner=session_owner(), pool_seed=cfg.seed, epochs=1 if step else None)
            st.session_state.job_id = job.id
            st.query_params["job"] = job.id
        active = True
    if stop:
        if active:
            job.stop()
            st.toast("Stopping after the current chunk of steps…")
        else:
            st.toast("Nothing is training.")
    if active:
        st.fragment(live_view, run_every=0.5)()
    else:
        live_view()
if job is not None and not job.snapshot().active:
    results(job)
warm_up_tensorflow()
