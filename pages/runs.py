"""Runs page: the saved runs of this server, newest first; delete the ones you created."""
import pandas as pd
import streamlit as st

from mlp.runs import RunStoreError
from pages._common import run_store, session_owner

st.title("Saved runs")
store = run_store()
runs = store.list()
if not runs:
    st.info("No runs yet: train one on the **Train** page and it appears here.")
    st.stop()

table = pd.DataFrame([{
    "run": run.id,
    "status": run.state,
    "dataset": run.config.dataset,
    "architecture": "-".join(str(s) for s in run.config.layer_sizes()),
    "optimizer": run.config.optimizer,
    "lr": run.config.learning_rate,
    "epochs": len(run.history),
    "test accuracy": run.status.get("test_accuracy"),
    "seconds": run.status.get("seconds"),
    "yours": run.status.get("owner") == session_owner(),
} for run in runs])
st.dataframe(table, hide_index=True, width="stretch",
             column_config={"test accuracy": st.column_config.NumberColumn(format="percent"),
                            "seconds": st.column_config.NumberColumn(format="%.1f")})

mine = [run.id for run in runs if run.status.get("owner") == session_owner()]
if mine:
    c1, c2 = st.columns([3, 1])
    victim = c1.selectbox("Delete one of your runs", mine)
    if c2.button("Delete", icon=":material/delete:"):
        try:
            store.delete(victim, owner=session_owner())
            st.toast(f"Deleted run {victim}.")
            st.rerun()
        except RunStoreError as exc:
            st.error(str(exc))
