"""Export a RunConfig as one self-contained, tutorial-style Keras script."""

from __future__ import annotations

from .config import RunConfig
from .data import DATASETS

TEMPLATE = '''"""{title}

Exported from MLP Studio. Plain Keras: load the data, normalize, build, compile, fit, evaluate.
Run:  python {filename} [--data path/to/{dataset}.npz] [--epochs N]
"""
import argparse
import os

import keras
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--data", help="an .npz with x_train, y_train, x_test, y_test (default: Keras download)")
parser.add_argument("--epochs", type=int, default={epochs})
args = parser.parse_args()

# 1. Data: 28x28 grayscale images with labels 0..{last_class}
if args.data or os.environ.get("MLP_DATA_DIR"):
    path = args.data or os.path.join(os.environ["MLP_DATA_DIR"], "{dataset}.npz")
    with np.load(path, allow_pickle=False) as f:
        (x_train, y_train), (x_test, y_test) = (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
else:
    (x_train, y_train), (x_test, y_test) = keras.datasets.{dataset}.load_data()
x_train = x_train.reshape(len(x_train), -1).astype("float32")  # flatten to rows of {n_inputs} pixels
x_test = x_test.reshape(len(x_test), -1).astype("float32")
class_names = {class_names!r}

# 2. Normalization: {norm_text}
{norm_code}
# 3. The network: {arch}
{init_code}model = keras.Sequential([
    keras.Input(({n_inputs},)),
{layer_code}])
model.summary()

# 4. Training setup
model.compile(
    optimizer={optimizer},
    loss=keras.losses.{loss}(reduction="{reduction}"),
    metrics=["accuracy"],
)
y_train_1hot = keras.utils.to_categorical(y_train, {n_classes})
y_test_1hot = keras.utils.to_categorical(y_test, {n_classes})

# 5. Train, watching {watch}
history = model.fit(x_train, y_train_1hot, batch_size={batch_size}, epochs=args.epochs,
                    {validation}, verbose=2)

# 6. Evaluate on the test set
test_loss, test_accuracy = model.evaluate(x_test, y_test_1hot, verbose=0)
print(f"test accuracy {{test_accuracy:.4f}}, test loss {{test_loss:.4f}}")
'''

NORMALIZATION = {
    "none": ("none: raw 0-255 pixels (a known pitfall)", ""),
    "unit": ("divide by 255 so pixels lie in [0, 1]", "x_train, x_test = x_train / 255.0, x_test / 255.0\n"),
    "zscore": (
        "z-score with one global mean and std of the training set",
        "mean, std = x_train.mean(), x_train.std()\nx_train, x_test = (x_train - mean) / std, (x_test - mean) / std\n",
    ),
}
INITS = {"glorot": '"glorot_uniform"', "he": '"he_normal"', "normal": "normal_init"}
OPTIMIZERS = {
    "sgd": "keras.optimizers.SGD(learning_rate={lr})",
    "momentum": "keras.optimizers.SGD(learning_rate={lr}, momentum={momentum})",
    "rmsprop": "keras.optimizers.RMSprop(learning_rate={lr})",
    "adam": "keras.optimizers.Adam(learning_rate={lr})",
}


def script(config: RunConfig, filename: str = "train_mlp.py") -> str:
    """The Python source of a script that reproduces `config` with plain Keras."""
    info = DATASETS.get(config.dataset)
    if info is None:
        raise ValueError(f"only the built-in datasets can be exported, not {config.dataset!r}")
    n_inputs, n_classes = 784, len(info.class_names)
    uses_normal = "normal" in (config.initializer, config.bias_initializer)
    init_code = (
        f"normal_init = keras.initializers.RandomNormal(mean=0.0, stddev={config.init_std!r})\n" if uses_normal else ""
    )
    kernel, bias = INITS[config.initializer], '"zeros"' if config.bias_initializer == "zeros" else "normal_init"
    reg = f", kernel_regularizer=keras.regularizers.L2({config.l2:g})" if config.l2 else ""
    lines = []
    for spec in config.layers:
        lines.append(
            f'    keras.layers.Dense({spec.units}, activation="{spec.activation}", '
            f"kernel_initializer={kernel}, bias_initializer={bias}{reg}),"
        )
        if config.dropout:
            lines.append(f"    keras.layers.Dropout({config.dropout:g}),")
    lines.append(
        f'    keras.layers.Dense({n_classes}, activation="{config.output}", '
        f"kernel_initializer={kernel}, bias_initializer={bias}{reg}),"
    )
    norm_text, norm_code = NORMALIZATION[config.normalization]
    if config.validation_fraction:
        validation, watch = f"validation_split={config.validation_fraction:g}", "a validation split"
    else:
        validation, watch = "validation_data=(x_test, y_test_1hot)", "the test set as the tutorials do"
    return TEMPLATE.format(
        title=f"Train an MLP on {info.title}: {config.describe()}",
        filename=filename,
        dataset=config.dataset,
        epochs=config.epochs,
        last_class=n_classes - 1,
        n_inputs=n_inputs,
        n_classes=n_classes,
        class_names=list(info.class_names),
        norm_text=norm_text,
        norm_code=norm_code,
        arch=config.architecture(n_inputs, n_classes),
        init_code=init_code,
        layer_code="\n".join(lines) + "\n",
        optimizer=OPTIMIZERS[config.optimizer].format(lr=f"{config.learning_rate:g}", momentum=f"{config.momentum:g}"),
        loss="CategoricalCrossentropy" if config.loss == "crossentropy" else "MeanSquaredError",
        reduction="sum" if config.reduction == "sum" else "sum_over_batch_size",
        batch_size=config.batch_size,
        validation=validation,
        watch=watch,
    )
