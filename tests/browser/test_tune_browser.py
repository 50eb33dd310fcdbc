"""The Tune page in a real Chromium: a 6-trial sweep whose history and parallel-coordinates charts fill in
as trials finish, on a 1366x768 laptop and a 1920x1080 projector."""

HISTORY, PARALLEL = ".st-key-tune_history", ".st-key-tune_parallel"
POINTS = """sel => { const t = document.querySelector(sel + ' .scatterlayer .trace');
    return t ? t.querySelectorAll('.points path').length : 0; }"""
FINISHED = """() => { const p = document.querySelector('[data-testid="stProgress"]');
    const m = p && p.innerText.match(/(\\d+) of 6 trials finished/); return m ? +m[1] : null; }"""


WATCH = f"""() => {{  // every 50 ms: the fewest trials finished at a moment the history already had a point
    window.midSweep = null;
    setInterval(() => {{
        const n = ({FINISHED})();
        if (n !== null && ({POINTS})('{HISTORY}') >= 1) window.midSweep = Math.min(window.midSweep ?? n, n);
    }}, 50);
}}"""


def start_sweep(page, url: str) -> None:
    page.goto(url)
    page.get_by_role("heading", name="Tune the hyperparameters").wait_for()
    for label, value in (("Trials", "6"), ("Epochs per trial", "1")):
        field = page.get_by_label(label, exact=True)
        field.fill(value)
        field.press("Enter")
        page.wait_for_timeout(400)
    page.evaluate(WATCH)
    page.get_by_role("button", name="Start").click()


def test_a_sweep_fills_its_charts_as_trials_finish(page, app_url, screenshots):
    page.set_viewport_size({"width": 1366, "height": 768})
    start_sweep(page, f"{app_url}/tune")
    page.wait_for_function("() => window.midSweep !== null", timeout=180_000)
    page.locator(HISTORY).scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "tune_running_1366x768.png")
    page.get_by_text("Best: trial").wait_for(timeout=300_000)
    assert "Test accuracy of trial" in page.get_by_text("Best: trial").inner_text()
    assert page.evaluate("window.midSweep") < 6  # the history had points while trials were still running
    page.locator(HISTORY).locator(".main-svg").first.wait_for(timeout=30_000)
    page.locator(PARALLEL).locator(".main-svg").first.wait_for(timeout=30_000)  # redrawn after the end
    page.wait_for_function(  # every trial in the table (a header row and 6), pruned ones included
        """() => document.querySelector('[data-testid="stDataFrame"] [role="grid"]')
            ?.getAttribute('aria-rowcount') === '7'""",
        timeout=30_000,
    )
    page.screenshot(path=screenshots / "tune_done_1366x768.png", full_page=True)


def test_the_sweep_on_a_projector(page, app_url, screenshots):
    page.set_viewport_size({"width": 1920, "height": 1080})
    start_sweep(page, f"{app_url}/tune?present=1")
    page.get_by_text("Best: trial").wait_for(timeout=300_000)
    page.wait_for_function(f"() => ({POINTS})('{HISTORY}') >= 1", timeout=30_000)
    size = page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert size >= 20
    history = page.locator(HISTORY).bounding_box()
    assert history and history["width"] >= 900  # the view column takes most of a projected screen
    page.screenshot(path=screenshots / "tune_presenter_1920x1080.png")
