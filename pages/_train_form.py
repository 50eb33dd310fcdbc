"""The Train page's form: a widget for every RunConfig field, and the network it describes."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from mlp import data
from mlp.config import (
    ACTIVATIONS,
    BIAS_INITIALIZERS,
    ENGINES,
    INITIALIZERS,
    NEW_LAYER,
    NORMALIZATIONS,
    OPTIMIZERS,
    REDUCTIONS,
    ConfigError,
    RunConfig,
    layers_from_rows,
)
from mlp.presets import PRESETS
from mlp.session import Workbench
from pages._common import presenting
from pages._dataset_choice import dataset_choice

LR_STEPS = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
HEADS = {
    "softmax + cross-entropy": ("softmax", "crossentropy"),
    "softmax + MSE": ("softmax", "mse"),
    "sigmoid + MSE": ("sigmoid", "mse"),
    "linear + MSE": ("linear", "mse"),
}
NORM_LABELS = {"none": "none (raw 0–255)", "unit": "÷255", "zscore": "z-score"}
ENGINE_LABELS = {"keras": "Keras Sequential", "scratch": "From scratch (tf.Variable)"}
INIT_LABELS = {"glorot": "Glorot uniform", "he": "He normal", "normal": "normal (std below)"}
BIAS_LABELS = {"zeros": "zeros", "normal": "normal (std below)"}


def config_form(wb: Workbench) -> tuple[RunConfig | None, str | None, data.Dataset]:
    """Widgets for every field, filled from wb.config; returns (validated config or None, error or None, dataset).

    Every widget key ends in the form version. Streamlit keeps a widget's own state by key and ignores a
    new default value, so a preset, an upload or a link could not refill the form; bumping the version
    (wb.form_version) gives every widget a new key, and the widgets are rebuilt from the new config.
    """
    cfg, v = wb.config, wb.form_version
    ds = dataset_choice(wb, cfg.dataset, key=f"dataset_{v}")

    st.markdown("**Hidden layers** (click a cell and type; **+** adds a row)")
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
            # not required: Streamlit would hold back a new row until it is filled, silently
            "units": st.column_config.NumberColumn("units", step=1, default=NEW_LAYER.units),
            "activation": st.column_config.SelectboxColumn(
                "activation", options=ACTIVATIONS, default=NEW_LAYER.activation
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
    norm = _radio("Pixel normalization", NORMALIZATIONS, cfg.normalization, NORM_LABELS, f"norm_{v}")
    engine = _radio("Engine", ENGINES, cfg.engine, ENGINE_LABELS, f"engine_{v}")
    with st.expander("Advanced", expanded=not presenting()):
        c1, c2 = st.columns(2)
        head = c1.selectbox("Output + loss", list(HEADS), index=list(HEADS).index(head_now), key=f"head_{v}")
        reduction = c2.selectbox("Loss reduction", REDUCTIONS, index=REDUCTIONS.index(cfg.reduction), key=f"red_{v}")
        init = c1.selectbox(
            "Weight init",
            INITIALIZERS,
            index=INITIALIZERS.index(cfg.initializer),
            key=f"init_{v}",
            format_func=INIT_LABELS.get,
        )
        bias = c2.selectbox(
            "Bias init",
            BIAS_INITIALIZERS,
            index=BIAS_INITIALIZERS.index(cfg.bias_initializer),
            key=f"bias_{v}",
            format_func=BIAS_LABELS.get,
        )
        init_std = c1.number_input(
            "Normal init std",
            value=cfg.init_std,
            step=0.01,
            format="%.3g",
            key=f"std_{v}",
            disabled="normal" not in (init, bias),
            help="Standard deviation of the normal initializer: 1 as tf.random.normal, 0.05 as RandomNormal()",
        )
        momentum = c2.number_input(
            "Momentum", value=cfg.momentum, step=0.05, key=f"mom_{v}", disabled=optimizer != "momentum"
        )
        seed = c1.number_input("Seed", value=cfg.seed, step=1, key=f"seed_{v}")
        l2 = c2.number_input("L2", value=cfg.l2, step=1e-4, format="%.5f", key=f"l2_{v}")
        dropout = c1.number_input("Dropout", value=cfg.dropout, step=0.05, key=f"drop_{v}")
        val = st.slider(
            "Validation fraction (0 = watch the test set)",
            0.0,
            0.5,
            float(cfg.validation_fraction),
            0.05,
            key=f"val_{v}",
        )
    try:
        layers = layers_from_rows(table.to_dict("records"))
        output, loss = HEADS[head]
        new = RunConfig(
            dataset=ds.name,
            normalization=norm,
            layers=layers,
            output=output,
            loss=loss,
            reduction=reduction,
            initializer=init,
            bias_initializer=bias,
            init_std=float(init_std),
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
        return new.validated(int(len(ds.x_train) * (1 - val)), ds.n_features, ds.n_classes), None, ds
    except ConfigError as exc:
        return None, str(exc), ds


def preset_box(wb: Workbench) -> None:
    """The Preset box, naming what wb.preset_label() says. Draw it after the form has read the settings
    (into a slot above the form), or it would name the settings of the run before.

    Its key follows what it shows, so a new label is a new widget: choosing the preset that edited settings
    came from ("default (edited)" -> "default") is then a change, which reloads that preset.
    """
    shown = wb.preset_label()
    options = list(PRESETS) if shown in PRESETS else [shown, *PRESETS]
    key = f"preset_{shown}"
    st.selectbox(
        "Preset",
        options,
        index=options.index(shown),
        key=key,
        on_change=lambda: wb.use_preset(st.session_state[key]),
        help="\n\n".join(f"**{k}**: {d}" for k, (d, _) in PRESETS.items()),
    )


def _radio(label: str, options: tuple[str, ...], value: str, labels: dict[str, str], key: str) -> str:
    return st.radio(label, options, index=options.index(value), format_func=labels.get, horizontal=True, key=key)


def _whole(value, name: str) -> int:
    if value is None or (isinstance(value, float) and (math.isnan(value) or not value.is_integer())):
        raise ConfigError(name, f"a whole number; got {value!r}")
    return int(value)
