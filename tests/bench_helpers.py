"""Running a benchmark the way CI does: `python -m benchmarks.NAME --quick`, its last line read as JSON."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_quick(script: str, *args: str, timeout: float = 240) -> dict:
    env = {**os.environ, "MLP_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{script.removesuffix('.py')}", "--quick", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])
