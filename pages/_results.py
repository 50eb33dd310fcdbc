"""The Train page after a training: test results, the change since the previous run, the model file."""

from __future__ import annotations

import streamlit as st

from mlp.jobs import Job
from mlp.session import Workbench
from pages._common import model_download
from pages._evaluation import show_evaluation


def results(wb: Workbench, job: Job) -> None:
    """A finished job's test results (with the change since the previous run) and its model file."""
    ev = job.evaluation
    if ev is None:
        return
    change = wb.record_result(job)
    st.subheader("Results on the test set")
    delta = f"{change * 100:+.2f} pts vs previous run" if change is not None else None
    show_evaluation(ev, job.data, job.model, delta=delta, seconds=job.snapshot().seconds)
    if job.run_id:
        model_download(job.run_id, "Download model (.keras)", f"mlp-{job.run_id}.keras")
