"""Named starting points, each a lesson from the classic MLP tutorials."""

from __future__ import annotations

from .config import LayerSpec, RunConfig

_RELU_128_128 = (LayerSpec(128, "relu"), LayerSpec(128, "relu"))

PRESETS: dict[str, tuple[str, RunConfig]] = {
    "default": (
        "Keras Sequential 784-128-128-10, relu, Adam: the tutorial baseline (~98% on MNIST).",
        RunConfig(),
    ),
    "keras-sgd-zscore": (
        "Plain SGD on z-scored pixels (one global mean and std).",
        RunConfig(normalization="zscore", optimizer="sgd", learning_rate=0.01, batch_size=32, epochs=3),
    ),
    "raw-pixels-pitfall": (
        "The same kind of net on raw 0-255 pixels: watch what missing normalization does.",
        RunConfig(normalization="none", layers=(LayerSpec(128, "relu"),), epochs=3),
    ),
    "scratch-gd": (
        "From scratch: tf.Variable weights and biases from N(0,1), plain gradient descent.",
        RunConfig(
            engine="scratch",
            layers=_RELU_128_128,
            initializer="normal",
            bias_initializer="normal",
            optimizer="sgd",
            learning_rate=3e-3,
            batch_size=120,
            epochs=5,
        ),
    ),
    "fashion-small": (
        "Fashion-MNIST with one small hidden layer of 50 units.",
        RunConfig(
            dataset="fashion_mnist",
            layers=(LayerSpec(50, "relu"),),
            optimizer="adam",
            learning_rate=0.01,
            batch_size=64,
            epochs=20,
        ),
    ),
    "sigmoid-deep": (
        "From scratch: sigmoid 128-256, N(0, 0.05²) weights (tf.initializers.RandomNormal()), SGD on a summed "
        "cross-entropy (3000 steps).",
        RunConfig(
            engine="scratch",
            layers=(LayerSpec(128, "sigmoid"), LayerSpec(256, "sigmoid")),
            initializer="normal",
            bias_initializer="zeros",
            init_std=0.05,
            optimizer="sgd",
            learning_rate=0.001,
            reduction="sum",
            batch_size=256,
            epochs=13,
        ),
    ),
}


def preset_of(config: RunConfig) -> str | None:
    """The name of the preset whose settings equal `config` (every field), else None."""
    return next((name for name, (_, settings) in PRESETS.items() if settings == config), None)


def label(config: RunConfig) -> str:
    """config.describe(), led by the preset's name when the settings are exactly a preset's."""
    name = preset_of(config)
    return f"{name}: {config.describe()}" if name else config.describe()


def preset(name: str) -> RunConfig:
    """The named preset's config; KeyError lists the valid names."""
    try:
        return PRESETS[name][1]
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}") from None
