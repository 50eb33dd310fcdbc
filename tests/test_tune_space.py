"""The search space and the budget: parsed from plain values, refused with a message naming what to change."""

import pytest

from mlp.config import ConfigError, RunConfig
from mlp.estimate import SpeedModel
from mlp.tune_space import Budget, Plan, SearchSpace

BASE = RunConfig(validation_fraction=0.1)


def test_parse_ranges_and_choices():
    space = SearchSpace.parse(
        learning_rate="1e-4:1e-1", layers="1:3", units=(32, 256), optimizer="adam, sgd,adam", batch_size="64,128"
    )
    assert space.learning_rate == (1e-4, 0.1) and space.layers == (1, 3) and space.units == (32, 256)
    assert space.optimizer == ("adam", "sgd") and space.batch_size == (64, 128)
    assert space.dropout == (0.0, 0.0) and space.activation == ("relu",)
    assert set(space.searched()) == {"learning_rate", "layers", "units", "optimizer", "batch_size"}
    assert SearchSpace.from_dict(space.to_dict()) == space
    assert SearchSpace.parse(layers="2").layers == (2, 2)  # one value: fixed


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"learning_rate": ""}, "learning_rate", "give a range"),
        ({"learning_rate": "0.1:1e-4"}, "learning_rate", "inverted"),
        ({"learning_rate": "0:0.1"}, "learning_rate", "log scale"),
        ({"learning_rate": "-1:0.1"}, "learning_rate", "log scale"),
        ({"learning_rate": "1e-3:20"}, "learning_rate", "within 0:10"),
        ({"learning_rate": "a:b"}, "learning_rate", "expected a number"),
        ({"learning_rate": "1:2:3"}, "learning_rate", "two ends"),
        ({"layers": "3:1"}, "layers", "inverted"),
        ({"layers": "1.5:3"}, "layers", "whole number"),
        ({"layers": "0:9"}, "layers", "within 0:8"),
        ({"units": "0:64"}, "units", "within 1:2048"),
        ({"optimizer": ""}, "optimizer", "choose one or more of sgd"),
        ({"optimizer": "adam,lbfgs"}, "optimizer", "'lbfgs'"),
        ({"activation": " , "}, "activation", "choose"),
        ({"batch_size": "64,big"}, "batch_size", "expected a number"),
        ({"dropout": "0:0.95"}, "dropout", "within 0:0.9"),
        ({"l2": "nan"}, "l2", "finite"),
    ],
)
def test_bad_input_is_one_clear_message(values, field, words):
    with pytest.raises(ConfigError, match=words) as caught:
        SearchSpace.parse(**values)
    assert caught.value.field == field


def test_nothing_to_search_is_refused(small):
    fixed = SearchSpace.parse(learning_rate="1e-3", layers="1", units="64")
    with pytest.raises(ConfigError, match="nothing to search"):
        Plan(fixed, Budget(2, 1), BASE).validated(small)


def test_a_space_past_the_parameter_cap_is_refused(small, monkeypatch):
    monkeypatch.setenv("MLP_MAX_PARAMETERS", "200000")
    space = SearchSpace.parse(layers="1:3", units="32:256")
    with pytest.raises(ConfigError, match=r"784-256-256-256-10\) has 335,114 parameters.*MLP_MAX_PARAMETERS"):
        Plan(space, Budget(2, 1), BASE).validated(small)
    Plan(SearchSpace.parse(layers="1:2", units="32:128"), Budget(2, 1), BASE).validated(small)  # 118,282 fits


def test_validation_split_is_mandatory(small):
    with pytest.raises(ConfigError, match="validation split") as caught:
        Plan(SearchSpace(), Budget(2, 1), BASE.replace(validation_fraction=0.0)).validated(small)
    assert caught.value.field == "validation_fraction"


def test_batch_sizes_must_fit_the_training_split(small):
    space = SearchSpace.parse(batch_size="64,5000")  # 3,000 rows, 2,700 after the split
    with pytest.raises(ConfigError, match="from 1 to 2,700; got 5000"):
        Plan(space, Budget(2, 1), BASE).validated(small)


def test_budget_limits(monkeypatch):
    assert Budget(10, 3, 600).validated() == Budget(10, 3, 600)
    for budget, words in (
        (Budget(0, 3), "trials: a whole number from 1 to 500"),
        (Budget(501, 3), "trials"),
        (Budget(5, 0), "epochs"),
        (Budget(5, 2, 0), "time cap"),
    ):
        with pytest.raises(ConfigError, match=words):
            budget.validated()
    monkeypatch.setenv("MLP_MAX_SWEEP_SECONDS", "60")
    with pytest.raises(ConfigError, match=r"time cap: from 1 s to 60 seconds \(MLP_MAX_SWEEP_SECONDS\)"):
        Budget(5, 2, 120).validated()


def test_more_trials_than_the_time_cap_allows(sample):
    """The estimate of a typical trial (the middle of the space) on this server, times the trials."""
    speed = SpeedModel()
    plan = Plan(SearchSpace.parse(units="64:1024"), Budget(trials=200, epochs=20, seconds=600), BASE)
    with pytest.raises(ConfigError, match=r"200 trials of 20 epoch\(s\) take about .* fits about \d+") as caught:
        plan.validated(sample, speed)
    assert caught.value.field == "trials"
    each = plan.trial_seconds(sample, speed)
    fits = int(600 // each)
    Plan(plan.space, Budget(trials=fits, epochs=20, seconds=600), BASE).validated(sample, speed)
    Plan(plan.space, Budget(trials=2 * fits, epochs=20, seconds=600), BASE).validated(sample, speed, slots=2)


def test_grid_takes_ends_and_middles_and_refuses_more_trials_than_combinations(small):
    space = SearchSpace.parse(learning_rate="1e-4:1e-2", layers="1:2", units="16:64", optimizer="adam,sgd")
    grid = space.grid()
    assert grid["learning_rate"] == pytest.approx([1e-4, 1e-3, 1e-2])
    assert grid["layers"] == [1, 2] and grid["units"] == [16, 32, 64] and grid["optimizer"] == ["adam", "sgd"]
    Plan(space, Budget(36, 1), BASE, "grid").validated(small)
    with pytest.raises(ConfigError, match="the grid has 36 combinations"):
        Plan(space, Budget(37, 1), BASE, "grid").validated(small)


def test_unknown_sampler(small):
    with pytest.raises(ConfigError, match="sampler: one of grid, random, tpe"):
        Plan(SearchSpace(), Budget(2, 1), BASE, "bayes").validated(small)


def test_trial_config_and_plan_round_trip():
    plan = Plan(SearchSpace.parse(units="32:64", activation="tanh"), Budget(4, 2, 300), BASE, "random", False)
    values = {**plan.space.corner(min), "layers": 2, "units": 48, "learning_rate": 0.01}
    cfg = plan.trial_config(values)
    assert cfg.architecture() == "784-48-48-10" and {layer.activation for layer in cfg.layers} == {"tanh"}
    assert cfg.epochs == 2 and cfg.learning_rate == 0.01 and cfg.validation_fraction == 0.1
    assert Plan.from_dict(plan.to_dict()) == plan
    assert plan.space.describe().startswith("learning_rate 0.0001:0.1, layers 1:3, units 32:64, activation tanh")
