"""Browser fixtures: a real `streamlit run app.py` server and a headless Chromium page.

Debian's Chromium is used (/usr/bin/chromium); Playwright's own browser download is not needed.
Every test under tests/browser is marked `browser`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from live_server import CHROMIUM, CHROMIUM_ARGS, LiveServer

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """Base URL of `streamlit run app.py` started from the repo root (offline, a temporary run store)."""
    server = LiveServer(tmp_path_factory.mktemp("server") / "runs")
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not found")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page (its own context: no shared session state), 1400x1000."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """artifacts/screenshots/ (gitignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
