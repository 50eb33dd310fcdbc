"""A school day compressed: does memory stay flat over hundreds of trainings?

mode `jobs`: N one-epoch trainings submitted to one `JobManager` (as the server does), in turn by
30 owners (sessions), two at a time; after each finishes its model is opened as the Train page does.
RSS is sampled after every training.

mode `server`: the real `streamlit run app.py` (agent API on 127.0.0.1); S sessions take turns
pressing Train (T trainings in all) while the others browse; RSS of the server after every finished
training, and the latency of every interaction.

Targets: RSS growth <= 2 MB per training after the first ten (least-squares slope), <= 300 MB over
the whole run; server mode also p95 interaction <= 2 s. Small networks on the full MNIST when
MLP_DATA_DIR is set, else the bundled sample. The last line printed is one JSON object.

    python -m benchmarks.bench_soak --mode jobs [--trainings 150] [--quick]
    python -m benchmarks.bench_soak --mode server [--sessions 30] [--trainings 300] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from mlp import data
from mlp.config import LayerSpec, RunConfig
from tests.live_server import rss_mb

TARGET_SLOPE_MB = 2.0
TARGET_GROWTH_MB = 300.0
TARGET_P95_S = 2.0
# a student glances at the running training every 2-4 s. An agent-API look is a whole run of the page,
# heavier than the browser's own refresh of the live view (a fragment, twice a second, far cheaper).
LOOK_EVERY = (2.0, 4.0)
CONFIGS = (  # cycled through, a new seed each time: both engines, a few shapes, as a class would
    RunConfig(layers=(LayerSpec(32),), epochs=1),
    RunConfig(layers=(LayerSpec(64, "tanh"),), epochs=1, engine="scratch"),
    RunConfig(layers=(LayerSpec(32), LayerSpec(32)), epochs=1, optimizer="sgd", learning_rate=0.1),
    RunConfig(layers=(LayerSpec(48),), epochs=1, engine="scratch", optimizer="momentum", learning_rate=0.05),
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def growth(rss: list[float], skip: int = 10) -> dict:
    """Least-squares MB per training after the first `skip`, and the whole run's growth."""
    tail = rss[skip:] if len(rss) > skip + 2 else rss
    slope = float(np.polyfit(np.arange(len(tail)), tail, 1)[0]) if len(tail) > 1 else 0.0
    return {
        "slope_mb_per_training": round(slope, 3),
        "growth_mb": round(rss[-1] - rss[0], 1),
        "peak_mb": round(max(rss), 1),
        "rss_curve_mb": [round(r, 1) for r in rss],
    }


def soak_jobs(trainings: int, ds: data.Dataset, owners: int = 30) -> dict:
    from mlp.jobs import JobManager
    from mlp.runs import RunStore

    manager = JobManager(max_parallel=2, store=RunStore(tempfile.mkdtemp(prefix="soak-runs-")))
    rss, states, start = [], {}, time.perf_counter()
    pending = []
    for i in range(trainings):
        config = CONFIGS[i % len(CONFIGS)].replace(seed=i)
        pending.append(manager.submit(config, ds, owner=f"session-{i % owners}", pool_seed=i))
        if len(pending) == 2 or i == trainings - 1:
            for job in pending:
                while job.snapshot().active:
                    time.sleep(0.02)
                states[job.snapshot().state] = states.get(job.snapshot().state, 0) + 1
                job.model  # noqa: B018 (the Train page opens the finished model for its analysis)
                rss.append(rss_mb())
            pending = []
            log(f"{i + 1:>4} trainings  RSS {rss[-1]:7.1f} MB  jobs held {len(manager.jobs)}")
    return {
        "states": states,
        "jobs_held": len(manager.jobs),
        "seconds": round(time.perf_counter() - start, 1),
        **growth(rss),
    }


def soak_server(sessions: int, trainings: int) -> dict:
    """Every session in its own thread: press Train, watch it to the end, browse a page or two, again;
    the server's cap of 2 queues the rest, as in a lesson."""
    from tests.live_server import AgentSession, LiveServer

    folder = Path(tempfile.mkdtemp(prefix="soak-server-"))
    server = LiveServer(folder / "runs", agent_api=True, env={"MLP_MAX_TRAININGS": "2"})
    lock, rss, errors, people = threading.Lock(), [], [], []
    per_session = [trainings // sessions + (i < trainings % sessions) for i in range(sessions)]
    start = time.perf_counter()

    def student(i: int) -> None:
        rng = random.Random(i)
        try:
            me = AgentSession(server.url, query={"v": "1", "epochs": "1", "layers": f"{rng.choice([16, 32, 64])}:relu"})
            people.append(me)
            for _ in range(per_session[i]):
                if me.result["page"]["url_path"] != "":
                    me.goto("")
                me.click("train")
                end = time.time() + 300
                while time.time() < end and not _finished(me.refresh()):
                    time.sleep(rng.uniform(*LOOK_EVERY))
                with lock:
                    rss.append(server.rss_mb())
                    if len(rss) % 10 == 0:
                        log(f"{len(rss):>4} trainings  server RSS {rss[-1]:7.1f} MB")
                for _ in range(rng.randint(0, 2)):  # look at another page meanwhile
                    me.goto(rng.choice(["draw", "runs", "about"]))
                    time.sleep(rng.uniform(1, 4))
        except (RuntimeError, OSError) as exc:
            with lock:
                errors.append(f"session {i}: {exc}")

    try:
        with ThreadPoolExecutor(sessions) as pool:
            list(pool.map(student, range(sessions)))
    finally:
        server.stop()
    latencies = [t for p in people for t in p.latencies]
    return {
        "sessions": sessions,
        "errors": len(errors),
        "error_samples": errors[:3],
        "interactions": len(latencies),
        "p50_s": round(float(np.percentile(latencies, 50)), 3) if latencies else None,
        "p95_s": round(float(np.percentile(latencies, 95)), 3) if latencies else None,
        "seconds": round(time.perf_counter() - start, 1),
        **growth(rss),
    }


def _finished(snapshot: dict) -> bool:
    text = json.dumps(snapshot)
    return "Finished" in text or "Stopped " in text or "Diverged" in text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=("jobs", "server"), default="jobs")
    parser.add_argument("--trainings", type=int)
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="a few trainings on the bundled sample")
    args = parser.parse_args()
    trainings = args.trainings or (14 if args.quick else {"jobs": 150, "server": 300}[args.mode])
    if args.mode == "jobs":
        ds = data.load_sample("mnist") if args.quick else data.load("mnist", download=False)
        log(f"data: {ds.describe()}")
        result = soak_jobs(trainings, ds)
    else:
        result = soak_server(min(args.sessions, 4) if args.quick else args.sessions, trainings)
    ok = result["slope_mb_per_training"] <= TARGET_SLOPE_MB and result["growth_mb"] <= TARGET_GROWTH_MB
    if args.mode == "server":
        ok = ok and result["errors"] == 0 and (result["p95_s"] or 0) <= TARGET_P95_S
    result = {"benchmark": "soak", "mode": args.mode, "trainings": trainings, "quick": args.quick, **result}
    result["targets"] = {"slope_mb": TARGET_SLOPE_MB, "growth_mb": TARGET_GROWTH_MB, "p95_s": TARGET_P95_S, "met": ok}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
