"""The Class page's teacher-only parts: the table of every training on this server with a Stop, and the
server's settings (trainings at once, time per training)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mlp.classroom import BUDGET_RANGE, MAX_PARALLEL, apply_settings, class_trainings, stop_training
from pages._common import job_manager


def trainings_table() -> None:
    """Every running and queued training; one can be picked and stopped (its student reads who stopped it)."""
    st.subheader("Trainings on this server")
    rows = class_trainings(job_manager())
    if not rows:
        st.info("Nothing is training or waiting right now.", icon=":material/hourglass_empty:")
        return
    st.dataframe(
        pd.DataFrame([r.row() for r in rows]),
        hide_index=True,
        width="stretch",
        column_config={"accuracy so far": st.column_config.NumberColumn(format="percent")},
    )
    by_id = {r.job_id: r for r in rows}
    pick, press = st.columns([3, 1], vertical_alignment="bottom")
    chosen = pick.selectbox(
        "Training to stop",
        list(by_id),
        format_func=lambda job_id: f"{by_id[job_id].nickname or '—'} · {by_id[job_id].setup}",
        key="class_stop_pick",
    )
    if press.button("Stop", icon=":material/stop_circle:", key="class_stop", width="stretch"):
        st.toast(stop_training(job_manager(), chosen))


def server_settings() -> None:
    """The cap on simultaneous trainings and the budget per training, for trainings that start from now on."""
    manager = job_manager()
    low, high = BUDGET_RANGE
    st.subheader("This server")
    with st.form("server_settings"):
        parallel = st.number_input("Trainings at once", 1, MAX_PARALLEL, min(manager.max_parallel, MAX_PARALLEL))
        seconds = st.number_input(
            "Seconds per training",
            low,
            high,
            min(max(round(manager.training_seconds), low), high),
            step=30,
            help="A training stops at this limit (its weights are kept and saved).",
        )
        if st.form_submit_button("Apply", icon=":material/check:"):
            problem = apply_settings(manager, int(parallel), float(seconds))
            if problem:
                st.error(problem)
            else:
                st.success("Applied to the trainings that start from now on.")
