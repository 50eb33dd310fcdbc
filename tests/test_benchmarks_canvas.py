"""benchmarks/bench_canvas.py and bench_inside.py run and end with one JSON object (no timing assertions)."""

from bench_helpers import run_quick

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
    result = run_quick("bench_canvas.py", timeout=120)
    assert result.keys() >= KEYS
    assert result["benchmark"] == "canvas" and result["n"] == 50
    assert 0 < result["p50_ms"] <= result["p95_ms"]


def test_bench_inside_quick_prints_json_last():
    result = run_quick("bench_inside.py", timeout=120)
    assert result["benchmark"] == "inside" and result["n"] == 20
    assert set(result["parts_ms"]) == {"preprocess", "probabilities", "activations", "saliency"}
    assert 0 < result["p50_ms"] <= result["p95_ms"] and "meets_target" in result
