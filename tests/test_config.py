import math

import pytest

from mlp.config import NEW_LAYER, ConfigError, LayerSpec, RunConfig, layers_from_rows, layers_to_text
from mlp.presets import PRESETS, label, preset, preset_of


def test_default_is_the_tutorial_network():
    cfg = RunConfig().validated()
    assert cfg.layer_sizes() == [784, 128, 128, 10]
    assert cfg.architecture() == "784-128-128-10"
    assert cfg.architecture(20, 3, sep=" → ") == "20 → 128 → 128 → 3"
    assert cfg.parameter_count() == 118_282
    rows = cfg.summary()
    assert [r["parameters"] for r in rows] == [100_480, 16_512, 1_290]
    assert rows[-1]["activation"] == "softmax"


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_are_valid_and_roundtrip(name):
    cfg = preset(name).validated()
    assert RunConfig.from_json(cfg.to_json()) == cfg
    assert RunConfig.from_query(cfg.to_query()) == cfg


def test_preset_details():
    assert preset("sigmoid-deep").reduction == "sum"
    assert preset("sigmoid-deep").engine == "scratch"
    assert preset("fashion-small").dataset == "fashion_mnist"
    assert preset("raw-pixels-pitfall").normalization == "none"
    with pytest.raises(KeyError, match="choose one of"):
        preset("nope")


def test_query_roundtrip_of_every_field():
    cfg = RunConfig(
        dataset="fashion_mnist",
        normalization="zscore",
        layers=(LayerSpec(64, "tanh"), LayerSpec(32, "sigmoid"), LayerSpec(16, "linear")),
        output="sigmoid",
        loss="mse",
        reduction="sum",
        initializer="he",
        bias_initializer="normal",
        init_std=0.2,
        optimizer="momentum",
        learning_rate=0.0123,
        momentum=0.5,
        batch_size=7,
        epochs=9,
        l2=1e-4,
        dropout=0.25,
        validation_fraction=0.2,
        seed=42,
        engine="scratch",
    ).validated()
    query = cfg.to_query()
    assert all(isinstance(v, str) for v in query.values())
    assert query["layers"] == "64:tanh,32:sigmoid,16:linear"
    assert RunConfig.from_query(query) == cfg
    assert RunConfig.from_dict(cfg.to_dict()) == cfg


def test_zero_hidden_layers_is_logistic_regression():
    cfg = RunConfig(layers=()).validated()
    assert cfg.parameter_count() == 7850
    assert RunConfig.from_query(cfg.to_query()).layers == ()
    assert layers_to_text(()) == ""


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"layers": (LayerSpec(0),)}, "layer 1 units"),
        ({"layers": (LayerSpec(5000),)}, "layer 1 units"),
        ({"layers": (LayerSpec(8),) * 50}, "layers"),
        ({"layers": (LayerSpec(8, "swish"),)}, "layer 1 activation"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"learning_rate": math.nan}, "learning_rate"),
        ({"learning_rate": 1e9}, "learning_rate"),
        ({"batch_size": 0}, "batch_size"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": 10_000}, "epochs"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"dropout": 1.0}, "dropout"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"output": "sigmoid"}, "loss"),  # cross-entropy needs softmax
        ({"engine": "torch"}, "engine"),
        ({"normalization": "minmax"}, "normalization"),
        ({"init_std": 0.0}, "init_std"),
        ({"init_std": -0.05}, "init_std"),
        ({"init_std": math.inf}, "init_std"),
    ],
)
def test_out_of_range_values_name_the_field(changes, field):
    with pytest.raises(ConfigError) as err:
        RunConfig(**changes).validated()
    assert err.value.field == field
    assert field in str(err.value)


def test_batch_larger_than_training_set():
    with pytest.raises(ConfigError, match=r"batch_size.*1 to 1,000"):
        RunConfig(batch_size=1001).validated(train_size=1000)
    RunConfig(batch_size=1000).validated(train_size=1000)


def test_validation_fraction_zero_is_allowed():
    assert RunConfig(validation_fraction=0.0).validated().validation_fraction == 0.0


@pytest.mark.parametrize(
    "query",
    [
        {"v": "1", "learning_rate": "abc"},
        {"v": "1", "layers": "12x"},
        {"v": "1", "epochs": "2.5"},
        {"v": "0", "epochs": "3"},  # an older version
        {"v": "banana"},
        {"v": "1", "batch_size": "1e400"},
    ],
)
def test_garbage_query_strings_raise_config_error(query):
    with pytest.raises(ConfigError):
        RunConfig.from_query(query)


def test_unknown_keys_in_json_are_refused_but_ignored_in_urls():
    with pytest.raises(ConfigError, match="unknown setting"):
        RunConfig.from_dict({"version": 1, "colour": "red"})
    assert RunConfig.from_query({"v": "1", "present": "1", "epochs": "3"}).epochs == 3


def test_from_json_garbage():
    with pytest.raises(ConfigError, match="not valid JSON"):
        RunConfig.from_json("{nope")
    with pytest.raises(ConfigError):
        RunConfig.from_json("[1, 2]")


def test_preset_of_and_labels():
    assert preset_of(RunConfig()) == "default"
    assert preset_of(RunConfig(epochs=7)) is None
    assert all(preset_of(config) == name for name, (_, config) in PRESETS.items())
    assert label(preset("fashion-small")).startswith("fashion-small: fashion_mnist 784-50-10")
    assert label(RunConfig(epochs=7)) == RunConfig(epochs=7).describe()


def test_layer_table_rows_become_layers_or_a_message_naming_the_row():
    rows = [{"units": 128, "activation": "relu"}, {"units": 32.0, "activation": None}]
    assert layers_from_rows(rows) == (LayerSpec(128, "relu"), LayerSpec(32, "relu"))
    assert layers_from_rows([]) == ()
    for empty in (None, math.nan):
        with pytest.raises(ConfigError, match="layer 2 units: empty; type a number from 1 to 2,048 or delete the row"):
            layers_from_rows([rows[0], {"units": empty, "activation": "tanh"}])
    with pytest.raises(ConfigError, match=r"layer 1 units: a whole number; got 2\.5"):
        layers_from_rows([{"units": 2.5, "activation": "relu"}])
    assert LayerSpec(64, "relu") == NEW_LAYER


def test_describe_names_a_normalization_other_than_the_default():
    assert RunConfig().describe() == "mnist 784-128-128-10 relu adam lr=0.001"
    assert RunConfig(normalization="none").describe().endswith("lr=0.001 raw pixels")
    assert RunConfig(normalization="zscore").describe().endswith("lr=0.001 z-score")
