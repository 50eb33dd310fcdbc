"""benchmarks/bench_canvas.py and bench_inside.py run and end with one JSON object (no timing assertions)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

KEYS = {
    "benchmark",
    "n",
    "p50_ms",
    "p95_ms",
    "preprocess_p50_ms",
    "inference_p50_ms",
    "target_p95_ms",
    "meets_target",
    "accuracy",
}


def test_bench_canvas_quick_prints_json_last():
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_canvas", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result.keys() >= KEYS
    assert result["benchmark"] == "canvas" and result["n"] == 50
    assert 0 < result["p50_ms"] <= result["p95_ms"]


def test_bench_inside_quick_prints_json_last():
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_inside", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["benchmark"] == "inside" and result["n"] == 20
    assert set(result["parts_ms"]) == {"preprocess", "probabilities", "activations", "saliency"}
    assert 0 < result["p50_ms"] <= result["p95_ms"] and "meets_target" in result
