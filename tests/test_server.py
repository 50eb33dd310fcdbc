"""The real server under faults and load, driven through Streamlit's agent API on 127.0.0.1."""

import json
import subprocess
import sys
import time

import pytest
from live_server import ROOT, AgentSession, LiveServer

from mlp.runs import RunStore

pytestmark = pytest.mark.server


def wait_for(predicate, timeout=180, every=0.5):
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return True
        time.sleep(every)
    return False


def test_killed_server_keeps_finished_runs_and_marks_the_interrupted_one(tmp_path):
    runs = tmp_path / "runs"
    server = LiveServer(runs, agent_api=True)
    try:
        done = AgentSession(server.url, query={"v": 1, "epochs": 1, "layers": "16:relu"})
        done.click("train")
        assert wait_for(lambda: done.refresh() and done.has_text("Finished 1 epochs"))
        long = AgentSession(server.url, query={"v": 1, "epochs": 200, "batch_size": 16})
        long.click("train")
        store = RunStore(runs)
        assert wait_for(lambda: any(r.state == "running" and r.history for r in store.list()))
    finally:
        server.kill()
    server = LiveServer(runs, agent_api=True)
    try:
        by_state = {r.state: r for r in RunStore(runs).list()}
        assert set(by_state) == {"completed", "interrupted"}
        assert by_state["completed"].has_model and len(by_state["completed"].history) == 1
        assert len(by_state["interrupted"].history) >= 1
        page = AgentSession(server.url, page="runs")
        assert not page.errored
        assert "interrupted" in json.dumps(page.result["tree"]) or page.has_text("interrupted")
    finally:
        server.stop()


def test_refresh_reattaches_to_the_running_training(tmp_path):
    server = LiveServer(tmp_path / "runs", agent_api=True)
    try:
        first = AgentSession(server.url, query={"v": 1, "epochs": 100, "batch_size": 16})
        first.click("train")
        job = first.result["query_params"]["job"][0]
        # a refresh is a new session opening the same URL
        again = AgentSession(server.url, query={"v": 1, "epochs": 100, "batch_size": 16, "job": job})
        assert wait_for(lambda: again.refresh() and again.has_text("Epoch "), timeout=120)
        other = AgentSession(server.url, query={"v": 1, "epochs": 100, "batch_size": 16})
        assert not other.has_text("Epoch ") and not other.has_text("Waiting for a free trainer")
        again.click("stop")
        assert wait_for(lambda: first.refresh() and first.has_text("Stopped "), timeout=60)
    finally:
        server.stop()


@pytest.mark.slow
def test_thirty_sessions_three_trainings(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.bench_load",
            "--sessions",
            "30",
            "--trainers",
            "3",
            "--epochs",
            "2",
            "--limit",
            "1200",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps(result))
    (ROOT / "artifacts").mkdir(exist_ok=True)
    (ROOT / "artifacts" / "load.json").write_text(json.dumps(result, indent=1))
    assert result["errors"] == 0
    assert result["trainings_completed"] == 3
    assert result["isolation_violations"] == 0
    assert result["interactions"] > 30
    assert result["rss_max_mb"] < 4096


def test_first_request_of_a_fresh_server_for_a_page_gets_the_app_shell(tmp_path):
    """Streamlit's legacy pages/ discovery would run pages/draw.py alone here; the shell must wrap it."""
    server = LiveServer(tmp_path / "runs", agent_api=True)
    try:
        first = AgentSession(server.url, page="draw")
        assert [p["title"] for p in first.result["pages"]] == ["Train", "Tune", "Draw", "Runs", "Class", "About"]
        assert first.has_text("Draw a digit") and not first.errored
        assert any(a["key"] == "present" for a in first.result["actions"])  # the shell's presenter toggle
    finally:
        server.stop()
