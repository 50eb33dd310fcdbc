"""The live view at lesson pace, in a real Chromium: a whole 8x8 grid beside the curves on a 1920x1080
projector, the grid in view on a 1366x768 laptop, captions that do not overlap, and right/wrong still
readable in greyscale (✓/✗ in the DOM, dashed frames for the mistakes)."""

import re
from itertools import pairwise

GRID, CURVES, EXAMPLES = ".st-key-grid", ".st-key-curves", '[class*="st-key-examples"]'
LINK = "v=1&epochs=20&batch_size=4&layers=32:relu"  # epochs of a few seconds, as in a lesson: time to look

CAPTIONS = """sel => [...document.querySelectorAll(sel + ' .annotation-text')].map(t => {
    const b = t.getBoundingClientRect();
    return {text: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height}; })"""
DASHED = """() => [...document.querySelectorAll('.st-key-grid .shapelayer path')]
    .filter(p => (p.style.strokeDasharray || 'none') !== 'none').length"""


def captions(page, where: str) -> list[dict]:
    return page.evaluate(CAPTIONS, where)


def train_until_grid(page, url: str, tiles: int) -> None:
    page.goto(url)
    page.get_by_role("button", name="Train").click()
    page.wait_for_function(
        f"() => document.querySelectorAll('{GRID} .annotation-text').length === {tiles}", timeout=120_000
    )
    page.mouse.move(1, 1)
    page.wait_for_timeout(1500)  # Plotly draws the other charts


def overlaps(items: list[dict]) -> list[tuple[str, str]]:
    """Neighbouring captions on one line whose boxes overlap."""
    rows: dict[int, list[dict]] = {}
    for item in items:
        rows.setdefault(round(item["y"]), []).append(item)
    clashes = []
    for row in rows.values():
        row.sort(key=lambda c: c["x"])
        clashes += [(a["text"], b["text"]) for a, b in pairwise(row) if a["x"] + a["w"] > b["x"] + 0.5]
    return clashes


def boxes(page, *selectors: str) -> list[dict]:
    """The elements' rectangles in the viewport, read together at a moment when all of them are drawn (while
    the live view reruns, a chart may be missing for a moment)."""
    return page.wait_for_function(
        """sels => { const rects = sels.map(s => document.querySelector(s)?.getBoundingClientRect());
        if (rects.some(r => !r || !r.height)) return null;
        return rects.map(r => ({x: r.x, y: r.y, width: r.width, height: r.height})); }""",
        arg=list(selectors),
    ).json_value()


def inside(rect: dict, width: int, height: int) -> bool:
    return (
        rect["x"] >= 0
        and rect["y"] >= 0
        and rect["x"] + rect["width"] <= width
        and rect["y"] + rect["height"] <= height
    )


def hover_text(page, x: float, y: float) -> str:
    """The grid's hover label with the mouse at (x, y), the mouse moved a little until it shows."""
    for step in range(10):
        page.mouse.move(x, y + step % 2)
        page.wait_for_timeout(300)
        text = page.evaluate(f"() => document.querySelector('{GRID} .hoverlayer .hovertext')?.textContent")
        if text:
            return text
    return ""


def stop(page) -> None:
    page.get_by_role("button", name="Stop").click()
    page.get_by_text(re.compile("^(Stopped|Finished) ")).wait_for(timeout=60_000)


def test_presenter_grid_fits_1080p_and_reads_in_greyscale(browser, app_url, screenshots):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.set_default_timeout(30_000)
    train_until_grid(page, f"{app_url}/?{LINK}&dataset=fashion_mnist&present=1", 64)
    page.screenshot(path=screenshots / "presenter_1920x1080_running.png")
    grid, curves = boxes(page, GRID, CURVES)
    print(f"grid {grid}, curves {curves}")
    assert inside(grid, 1920, 1080), grid  # all 8 rows on the projector, no scrolling
    assert inside(curves, 1920, 1080), curves
    assert not overlaps(captions(page, GRID))
    assert not overlaps(captions(page, EXAMPLES))

    stop(page)
    mistakes = page.get_by_text("Most confident mistakes")
    mistakes.wait_for(timeout=60_000)
    mistakes.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    page.screenshot(path=screenshots / "presenter_results.png")
    page.get_by_role("heading", name="Train a multilayer perceptron").scroll_into_view_if_needed()
    page.wait_for_function(f"() => document.querySelectorAll('{GRID} .annotation-text').length === 64")
    # hovering a tile (under its caption) names it in full; checked once the run is over: while it runs the
    # grid is redrawn twice a second and a redraw takes the label away
    first = captions(page, GRID)[0]
    hover = hover_text(page, first["x"] + first["w"] / 2, first["y"] + first["h"] + 20)
    print(f"hover: {hover}")
    assert re.match("[✓✗] .+ / .+", hover)
    page.mouse.move(1, 1)
    page.add_style_tag(content="html { filter: grayscale(1); }")
    page.wait_for_timeout(1000)
    page.screenshot(path=screenshots / "presenter_1920x1080_greyscale.png")
    page.locator(GRID).screenshot(path=screenshots / "presenter_grid_greyscale.png")
    texts = [c["text"] for c in captions(page, GRID)]
    assert all(t[:2] in ("✓ ", "✗ ") for t in texts), texts
    assert page.evaluate(DASHED) == sum(t.startswith("✗") for t in texts)  # every mistake's frame is dashed
    context.close()


def test_laptop_shows_the_grid_during_a_run(browser, app_url, screenshots):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(30_000)
    train_until_grid(page, f"{app_url}/?{LINK}&dataset=fashion_mnist", 25)
    page.screenshot(path=screenshots / "laptop_1366x768_running.png")
    grid, _ = boxes(page, GRID, CURVES)  # measured with the curves above it
    print(f"grid {grid}")
    assert grid["y"] < 768 - 100  # the first row of the grid is on screen while the curves grow
    assert not overlaps(captions(page, GRID))
    assert not overlaps(captions(page, EXAMPLES))
    assert page.evaluate(
        f"() => [...document.querySelectorAll('{EXAMPLES} .annotation-text')].map(t => t.textContent)"
    ) == ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot"]
    stop(page)
    page.get_by_text("Results on the test set").wait_for(timeout=60_000)  # the page's last rerun has drawn
    page.wait_for_timeout(1000)
    bars = page.locator(".st-key-probs")
    bars.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    bars.screenshot(path=screenshots / "laptop_probabilities.png")
    assert re.search("✓ \\d+%", bars.text_content())  # the true class's bar is marked
    context.close()


def test_presenter_draw_canvas_grows(browser, app_url, screenshots):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(f"{app_url}/draw?present=1")
    canvas = page.locator("canvas.upper-canvas")
    canvas.wait_for(timeout=45_000)
    page.get_by_text("Draw a digit on the black canvas").wait_for(timeout=30_000)
    assert canvas.bounding_box()["width"] == 420  # 280 px on a laptop
    page.screenshot(path=screenshots / "presenter_draw.png")
    context.close()
