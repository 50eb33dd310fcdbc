"""How the Draw page's model reads digits written unlike MNIST's (mlp.handwriting: a European 1, a 7 with a
crossbar, a 9 with a straight stem, a 4 open at the top, thin pens and thick markers, small, tilted),
rendered from strokes and read through the canvas pipeline; and its MNIST test accuracy beside it.

The bundled model by default, or any .keras file. Prints a per-digit Markdown table for the README to
stderr; the last line printed is one JSON object.

    python -m benchmarks.bench_handwriting [--model PATH] [--per-style 80] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

from mlp import data, handwriting
from mlp.pretrained import PRETRAINED


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(PRETRAINED), help="a .keras model (default: the bundled one)")
    parser.add_argument("--per-style", type=int, default=80, help="writings of each style (default 80)")
    parser.add_argument("--quick", action="store_true", help="10 writings per style, the bundled MNIST sample")
    args = parser.parse_args()
    per_style = 10 if args.quick else args.per_style
    import keras

    model = keras.saving.load_model(args.model)
    predict = lambda x: np.asarray(model.predict(x.astype(np.float32), batch_size=1024, verbose=0)).argmax(1)
    x, y, styles = handwriting.writings(per_style, seed=0)
    right = predict(x) == y
    mnist = data.load_sample("mnist") if args.quick else data.load("mnist")
    mnist_accuracy = float((predict(mnist.x_test) == mnist.y_test).mean())
    names = np.asarray(styles)
    per_style_accuracy = {s: round(float(right[names == s].mean()), 4) for s in handwriting.STYLES}
    per_digit = {d: round(float(right[y == d].mean()), 4) for d in range(10)}
    print("| digit | " + " | ".join(map(str, range(10))) + " | all |", file=sys.stderr)
    print("|---" * 12 + "|", file=sys.stderr)
    cells = " | ".join(f"{per_digit[d]:.0%}" for d in range(10))
    print(f"| read right | {cells} | {right.mean():.1%} |", file=sys.stderr)
    print(
        json.dumps(
            {
                "benchmark": "handwriting",
                "quick": args.quick,
                "model": os.path.basename(args.model),
                "writings": len(y),
                "accuracy": round(float(right.mean()), 4),
                "per_digit": per_digit,
                "per_style": per_style_accuracy,
                "mnist_test_accuracy": round(mnist_accuracy, 4),
                "mnist_data": mnist.source,
            }
        )
    )


if __name__ == "__main__":
    main()
