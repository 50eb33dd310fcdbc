"""Classroom load: N real sessions on one server (Streamlit's agent API on 127.0.0.1), a few training
while the others browse the Train, Draw, Runs and About pages. Bounded in time; stops by itself.

Prints one JSON object as its last line: interaction p50/p95 while trainings run, queue waits,
server RSS, errors and isolation violations (a session seeing another session's training).
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from tests.live_server import AgentSession, LiveServer

OTHER_SESSIONS_TRAINING = ("Waiting for a free trainer", "Finished ", "Results on the test set", "Stopped ")


def trainer(server: LiveServer, epochs: int, deadline: float, out: dict) -> None:
    s = AgentSession(server.url, query={"v": 1, "epochs": epochs})
    s.click("train")
    clicked, started = time.perf_counter(), None
    while time.time() < deadline:
        time.sleep(1.0)
        s.refresh()
        if started is None and not s.has_text("Waiting for a free trainer"):
            started = time.perf_counter()
        if s.has_text("Finished ") or s.has_text("Stopped ") or s.has_text("Diverged"):
            break
    out.update(
        done=s.has_text("Finished "),
        queue_wait=(started or time.perf_counter()) - clicked,
        seconds=time.perf_counter() - clicked,
        job=s.result["query_params"].get("job", [None])[0],
        errors=int(s.errored),
        latencies=s.latencies,
    )


def browser(
    server: LiveServer, training_done: threading.Event, deadline: float, seed: int, think: float, out: dict
) -> None:
    """A student clicking around: a page or a form change every 1..`think` seconds."""
    rng = random.Random(seed)
    s = AgentSession(server.url, page=rng.choice(["", "draw", "runs", "about"]) or None)
    s.latencies.clear()  # count interactions, not the session's creation
    errors, violations = 0, 0
    actions = [lambda: s.goto(""), lambda: s.goto("draw"), lambda: s.goto("runs"), lambda: s.goto("about")]
    while not training_done.is_set() and time.time() < deadline:
        try:
            rng.choice(actions)()
            if s.result["page"]["url_path"] == "":  # on the Train page: edit the form too
                s.set(**{"opt_0": rng.choice(["sgd", "adam", "rmsprop"]), "epochs_0": rng.randint(1, 20)})
        except RuntimeError:
            errors += 1
            continue
        errors += int(s.errored)
        if s.result["page"]["url_path"] == "" and any(s.has_text(t) for t in OTHER_SESSIONS_TRAINING):
            violations += 1
        time.sleep(rng.uniform(1.0, think))
    out.update(latencies=s.latencies, errors=errors, violations=violations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--trainers", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--think", type=float, default=4.0, help="a student acts every 1..THINK seconds")
    parser.add_argument("--limit", type=float, default=900, help="seconds before it gives up")
    parser.add_argument("--quick", action="store_true", help="8 sessions, 2 trainers, 1 epoch")
    args = parser.parse_args()
    if args.quick:
        args.sessions, args.trainers, args.epochs = 8, 2, 1
    deadline = time.time() + args.limit
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(Path(tmp) / "runs", agent_api=True)
        rss, stop_sampling = [], threading.Event()

        def sample_rss():
            while not stop_sampling.is_set():
                rss.append(server.rss_mb())
                time.sleep(0.5)

        threading.Thread(target=sample_rss, daemon=True).start()
        training_done = threading.Event()
        trainers = [{} for _ in range(args.trainers)]
        browsers = [{} for _ in range(args.sessions - args.trainers)]
        started = time.perf_counter()
        try:
            with ThreadPoolExecutor(max_workers=args.sessions) as pool:
                futures = [pool.submit(trainer, server, args.epochs, deadline, out) for out in trainers]
                futures += [
                    pool.submit(browser, server, training_done, deadline, i, args.think, out)
                    for i, out in enumerate(browsers)
                ]
                for f in futures[: args.trainers]:
                    f.result()
                training_done.set()
                for f in futures:
                    f.result()
        finally:
            stop_sampling.set()
            server.stop()
    lat = np.array([x for b in browsers for x in b.get("latencies", [])]) * 1000
    jobs = [t.get("job") for t in trainers]
    result = {
        "sessions": args.sessions,
        "trainers": args.trainers,
        "epochs": args.epochs,
        "think_s": [1.0, args.think],
        "interactions": int(lat.size),
        "interaction_p50_ms": round(float(np.percentile(lat, 50)), 1) if lat.size else None,
        "interaction_p95_ms": round(float(np.percentile(lat, 95)), 1) if lat.size else None,
        "trainings_completed": sum(bool(t.get("done")) for t in trainers),
        "queue_wait_s": [round(t.get("queue_wait", -1), 1) for t in trainers],
        "training_s": [round(t.get("seconds", -1), 1) for t in trainers],
        "errors": sum(b.get("errors", 1) for b in browsers) + sum(t.get("errors", 1) for t in trainers),
        "isolation_violations": sum(b.get("violations", 0) for b in browsers) + (len(set(jobs)) != len(jobs)),
        "rss_max_mb": round(max(rss), 0) if rss else None,
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
