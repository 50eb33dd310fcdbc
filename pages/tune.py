"""Tune page: search form -> a sweep of background trainings (Optuna) -> live figures, trials, the best.

The layout only: the rules of the buttons are mlp.tune_session.Tuner, the sweep is mlp.tune.Sweep.
"""

from __future__ import annotations

import streamlit as st

from mlp.tune import sweep_names
from mlp.tune_session import Tuner
from pages._common import ensure_shell, presenting, run_store, workbench
from pages._tune_form import RULE, tune_form
from pages._tune_view import sweep_view

ensure_shell()

if "tuner" not in st.session_state:
    st.session_state.tuner = Tuner(workbench())
tuner: Tuner = st.session_state.tuner
tuner.attach(st.query_params.get("sweep"))  # a refresh reattaches to the sweep it was watching
st.title("Tune the hyperparameters")
st.info(RULE, icon=":material/rule:")

form_col, view_col = st.columns([1, 2.6] if presenting() else [1.15, 2], gap="large")
with form_col:
    plan, error = tune_form(tuner)
    if error:
        st.error(error, icon=":material/error:")
    with st.expander("Resume a stored sweep"):
        names = sweep_names(run_store())
        name = st.selectbox("Sweep", names[::-1], key="tune_resume_name", disabled=not names)
        resume = st.button("Resume", key="tune_resume", disabled=not names, icon=":material/replay:")

with view_col:
    b1, b2, b3 = st.columns([1, 1, 1.6])
    start = b1.button(
        "Start", key="tune_start", type="primary", icon=":material/play_arrow:", disabled=plan is None, width="stretch"
    )
    stop = b2.button("Stop", key="tune_stop", icon=":material/stop_circle:", width="stretch")
    best = tuner.sweep.best() if tuner.sweep is not None else None
    open_best = b3.button(
        "Open the best in Train",
        key="tune_open_best",
        icon=":material/open_in_new:",
        disabled=best is None,
        width="stretch",
        help="Fill the Train page's form with the best trial's settings",
    )
    press = tuner.start(plan) if start else tuner.stop() if stop else tuner.resume(name) if resume else None
    if press is not None:
        (st.warning if press.action == "refused" else st.toast)(press.message)
        if press.action == "started":
            st.query_params["sweep"] = press.sweep.name
    if open_best and tuner.open_best() is not None:
        st.switch_page("pages/train.py")
    if tuner.running:
        st.fragment(lambda: sweep_view(tuner), run_every=1.0)()
    else:
        sweep_view(tuner)
