"""Runs page: saved runs in a sortable, filterable table; overlay curves; open, download or delete one;
evaluate an uploaded model."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mlp import data, plots
from mlp.models import ModelError, load_model_bytes
from mlp.presets import label
from mlp.runs import RunStoreError
from pages._common import chart_scale, ensure_shell, model_download, run_store, workbench
from pages._evaluation import show_evaluation

ensure_shell()


@st.cache_resource(show_spinner="Evaluating on the test set…", max_entries=8)
def evaluate_run(run_id: str, dataset: str, model_mtime: float):
    """(Evaluation, model) of a saved run; shared by all sessions, cached per model file version."""
    from mlp.evaluate import evaluate

    ds = data.load(dataset)
    model = run_store().load_model(run_id)
    return evaluate(model, ds.x_test, ds.y_test), model


def open_run(run) -> None:
    st.subheader(f"Run {run.id}" + (f": {run.name}" if run.name else ""))
    st.caption(
        f"{label(run.config)} · {run.config.engine} engine · {run.state}"
        + (f" · {run.status['message']}" if run.status.get("message") else "")
    )
    history = pd.DataFrame(run.history)
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "History (CSV)",
        history.to_csv(index=False),
        file_name=f"{run.id}-history.csv",
        mime="text/csv",
        icon=":material/table:",
        key=f"csv_{run.id}",
    )
    path = run_store().model_path(run.id)
    if run.has_model:
        model_download(run.id, "Model (.keras)", f"{run.id}.keras", key=f"model_{run.id}", where=c2)
    if run.status.get("owner") == workbench().owner and c3.button(
        "Delete this run", icon=":material/delete:", key=f"del_{run.id}"
    ):
        try:
            run_store().delete(run.id, owner=workbench().owner)
            st.toast(f"Deleted run {run.id}.")
            st.rerun()
        except RunStoreError as exc:
            st.error(str(exc))
    if run.history:
        st.plotly_chart(
            plots.curves(run.history, "held-out", scale=chart_scale()), width="stretch", key=f"curves_{run.id}"
        )
    if run.test_withheld:
        st.info(
            f"Trial {run.status.get('trial')} of the sweep “{run.status['sweep']}”: trials are compared on "
            "validation only, so its test set stays unseen. The sweep's best trial alone is evaluated on test, "
            "once (choosing by test accuracy would tune to the test set).",
            icon=":material/visibility_off:",
        )
    elif not run.has_model or not path.exists():
        st.info("This run has no saved model (it was interrupted before the end).")
    elif run.config.dataset not in data.DATASETS:
        st.info("This run used an uploaded dataset, which stays in its session: its analysis cannot be redrawn.")
    else:
        try:
            ev, model = evaluate_run(run.id, run.config.dataset, path.stat().st_mtime)
        except (OSError, ModelError, RunStoreError) as exc:  # e.g. deleted meanwhile by its owner
            st.warning(f"This run's model cannot be read any more ({exc}).")
            return
        show_evaluation(ev, data.load(run.config.dataset), model, key="run_", seconds=run.status.get("seconds"))


def evaluate_upload() -> None:
    with st.expander("Evaluate a model file (.keras)"):
        dataset = st.selectbox("On the test set of", list(data.DATASETS), format_func=lambda n: data.DATASETS[n].title)
        file = st.file_uploader("Model file", type=["keras"], key="model_upload")
        if file is None:
            return
        ds = data.load(dataset)
        try:
            model = load_model_bytes(file.getvalue(), n_inputs=ds.n_features, n_classes=ds.n_classes)
        except ModelError as exc:
            st.error(f"That model cannot be used: {exc}.")
            return
        from mlp.evaluate import evaluate

        ev = evaluate(model, ds.x_test.reshape((-1, *model.input_shape[1:])), ds.y_test)
        show_evaluation(ev, ds, model, key="upload_")
        workbench().hand_over(model, ds, f"Uploaded: {file.name}")
        st.caption("It is also available on the Draw page for this session.")


st.title("Saved runs")
evaluate_upload()
runs = run_store().list()
if not runs:
    st.info("No runs yet: train one on the **Train** page and it appears here.")
    st.stop()

table = pd.DataFrame([run.row(workbench().owner) for run in runs])
c1, c2, c3 = st.columns(3)
datasets = c1.multiselect("Dataset", sorted(table["dataset"].unique()))
states = c2.multiselect("Status", sorted(table["status"].unique()))
only_mine = c3.toggle("Only my runs")
keep = pd.Series(True, index=table.index)
if datasets:
    keep &= table["dataset"].isin(datasets)
if states:
    keep &= table["status"].isin(states)
if only_mine:
    keep &= table["yours"]
shown = table[keep].reset_index(drop=True)
st.caption("Click column headers to sort; select two or more rows to compare their curves.")
selection = st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="multi-row",
    key="runs_table",
    column_config={
        "test accuracy": st.column_config.NumberColumn(format="percent"),
        "seconds": st.column_config.NumberColumn(format="%.1f"),
        "lr": st.column_config.NumberColumn(format="%g"),
    },
)
picked = [shown["run"][i] for i in selection.selection.rows if i < len(shown)]  # rows may have been deleted
by_id = {run.id: run for run in runs}
if len(picked) > 1:
    st.plotly_chart(
        plots.compare({f"{rid} ({by_id[rid].label})": by_id[rid].history for rid in picked}, chart_scale()),
        width="stretch",
        key="compare",
    )
if "run" in st.query_params and "open_run" not in st.session_state:  # a link to one run, e.g. from the Train page
    st.session_state.open_run = st.query_params["run"] if st.query_params["run"] in by_id else None
opened = st.selectbox(
    "Open a run",
    [None, *shown["run"]],
    key="open_run",
    format_func=lambda rid: "—" if rid is None else f"{rid} · {by_id[rid].label}",
)
if opened is not None:
    try:
        open_run(run_store().load(opened))  # fresh from disk: it may have changed since the table was drawn
    except RunStoreError as exc:
        st.warning(f"That run is gone: {exc}")
