"""The Tune page's view of a sweep: status, Optuna's live figures, the trials table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mlp import tune_plots
from mlp.estimate import describe_seconds
from mlp.states import RunState
from mlp.tune import Progress, Sweep
from mlp.tune_session import Tuner
from pages._common import chart_scale, memo

FIGURES = {  # name: (title, figure builder, what it waits for)
    "history": ("**Optimization history**: each trial, and the best so far", tune_plots.history, "the first trial"),
    "parallel": ("**Parallel coordinates**: parameters → validation accuracy", tune_plots.parallel, "2 trials"),
    "importances": ("**Parameter importances**", tune_plots.importances, "2 trials"),
    "intermediate": (
        "**Validation accuracy per epoch**: pruned trials stop early",
        tune_plots.intermediate,
        "the first epoch",
    ),
}


def sweep_view(tuner: Tuner) -> None:
    sweep = tuner.sweep
    if sweep is None:
        st.info(
            "Choose what to search and the budget, then press **Start**. Each trial is a training like the "
            "Train page's, run in the background; the charts fill in as trials finish."
        )
        return
    progress = sweep.progress()
    status(progress, sweep)
    figures(sweep)
    trials_table(sweep)
    if not progress.active and st.session_state.get("tune_shown_final") != sweep.name:
        st.session_state.tune_shown_final = sweep.name
        st.rerun()  # redraw the whole page once: the buttons, the best


def status(p: Progress, sweep: Sweep) -> None:
    if p.active:
        cap = describe_seconds(sweep.plan.budget.seconds).removeprefix("about ")
        best = f" · best so far: trial {p.best.number}, {p.best.value:.2%}" if p.best else ""
        st.progress(
            p.finished / p.trials,
            text=f"Sweep **{p.name}**: {p.finished} of {p.trials} trials finished ({p.pruned} pruned), "
            f"{p.running} running · {p.seconds:.0f} s of {cap}{best}",
        )
        return
    parts = [p.message or ("Finished." if p.state == RunState.COMPLETED else "")]
    if p.best:
        parts.append(f"Best: trial {p.best.number}, validation accuracy **{p.best.value:.2%}**.")
    else:
        parts.append("No trial completed.")
    if p.test:
        parts.append(f"Test accuracy of trial {p.test.trial}, evaluated once at the end: **{p.test.accuracy:.2%}**.")
    show = {RunState.COMPLETED: st.success, RunState.STOPPED: st.warning}.get(p.state, st.error)
    show(" ".join(filter(None, parts)), icon=":material/tune:")


def figures(sweep: Sweep) -> None:
    """One chart per row: the view column is too narrow for two of Optuna's figures side by side."""
    scale = chart_scale()
    for name, (title, build, waits_for) in FIGURES.items():
        fig = memo(f"tune_{name}", (sweep.name, sweep.version, scale), lambda build=build: build(sweep.study, scale))
        st.markdown(title)
        if fig is None:
            st.caption(f"Appears after {waits_for}.")
        else:
            st.plotly_chart(fig, width="stretch", key=f"tune_{name}", config={"displayModeBar": False})


def trials_table(sweep: Sweep) -> None:
    rows = [
        {
            "trial": t.number,
            "state": t.state,
            "validation accuracy": t.value,
            **t.params,
            "epochs": t.epochs,
            "seconds": t.seconds,
            "run": t.run_id,
            "note": t.note,
        }
        for t in sweep.trials()
    ]
    if rows:
        st.dataframe(
            pd.DataFrame(rows),
            hide_index=True,
            width="stretch",
            column_config={"validation accuracy": st.column_config.NumberColumn(format="percent")},
        )
