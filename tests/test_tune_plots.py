"""The Tune page's figures from a small in-memory study: what they wait for, their axes, presenter scale."""

import optuna
import pytest
from optuna.distributions import FloatDistribution, IntDistribution
from optuna.trial import TrialState, create_trial

from mlp import tune_plots

DISTRIBUTIONS = {"learning_rate": FloatDistribution(1e-4, 1e-1, log=True), "layers": IntDistribution(1, 3)}


def study_with(*values, pruned: int = 0) -> optuna.Study:
    """Finished trials with these validation accuracies (2 epochs each), then `pruned` trials cut after 1."""
    study = optuna.create_study(direction="maximize")
    for i, value in enumerate(values):
        study.add_trial(
            create_trial(
                params={"learning_rate": 10 ** -(1 + i % 3), "layers": 1 + i % 3},
                distributions=DISTRIBUTIONS,
                value=value,
                intermediate_values={0: value - 0.05, 1: value},
            )
        )
    for _ in range(pruned):
        study.add_trial(
            create_trial(
                params={"learning_rate": 0.09, "layers": 3},
                distributions=DISTRIBUTIONS,
                state=TrialState.PRUNED,
                intermediate_values={0: 0.3},
            )
        )
    return study


def test_each_figure_waits_for_what_it_needs():
    empty = study_with()
    assert all(build(empty) is None for build in (tune_plots.history, tune_plots.parallel, tune_plots.intermediate))
    one = study_with(0.95)
    assert tune_plots.history(one) is not None and tune_plots.intermediate(one) is not None
    assert tune_plots.parallel(one) is None and tune_plots.importances(one) is None  # one line: no colour scale
    two = study_with(0.95, 0.9)
    assert tune_plots.parallel(two) is not None


@pytest.mark.parametrize("values", [(0.954,), (0.97, 0.6, 0.91)])
def test_accuracy_axes_end_at_100_percent_and_trials_are_whole_numbers(values):
    fig = tune_plots.history(study_with(*values))
    low, high = fig.layout.yaxis.range
    assert high == 1.0 and 0.0 <= low < min(values)  # Optuna's own range went to 150% with one trial
    assert fig.layout.yaxis.tickformat == ".0%"
    assert fig.layout.xaxis.dtick == 1 and fig.layout.xaxis.range[1] == len(values) - 0.5


def test_pruned_trials_show_in_the_per_epoch_chart_with_their_low_values():
    fig = tune_plots.intermediate(study_with(0.95, 0.93, pruned=1))
    low, high = fig.layout.yaxis.range
    assert high == 1.0 and low < 0.3
    assert len(fig.data) == 3  # one line per trial, the pruned one included


def test_presenter_scale_enlarges_text_and_height():
    study = study_with(0.95, 0.9, 0.8)
    for build in (tune_plots.history, tune_plots.parallel, tune_plots.importances, tune_plots.intermediate):
        plain, big = build(study), build(study, 1.5)
        assert big.layout.font.size == pytest.approx(1.5 * plain.layout.font.size)
        assert big.layout.height == pytest.approx(1.5 * plain.layout.height)
    plain, big = tune_plots.parallel(study), tune_plots.parallel(study, 1.5)
    ticks = [fig.layout.annotations[0].font.size for fig in (plain, big)]
    assert ticks[0] >= 11 and ticks[1] == pytest.approx(1.5 * ticks[0])  # Optuna's own tick labels: 10 px
