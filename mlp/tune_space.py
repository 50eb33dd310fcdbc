"""What a sweep searches and what it may spend: SearchSpace, Budget and the whole Plan, checked before
anything trains (empty or inverted ranges, a log range reaching 0, a network past the parameter cap,
more trials than the grid or the time cap allows). No Optuna study here; only a trial's suggestions.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import limits
from .config import (
    ACTIVATIONS,
    MAX_BATCH,
    MAX_EPOCHS,
    MAX_LAYERS,
    MAX_UNITS,
    OPTIMIZERS,
    ConfigError,
    LayerSpec,
    RunConfig,
)
from .data import Dataset
from .estimate import SpeedModel, describe_seconds
from .mathutil import ceil_div

if TYPE_CHECKING:
    import optuna

SAMPLERS = ("grid", "random", "tpe")
MAX_TRIALS = 500
GRID_POINTS = 3  # values a grid takes from a numeric range: its ends and its (geometric) middle


# --- the search space -------------------------------------------------------------------------
@dataclass(frozen=True)
class SearchSpace:
    """What to search, over what. A range equal at both ends (or a single choice) is fixed, not searched.
    The units range is shared: every hidden layer of a trial has the same width and activation."""

    learning_rate: tuple[float, float] = (1e-4, 1e-1)  # searched on a log scale
    layers: tuple[int, int] = (1, 3)
    units: tuple[int, int] = (32, 256)  # log scale
    activation: tuple[str, ...] = ("relu",)
    optimizer: tuple[str, ...] = ("adam",)
    batch_size: tuple[int, ...] = (128,)
    dropout: tuple[float, float] = (0.0, 0.0)
    l2: tuple[float, float] = (0.0, 0.0)

    @classmethod
    def parse(
        cls,
        learning_rate: Any = "1e-4:1e-1",
        layers: Any = "1:3",
        units: Any = "32:256",
        activation: Any = "relu",
        optimizer: Any = "adam",
        batch_size: Any = "128",
        dropout: Any = "0",
        l2: Any = "0",
    ) -> SearchSpace:
        """From plain values: a range is 'low:high', one number, or a (low, high) pair; choices are
        'a,b' or a sequence. Raises ConfigError naming the setting and what is allowed."""
        return cls(
            learning_rate=_range("learning_rate", learning_rate, float, (0.0, 10.0), log=True),
            layers=_range("layers", layers, int, (0, MAX_LAYERS)),
            units=_range("units", units, int, (1, MAX_UNITS)),
            activation=_choices("activation", activation, str, ACTIVATIONS),
            optimizer=_choices("optimizer", optimizer, str, OPTIMIZERS),
            batch_size=_choices("batch_size", batch_size, int, None),
            dropout=_range("dropout", dropout, float, (0.0, 0.9)),
            l2=_range("l2", l2, float, (0.0, 1.0)),
        )

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SearchSpace:
        return cls.parse(**d)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: list(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def searched(self) -> dict[str, tuple]:
        """The dimensions that vary, by name (the others are fixed)."""
        return {name: value for name, value in self.to_dict().items() if _varies(value)}

    def validated(self, base: RunConfig, n_train: int, n_inputs: int = 784, n_classes: int = 10) -> SearchSpace:
        """Refuse a space with nothing to search, or whose corners this server would not train."""
        if not self.searched():
            raise ConfigError("search", "nothing to search: give at least one range or more than one choice")
        for batch in self.batch_size:
            if not 1 <= batch <= min(n_train, MAX_BATCH):
                raise ConfigError(
                    "batch_size", f"each a whole number from 1 to {min(n_train, MAX_BATCH):,}; got {batch}"
                )
        largest = self.config(base, self.corner(max))
        params = largest.parameter_count(n_inputs, n_classes)
        if params > limits.PARAMETERS.value:
            raise ConfigError(
                "units",
                f"the largest network in this space ({largest.architecture(n_inputs, n_classes)}) has {params:,} "
                f"parameters; this server allows at most {limits.PARAMETERS.describe()}. "
                "Narrow the layers or units range.",
            )
        largest.validated(n_train, n_inputs, n_classes)  # its memory, and the base's other settings
        self.config(base, self.corner(min)).validated(n_train, n_inputs, n_classes)
        return self

    def corner(self, pick: Callable) -> dict[str, Any]:
        """Every dimension at one end: pick=max gives the largest network with the largest batch."""
        return {name: pick(value) for name, value in self.to_dict().items()}

    def middle(self) -> dict[str, Any]:
        """A typical trial: the (geometric) middle of each range, the middle choice."""
        out = {}
        for name, value in self.to_dict().items():
            points = _grid_values(name, tuple(value)) if name in RANGES else sorted(value)
            out[name] = points[len(points) // 2]
        return out

    def grid(self) -> dict[str, list]:
        """The grid sampler's values of each searched dimension: every choice and every layer count, the
        ends and middle of the other ranges."""
        return {
            name: list(_grid_values(name, tuple(value))) if name in RANGES else list(value)
            for name, value in self.searched().items()
        }

    def suggest(self, trial: optuna.Trial) -> dict[str, Any]:
        """The trial's values of every dimension (searched ones asked of Optuna, fixed ones as they are)."""
        values = self.corner(min)
        for name, value in self.searched().items():
            if name in RANGES:
                suggest = trial.suggest_float if isinstance(value[0], float) else trial.suggest_int
                values[name] = suggest(name, value[0], value[1], log=name in LOG_SCALE)
            else:
                values[name] = trial.suggest_categorical(name, list(value))
        return values

    @staticmethod
    def config(base: RunConfig, values: Mapping[str, Any]) -> RunConfig:
        """The base configuration with a trial's values."""
        layers = tuple(LayerSpec(int(values["units"]), values["activation"]) for _ in range(int(values["layers"])))
        return base.replace(
            learning_rate=float(values["learning_rate"]),
            layers=layers,
            optimizer=values["optimizer"],
            batch_size=int(values["batch_size"]),
            dropout=float(values["dropout"]),
            l2=float(values["l2"]),
        )

    def describe(self) -> str:
        """'learning_rate 0.0001:0.1, layers 1:3, …, optimizer adam,sgd, dropout 0' (the form the CLI takes)."""
        parts = []
        for name, value in self.to_dict().items():
            shown = [v if isinstance(v, str) else f"{v:g}" for v in dict.fromkeys(value)]
            parts.append(f"{name} {(':' if name in RANGES else ',').join(shown)}")
        return ", ".join(parts)


RANGES = ("learning_rate", "layers", "units", "dropout", "l2")
LOG_SCALE = ("learning_rate", "units")


def _varies(value: Sequence) -> bool:
    return len(set(value)) > 1


def _grid_values(name: str, value: tuple) -> tuple:
    low, high = value
    if low == high:
        return (low,)
    if name == "layers":
        return tuple(range(low, high + 1))
    middle = math.sqrt(low * high) if name in LOG_SCALE else (low + high) / 2
    points = (low, round(middle) if isinstance(low, int) else middle, high)
    return tuple(dict.fromkeys(points))[:GRID_POINTS]


def _number(name: str, text: Any, kind: type) -> float | int:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ConfigError(name, f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise ConfigError(name, f"expected a finite number, got {text!r}")
    if kind is int:
        if not value.is_integer():
            raise ConfigError(name, f"expected a whole number, got {text!r}")
        return int(value)
    return value


def _range(name: str, value: Any, kind: type, bounds: tuple[float, float], log: bool = False) -> tuple:
    example = "1e-4:1e-1" if log else f"{bounds[0]:g}:{bounds[1]:g}"
    parts = value.split(":") if isinstance(value, str) else list(value) if isinstance(value, Sequence) else [value]
    parts = [p.strip() if isinstance(p, str) else p for p in parts]
    if not parts or any(p == "" or p is None for p in parts):
        raise ConfigError(name, f"give a range low:high or one value, e.g. {example}")
    if len(parts) > 2:
        raise ConfigError(name, f"a range has two ends, low:high (e.g. {example}); got {value!r}")
    low, high = (_number(name, p, kind) for p in (parts * 2)[:2])
    if low > high:
        raise ConfigError(name, f"the range {low:g}:{high:g} is inverted; write the smaller value first")
    if log and low <= 0:
        raise ConfigError(
            name, f"searched on a log scale, so the range must stay above 0 (e.g. {example}); got {low:g}"
        )
    lo, hi = bounds
    if low < lo or high > hi:
        raise ConfigError(name, f"a range within {lo:g}:{hi:g}; got {low:g}:{high:g}")
    return (low, high)


def _choices(name: str, value: Any, kind: type, allowed: tuple[str, ...] | None) -> tuple:
    items = value.split(",") if isinstance(value, str) else list(value) if isinstance(value, Sequence) else [value]
    items = [i.strip() if isinstance(i, str) else i for i in items]
    items = [i for i in items if i not in ("", None)]
    if not items:
        hint = f"one or more of {', '.join(allowed)}" if allowed else "one or more values, e.g. 64,128"
        raise ConfigError(name, f"choose {hint}")
    if kind is int:
        items = [_number(name, i, int) for i in items]
    for item in items:
        if allowed is not None and item not in allowed:
            raise ConfigError(name, f"each one of {', '.join(allowed)}; got {item!r}")
    return tuple(dict.fromkeys(items))


# --- the budget and the whole plan ------------------------------------------------------------
@dataclass(frozen=True)
class Budget:
    """How much a sweep may spend: trials, epochs per trial, and a total time cap in seconds."""

    trials: int = 10
    epochs: int = 3
    seconds: float = 600.0

    def validated(self) -> Budget:
        for name, value, high in (("trials", self.trials, MAX_TRIALS), ("epochs", self.epochs, MAX_EPOCHS)):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
                raise ConfigError(name, f"a whole number from 1 to {high:,}; got {value!r}")
        cap = limits.SWEEP_SECONDS.value
        if not isinstance(self.seconds, (int, float)) or not 1 <= self.seconds <= cap:
            raise ConfigError("time cap", f"from 1 s to {limits.SWEEP_SECONDS.describe()}; got {self.seconds!r}")
        return self


@dataclass(frozen=True)
class Plan:
    """Everything that defines a sweep; stored in its study so it can be resumed by name."""

    space: SearchSpace
    budget: Budget
    base: RunConfig  # everything not searched (the Train page's settings); must hold a validation split
    sampler: str = "tpe"
    pruning: bool = True

    def validated(self, data: Dataset, speed: SpeedModel | None = None, slots: int = 1) -> Plan:
        """Check the plan against the data, this server's limits and (with `speed`) the time cap."""
        if self.sampler not in SAMPLERS:
            raise ConfigError("sampler", f"one of {', '.join(SAMPLERS)}; got {self.sampler!r}")
        self.budget.validated()
        if not self.base.validation_fraction > 0:
            raise ConfigError(
                "validation_fraction",
                "a sweep needs a validation split (e.g. 0.1): trials are compared on validation data, so the "
                "test set stays unseen until the best trial is chosen",
            )
        base = self.base.replace(epochs=self.budget.epochs)
        self.space.validated(base, self.n_fit(data), data.n_features, data.n_classes)
        if self.sampler == "grid":
            size = math.prod(len(v) for v in self.space.grid().values())
            if self.budget.trials > size:
                raise ConfigError(
                    "trials",
                    f"the grid has {size} combinations and tries each once: ask for at most {size} trials, "
                    "or widen the space, or use random or TPE",
                )
        if speed is not None:
            self._check_time(data, speed, slots)
        return self

    def n_fit(self, data: Dataset) -> int:
        return int(len(data.x_train) * (1 - self.base.validation_fraction))

    def trial_seconds(self, data: Dataset, speed: SpeedModel) -> float:
        """A typical trial's time on this server (the middle of the space)."""
        typical = self.trial_config(self.space.middle())
        return speed.training_seconds(typical, len(data.x_train), data.n_features, data.n_classes)

    def _check_time(self, data: Dataset, speed: SpeedModel, slots: int) -> None:
        each = self.trial_seconds(data, speed)
        total = ceil_div(self.budget.trials, slots) * each
        if total > self.budget.seconds:
            fits = int(self.budget.seconds // each) * slots
            raise ConfigError(
                "trials",
                f"{self.budget.trials} trials of {self.budget.epochs} epoch(s) take {describe_seconds(total)} here "
                f"({describe_seconds(each)} each, {slots} at a time); the time cap of "
                f"{describe_seconds(self.budget.seconds).removeprefix('about ')} fits about {fits}. "
                "Ask for fewer trials or epochs, or a longer time cap.",
            )

    def trial_config(self, values: Mapping[str, Any]) -> RunConfig:
        return self.space.config(self.base.replace(epochs=self.budget.epochs), values)

    def to_dict(self) -> dict[str, Any]:
        return {
            "space": self.space.to_dict(),
            "budget": dataclasses.asdict(self.budget),
            "base": self.base.to_dict(),
            "sampler": self.sampler,
            "pruning": self.pruning,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Plan:
        return cls(
            SearchSpace.from_dict(d["space"]),
            Budget(**d["budget"]),
            RunConfig.from_dict(d["base"]),
            d["sampler"],
            d["pruning"],
        )
