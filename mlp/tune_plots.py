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


def _styled(fig: go.Figure, scale: float, height: int = 340) -> go.Figure:
    """The app's font and template, larger by `scale` (presenter mode); no title (the page titles each
    chart), the legend above the plot."""
    fig.update_layout(
        height=height * scale,
        margin=dict(l=10, r=10, t=30 * scale, b=10),
        font={**FONT, "size": FONT["size"] * scale},
        template="plotly_white",
        title=None,
        legend=dict(orientation="h", y=1.12, x=1, xanchor="right"),
    )
    return fig


def _count(study: optuna.Study, *states: TrialState) -> int:
    return len(study.get_trials(deepcopy=False, states=states))


def _accuracy_axis(fig: go.Figure, values: list[float]) -> None:
    """An accuracy axis in percent that ends at 100% (Optuna's own range pads past it: "150%")."""
    low = min(values)
    fig.update_yaxes(range=[max(0.0, low - 0.05 * (1.0 - low) - 0.01), 1.0], tickformat=".0%")


def history(study: optuna.Study, scale: float = 1.0) -> go.Figure | None:
    """Each finished trial's validation accuracy and the best so far, over whole trial numbers."""
    done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not done:
        return None
    fig = vis.plot_optimization_history(study, target_name=TARGET)
    fig.update_traces(marker_size=8 * scale)
    fig.update_xaxes(dtick=1, tickformat="d", range=[-0.5, max(t.number for t in done) + 0.5])
    _accuracy_axis(fig, [t.value for t in done])
    return _styled(fig, scale)


def parallel(study: optuna.Study, scale: float = 1.0) -> go.Figure | None:
    """Parameters → validation accuracy, one line per finished trial (from 2: one line has no colour scale)."""
    if _count(study, TrialState.COMPLETE) < 2:
        return None
    fig = vis.plot_parallel_coordinate(study, target_name=TARGET)
    for label in fig.layout.annotations:  # Optuna writes the axes' tick values as 10 px annotations
        label.font.size = 0.85 * FONT["size"] * scale
    return _styled(fig, scale, 380)


def importances(study: optuna.Study, scale: float = 1.0) -> go.Figure | None:
    """How much each parameter's value explains the validation accuracy (from 2 finished trials)."""
    if _count(study, TrialState.COMPLETE) < 2:
        return None
    try:
        return _styled(vis.plot_param_importances(study, target_name=TARGET), scale)
    except (ValueError, RuntimeError):  # e.g. every trial scored the same
        return None


def intermediate(study: optuna.Study, scale: float = 1.0) -> go.Figure | None:
    """Validation accuracy per epoch of every trial: pruned ones are visibly cut short."""
    trials = study.get_trials(deepcopy=False)
    values = [v for t in trials for v in t.intermediate_values.values()]
    if not values:
        return None
    fig = vis.plot_intermediate_values(study)
    fig.update_layout(xaxis_title="epoch", yaxis_title=TARGET, showlegend=False)
    fig.update_xaxes(dtick=1, tickformat="d")
    _accuracy_axis(fig, values)
    return _styled(fig, scale)
