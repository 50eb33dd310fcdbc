"""The run configuration: one validated, serializable description of a training run.

It flows form -> URL (query string) -> trainer -> saved run (config.json), unchanged.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import limits

CONFIG_VERSION = 1

ACTIVATIONS = ("relu", "sigmoid", "tanh", "linear")
OUTPUTS = ("softmax", "sigmoid", "linear")
LOSSES = ("crossentropy", "mse")
REDUCTIONS = ("mean", "sum")
INITIALIZERS = ("glorot", "he", "normal")
BIAS_INITIALIZERS = ("zeros", "normal")
OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
NORMALIZATIONS = ("none", "unit", "zscore")
ENGINES = ("keras", "scratch")

MAX_LAYERS = 8
MAX_UNITS = 2048
MAX_EPOCHS = 500
MAX_BATCH = 60000


class ConfigError(ValueError):
    """A configuration value is out of range; the message names the field and what is allowed."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


@dataclass(frozen=True)
class LayerSpec:
    """One hidden layer: its width and activation."""

    units: int = 128
    activation: str = "relu"


NEW_LAYER = LayerSpec(64, "relu")  # what a row added to the form's layer table starts as


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a training run. Build it with `RunConfig(...).validated()`."""

    dataset: str = "mnist"
    normalization: str = "unit"
    layers: tuple[LayerSpec, ...] = (LayerSpec(128), LayerSpec(128))
    output: str = "softmax"
    loss: str = "crossentropy"
    reduction: str = "mean"
    initializer: str = "glorot"
    bias_initializer: str = "zeros"
    init_std: float = 1.0  # standard deviation of the "normal" initializer (weights and biases)
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    momentum: float = 0.9
    batch_size: int = 128
    epochs: int = 5
    l2: float = 0.0
    dropout: float = 0.0
    validation_fraction: float = 0.0  # 0: the per-epoch held-out curve uses the test set
    seed: int = 0
    engine: str = "keras"

    def validated(self, train_size: int | None = None, n_inputs: int = 784, n_classes: int = 10) -> RunConfig:
        """Return self if every field is in range and the network fits this server's limits
        (for a dataset of n_inputs features and n_classes classes), else raise ConfigError naming the field."""
        _choice("dataset", self.dataset, None)
        _choice("normalization", self.normalization, NORMALIZATIONS)
        if not isinstance(self.layers, tuple) or len(self.layers) > MAX_LAYERS:
            raise ConfigError("layers", f"between 0 and {MAX_LAYERS} hidden layers, got {len(self.layers)}")
        for i, layer in enumerate(self.layers, 1):
            _int_range(f"layer {i} units", layer.units, 1, MAX_UNITS)
            _choice(f"layer {i} activation", layer.activation, ACTIVATIONS)
        _choice("output", self.output, OUTPUTS)
        _choice("loss", self.loss, LOSSES)
        if self.loss == "crossentropy" and self.output != "softmax":
            raise ConfigError("loss", "cross-entropy needs a softmax output; use MSE with sigmoid or linear outputs")
        _choice("reduction", self.reduction, REDUCTIONS)
        _choice("initializer", self.initializer, INITIALIZERS)
        _choice("bias_initializer", self.bias_initializer, BIAS_INITIALIZERS)
        _float_range("init_std", self.init_std, 0.0, 10.0, low_open=True)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _float_range("learning_rate", self.learning_rate, 0.0, 10.0, low_open=True)
        _float_range("momentum", self.momentum, 0.0, 0.999)
        _int_range("batch_size", self.batch_size, 1, train_size or MAX_BATCH)
        _int_range("epochs", self.epochs, 1, MAX_EPOCHS)
        _float_range("l2", self.l2, 0.0, 1.0)
        _float_range("dropout", self.dropout, 0.0, 0.9)
        _float_range("validation_fraction", self.validation_fraction, 0.0, 0.5)
        _int_range("seed", self.seed, 0, 2**31 - 1)
        _choice("engine", self.engine, ENGINES)
        self._check_size(n_inputs, n_classes)
        return self

    def _check_size(self, n_inputs: int, n_classes: int) -> None:
        """Refuse a network too big for a shared server before anything is allocated."""
        params = self.parameter_count(n_inputs, n_classes)
        if params > limits.PARAMETERS.value:
            raise ConfigError(
                "layers",
                f"this network has {params:,} parameters; this server allows at most {limits.PARAMETERS.describe()}. "
                "Use fewer or narrower hidden layers.",
            )
        need = self.training_bytes(n_inputs, n_classes)
        if need > limits.TRAINING_MB.value * 1e6:
            raise ConfigError(
                "batch_size",
                f"training this network with batches of {self.batch_size:,} needs about {limits.mb(need)} of memory; "
                f"this server allows {limits.TRAINING_MB.describe()} per training. "
                "Use a smaller batch or narrower layers.",
            )

    def replace(self, **changes: Any) -> RunConfig:
        return dataclasses.replace(self, **changes)

    # --- serialization -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["layers"] = [dataclasses.asdict(layer) for layer in self.layers]
        d["version"] = CONFIG_VERSION
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunConfig:
        """Build and validate a config from a dict (as written by to_dict)."""
        if not isinstance(data, Mapping):
            raise ConfigError("config", "expected a JSON object")
        version = data.get("version", CONFIG_VERSION)
        if version != CONFIG_VERSION:
            raise ConfigError("version", f"this app reads config version {CONFIG_VERSION}, got {version!r}")
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(known) - {"version"})
        if unknown:
            raise ConfigError(unknown[0], "unknown setting")
        kwargs: dict[str, Any] = {}
        for name, value in data.items():
            if name == "version":
                continue
            if name == "layers":
                kwargs[name] = _layers_from(value)
            else:
                kwargs[name] = _coerce(name, value, type(getattr(cls(), name)))
        return cls(**kwargs).validated()

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str) -> RunConfig:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError("config", f"not valid JSON ({exc.msg})") from None
        return cls.from_dict(data)

    def to_query(self) -> dict[str, str]:
        """Flat string mapping for a URL query string (only fields that differ from the defaults)."""
        default = RunConfig()
        query = {"v": str(CONFIG_VERSION)}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value == getattr(default, f.name):
                continue
            query[f.name] = layers_to_text(value) if f.name == "layers" else str(value)
        return query

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> RunConfig:
        """Inverse of to_query; raises ConfigError for garbage or another version."""
        data: dict[str, Any] = {}
        for key, value in query.items():
            if key == "v":
                data["version"] = _coerce("v", value, int)
            elif key == "layers":
                data["layers"] = layers_from_text(value)
            elif key in _FIELD_NAMES:
                data[key] = value
        return cls.from_dict(data)

    # --- derived facts -------------------------------------------------------------------
    def layer_sizes(self, n_inputs: int = 784, n_classes: int = 10) -> list[int]:
        return [n_inputs, *(layer.units for layer in self.layers), n_classes]

    def architecture(self, n_inputs: int = 784, n_classes: int = 10, sep: str = "-") -> str:
        """The layer widths as one label: '784-128-128-10' (or '784 → 128 → 128 → 10' with sep=' → ')."""
        return sep.join(str(s) for s in self.layer_sizes(n_inputs, n_classes))

    def parameter_count(self, n_inputs: int = 784, n_classes: int = 10) -> int:
        sizes = self.layer_sizes(n_inputs, n_classes)
        return sum(a * b + b for a, b in itertools.pairwise(sizes))

    def training_bytes(self, n_inputs: int = 784, n_classes: int = 10) -> int:
        """A generous estimate of one training's working memory: weights, gradients, optimizer slots and
        the kept best weights (6 floats per parameter), plus the activations of a batch forward and back
        (the held-out set is measured in batches of at least 4,096 rows)."""
        rows = max(self.batch_size, 4096)
        width = n_inputs + sum(layer.units for layer in self.layers) + n_classes
        return 4 * (6 * self.parameter_count(n_inputs, n_classes) + 3 * rows * width)

    def summary(self, n_inputs: int = 784, n_classes: int = 10) -> list[dict[str, Any]]:
        """One row per dense layer: name, shape, activation, parameters."""
        sizes = self.layer_sizes(n_inputs, n_classes)
        acts = [layer.activation for layer in self.layers] + [self.output]
        rows = []
        for i, (a, b) in enumerate(itertools.pairwise(sizes)):
            name = f"hidden {i + 1}" if i < len(self.layers) else "output"
            rows.append({"layer": name, "shape": f"{a} → {b}", "activation": acts[i], "parameters": a * b + b})
        return rows

    def describe(self) -> str:
        """Short human label, e.g. 'mnist 784-128-128-10 relu adam lr=0.001', plus the pixel normalization
        when it is not the default ÷255 ('raw pixels', 'z-score'): runs that differ only there look alike."""
        arch = self.architecture()
        acts = sorted({layer.activation for layer in self.layers}) or ["none"]
        pixels = {"none": " raw pixels", "zscore": " z-score"}.get(self.normalization, "")
        return f"{self.dataset} {arch} {'/'.join(acts)} {self.optimizer} lr={self.learning_rate:g}{pixels}"


_FIELD_NAMES = {f.name for f in dataclasses.fields(RunConfig)}


def layers_to_text(layers: tuple[LayerSpec, ...]) -> str:
    """(LayerSpec(128,'relu'), LayerSpec(64,'tanh')) -> '128:relu,64:tanh' ('' for none)."""
    return ",".join(f"{layer.units}:{layer.activation}" for layer in layers)


def layers_from_text(text: str, default_activation: str = "relu") -> list[dict[str, Any]]:
    """Parse '128,64:tanh' into layer dicts (values still unvalidated)."""
    layers = []
    for part in filter(None, (p.strip() for p in str(text).split(","))):
        units, _, act = part.partition(":")
        layers.append({"units": units.strip(), "activation": act.strip() or default_activation})
    return layers


def layers_from_rows(rows: list[Mapping[str, Any]]) -> tuple[LayerSpec, ...]:
    """The form's layer table ({units, activation} rows, cells possibly empty) as layers. A row whose units
    are empty is refused by name, not dropped: the table shows it, so the network must include it."""
    layers = []
    for i, row in enumerate(rows, 1):
        name, units = f"layer {i} units", row.get("units")
        try:
            number = float(units)
        except TypeError:  # None, or pandas' NA
            number = math.nan
        except ValueError:
            raise ConfigError(name, f"a whole number; got {units!r}") from None
        if math.isnan(number):
            raise ConfigError(name, f"empty; type a number from 1 to {MAX_UNITS:,} or delete the row")
        if not number.is_integer():
            raise ConfigError(name, f"a whole number; got {number:g}")
        layers.append(LayerSpec(int(number), str(row.get("activation") or NEW_LAYER.activation)))
    return tuple(layers)


def _layers_from(value: Any) -> tuple[LayerSpec, ...]:
    if not isinstance(value, (list, tuple)):
        raise ConfigError("layers", "expected a list of layers")
    if len(value) > MAX_LAYERS:
        raise ConfigError("layers", f"between 0 and {MAX_LAYERS} hidden layers, got {len(value)}")
    out = []
    for i, item in enumerate(value, 1):
        if isinstance(item, LayerSpec):
            out.append(item)
            continue
        if not isinstance(item, Mapping):
            raise ConfigError(f"layer {i}", "expected {units, activation}")
        units = _coerce(f"layer {i} units", item.get("units"), int)
        out.append(LayerSpec(units, str(item.get("activation", "relu"))))
    return tuple(out)


def _coerce(name: str, value: Any, kind: type) -> Any:
    if kind is str:
        if not isinstance(value, str):
            raise ConfigError(name, f"expected text, got {value!r}")
        return value
    try:
        if kind is int:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(value)
        return float(value)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(name, f"expected a number, got {value!r}") from None


def _choice(name: str, value: str, allowed: tuple[str, ...] | None) -> None:
    if allowed is None:  # open set (datasets are checked against the registry when loaded)
        if not value or not isinstance(value, str):
            raise ConfigError(name, "must not be empty")
        return
    if value not in allowed:
        raise ConfigError(name, f"one of {', '.join(allowed)}; got {value!r}")


def _int_range(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(name, f"a whole number from {low:,} to {high:,}; got {value!r}")


def _float_range(name: str, value: float, low: float, high: float, low_open: bool = False) -> None:
    ok = isinstance(value, (int, float)) and math.isfinite(value) and value <= high
    ok = ok and (value > low if low_open else value >= low)
    if not ok:
        bracket = "(" if low_open else "["
        raise ConfigError(name, f"a number in {bracket}{low:g}, {high:g}]; got {value!r}")
