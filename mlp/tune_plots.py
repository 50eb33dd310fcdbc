"""The Tune page's figures: Optuna's own Plotly figures of a study, in the app's style. No Streamlit.

Each returns None while the study has too little to show (Optuna would log a warning and draw an empty
chart), so the page can say what it waits for instead.
"""

from __future__ import annotations

import optuna
import optuna.visualization as vis
import plotly.graph_objects as go
from optuna.trial import TrialState

from .plots import FONT

TARGET = "validation accuracy"


def _styled(fig: go.Figure, height: int = 340) -> go.Figure:
    """The app's font and template; no title (the page titles each chart), the legend above the plot."""
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=30, b=10),
        font=FONT,
        template="plotly_white",
        title=None,
        legend=dict(orientation="h", y=1.12, x=1, xanchor="right"),
    )
    return fig


def _count(study: optuna.Study, *states: TrialState) -> int:
    return len(study.get_trials(deepcopy=False, states=states))


def history(study: optuna.Study) -> go.Figure | None:
    """Each finished trial's validation accuracy and the best so far."""
    if not _count(study, TrialState.COMPLETE):
        return None
    return _styled(vis.plot_optimization_history(study, target_name=TARGET))


def parallel(study: optuna.Study) -> go.Figure | None:
    """Parameters → validation accuracy, one line per finished trial."""
    if not _count(study, TrialState.COMPLETE):
        return None
    return _styled(vis.plot_parallel_coordinate(study, target_name=TARGET), 380)


def importances(study: optuna.Study) -> go.Figure | None:
    """How much each parameter's value explains the validation accuracy (from 2 finished trials)."""
    if _count(study, TrialState.COMPLETE) < 2:
        return None
    try:
        return _styled(vis.plot_param_importances(study, target_name=TARGET))
    except (ValueError, RuntimeError):  # e.g. every trial scored the same
        return None


def intermediate(study: optuna.Study) -> go.Figure | None:
    """Validation accuracy per epoch of every trial: pruned ones are visibly cut short."""
    if not any(t.intermediate_values for t in study.get_trials(deepcopy=False)):
        return None
    fig = vis.plot_intermediate_values(study)
    fig.update_layout(xaxis_title="epoch", yaxis_title=TARGET, showlegend=False)
    return _styled(fig)
