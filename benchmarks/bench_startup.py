"""Cold start: how long until the landing page has rendered in a browser, and is TensorFlow loaded by then?

Starts `streamlit run app.py` on a free 127.0.0.1 port, opens it in headless Chromium (Playwright,
Debian's /usr/bin/chromium) and waits for the Train page's title and Train button. Reports the time
from launching the server to its health check answering, from opening the page to the page having
rendered, and from launch to rendered; and whether the server process had TensorFlow's shared
libraries mapped (/proc/PID/maps) at the moment the page had rendered (it must not: the dashboard
paints first and imports TensorFlow afterwards). A second page load on the warm server is timed too.
The last line printed is one JSON object.

    python -m benchmarks.bench_startup [--repeats 3] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.live_server import CHROMIUM, CHROMIUM_ARGS, LiveServer

ROOT = Path(__file__).resolve().parents[1]

TITLE = "Train a multilayer perceptron"  # the landing (Train) page's heading
RENDER_TIMEOUT_MS = 60_000


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def tensorflow_loaded(pid: int) -> bool:
    """Has the process mapped TensorFlow's native libraries (i.e. imported tensorflow)?"""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False
    return "libtensorflow" in maps or "_pywrap_tensorflow" in maps


def render(browser, url: str) -> float:
    """Seconds from opening the page to the Train page's title and Train button being visible."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.get_by_role("heading", name=TITLE).wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
        page.get_by_role("button", name="Train", exact=True).first.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
        return time.perf_counter() - start
    finally:
        context.close()


def one_start(browser, workdir: Path) -> dict:
    launched = time.perf_counter()
    server = LiveServer(workdir / "runs", poll=0.05)
    try:
        healthy = time.perf_counter() - launched
        first = render(browser, server.url)
        total = time.perf_counter() - launched
        tf_at_render = tensorflow_loaded(server.proc.pid)
        second = render(browser, server.url)
        return {
            "server_ready_s": healthy,
            "first_render_s": first,
            "launch_to_render_s": total,
            "warm_render_s": second,
            "tensorflow_loaded_at_render": tf_at_render,
        }
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="server starts (default 3)")
    parser.add_argument("--quick", action="store_true", help="one server start (CI)")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    if not (ROOT / "app.py").is_file():
        raise SystemExit(f"{ROOT / 'app.py'} not found")
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"{CHROMIUM} not found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    starts = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for i in range(repeats):
                run = one_start(browser, Path(tmp))
                starts.append(run)
                log(
                    f"start {i + 1}: server ready {run['server_ready_s']:.2f}s, first render "
                    f"{run['first_render_s']:.2f}s, launch to render {run['launch_to_render_s']:.2f}s, warm render "
                    f"{run['warm_render_s']:.2f}s, TensorFlow loaded at render: {run['tensorflow_loaded_at_render']}"
                )
        finally:
            browser.close()

    def median(key: str) -> float:
        return round(statistics.median(r[key] for r in starts), 3)

    tf_loaded = any(r["tensorflow_loaded_at_render"] for r in starts)
    result = {
        "benchmark": "startup",
        "quick": args.quick,
        "repeats": repeats,
        "server_ready_s": median("server_ready_s"),
        "first_render_s": median("first_render_s"),
        "launch_to_render_s": median("launch_to_render_s"),
        "warm_render_s": median("warm_render_s"),
        "tensorflow_loaded_at_render": tf_loaded,
        "starts": [{k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()} for r in starts],
        "targets_met": {"no_tensorflow_at_render": not tf_loaded},
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
