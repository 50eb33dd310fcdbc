"""Make docs/screenshot.png, the README's picture: the Train page in mid-run at 1200x900 in Chromium.

A fresh `streamlit run app.py` (full MNIST when MLP_DATA_DIR is set); the picture is taken while
epoch 2 of 8 runs, so the curves start at epoch 0 and the grid still has a few mistakes (✗).

    python -m docs.screenshot
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.live_server import CHROMIUM, CHROMIUM_ARGS, LiveServer

OUT = Path(__file__).with_name("screenshot.png")
MISTAKES = """() => [...document.querySelectorAll('.st-key-grid .annotation-text')]
    .some(t => t.textContent.startsWith('✗'))"""


def main() -> None:
    from playwright.sync_api import sync_playwright

    server = LiveServer(Path(tempfile.mkdtemp()) / "runs")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.set_default_timeout(120_000)
            page.goto(f"{server.url}/?v=1&epochs=8&batch_size=64&optimizer=sgd&learning_rate=0.01")
            page.get_by_role("button", name="Train").click()
            page.get_by_text("Epoch 2 of 8").wait_for()
            page.wait_for_function(MISTAKES)
            page.wait_for_timeout(700)  # the grid's refresh within the epoch
            page.screenshot(path=OUT)
            browser.close()
    finally:
        server.stop()
    print(OUT)


if __name__ == "__main__":
    main()
