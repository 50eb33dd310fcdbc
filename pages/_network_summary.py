"""Beside the form: the network the settings describe (its parameters, layer by layer) and how long
it would train on this server."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mlp import data
from mlp.config import RunConfig
from mlp.estimate import describe_seconds
from mlp.session import Workbench


def time_estimate(wb: Workbench, ds: data.Dataset) -> None:
    """How long Train will take here, and a warning when that is past the server's budget per training."""
    estimate = wb.estimate(ds)
    text = f"Training time on this server: **{estimate.describe()}** for {wb.config.epochs} epoch(s)"
    if not estimate.over_budget:
        st.caption(text)
        return
    st.warning(
        f"{text}, longer than this server's limit of {describe_seconds(estimate.budget).removeprefix('about ')} "
        "per training: it would stop at the limit, keeping its weights. Try fewer epochs, a larger batch or a "
        "smaller network.",
        icon=":material/timer:",
    )


def architecture(cfg: RunConfig, ds: data.Dataset) -> None:
    params = cfg.parameter_count(ds.n_features, ds.n_classes)
    st.metric("Parameters", f"{params:,}", help="weights + biases of every dense layer")
    st.caption(cfg.architecture(ds.n_features, ds.n_classes, sep=" → "))
    st.dataframe(pd.DataFrame(cfg.summary(ds.n_features, ds.n_classes)), hide_index=True, width="stretch")
