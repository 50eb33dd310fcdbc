"""The test-set results of a model, one layout for a finished training, a saved run and an uploaded model:
the figures, then the analysis (confusion matrix, accuracy per class, confident mistakes, first-layer weights)."""

from __future__ import annotations

import streamlit as st

from mlp import plots
from pages._common import chart_scale, memo


def show_evaluation(ev, ds, model, key: str = "", delta: str | None = None, seconds: float | None = None) -> None:
    """The test-set figures, then the analysis: one layout for a finished training, a saved run and an
    uploaded model. `key` keeps the charts of several evaluations on one page apart; each key keeps the
    figures of its latest evaluation only, so a fixed key per place (not per run) bounds a session's memory."""
    c1, c2, c3 = st.columns(3)
    c1.metric("Test accuracy", f"{ev.accuracy:.2%}", delta)
    c2.metric("Test loss", f"{ev.loss:.4f}")
    if seconds is not None:
        c3.metric("Training time", f"{seconds:.1f}s")
    _analysis(ev, ds, model, key)


def _analysis(ev, ds, model, key: str) -> None:
    """Confusion matrix, per-class accuracy, most-confident mistakes and first-layer weights."""
    scale = chart_scale()
    # the cache holds `ev` itself, so no other evaluation can take its id while the figures are kept
    figs = memo(f"{key}analysis", (id(ev), scale), lambda: (ev, _analysis_figures(ev, ds, model, scale)))[1]
    left, right = st.columns(2)
    with left:
        st.markdown("**Confusion matrix**")
        st.plotly_chart(figs["confusion"], width="stretch", key=f"{key}confusion")
    with right:
        st.markdown("**Accuracy per class**")
        st.plotly_chart(figs["per_class"], width="stretch", key=f"{key}per_class")
    if "mistakes" in figs:
        st.markdown("**Most confident mistakes** (✗ prediction / truth; hover for the full names)")
        st.plotly_chart(figs["mistakes"], width="stretch", key=f"{key}mistakes", config={"displayModeBar": False})
    if "weights" in figs:
        st.markdown("**What the first layer looks for**: the weights of 8 units, as images (red +, blue −)")
        st.plotly_chart(figs["weights"], width="stretch", key=f"{key}weights")


def _analysis_figures(ev, ds, model, scale: float) -> dict:
    figs = {
        "confusion": plots.confusion(ev.confusion(), ds.class_names, scale),
        "per_class": plots.per_class(ev.per_class_accuracy(), ds.class_names, scale),
    }
    if not ds.image_shape:
        return figs
    mistakes = ev.confident_mistakes(10)
    if len(mistakes):
        figs["mistakes"] = plots.grid(
            ds.x_test[mistakes],
            ev.predictions[mistakes],
            ev.labels[mistakes],
            ds.class_names,
            cols=5,
            image_shape=ds.image_shape,
            width=700 * scale,  # two rows of five: room for both names
            scale=scale,
        )
    kernel = model.get_weights()[0]
    figs["weights"] = plots.weights(kernel, list(range(min(8, kernel.shape[1]))), ds.image_shape, scale)
    return figs
