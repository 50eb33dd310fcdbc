"""The Draw page in a real browser: draw with the mouse on the canvas, read the network's guess."""

import pytest

pytestmark = pytest.mark.browser

CANVAS = "canvas.upper-canvas"  # Fabric's event layer (the component renders in the page, not an iframe)
PREDICTION = '[class*="st-key-draw_prediction"] [data-testid="stMetricValue"]'
CHART = '[data-testid="stPlotlyChart"] .main-svg'
ONE = [(136, 250), (146, 30)]  # bottom to top: the first touch is away from the toolbar
SEVEN = [(55, 45), (220, 45), (115, 250)]


def open_draw_page(page, app_url):
    # Load the app's home first: on a fresh server Streamlit treats a folder named pages/ as an old-style
    # multipage app until app.py has called st.navigation once; /draw as the very first request would
    # run pages/draw.py on its own, without app.py's page config and navigation.
    page.goto(app_url)
    page.get_by_test_id("stSidebarNav").get_by_text("Draw", exact=True).wait_for(timeout=45_000)
    page.goto(f"{app_url}/draw")
    page.locator(CANVAS).wait_for(timeout=30_000)
    page.get_by_text("Draw a digit on the black canvas").wait_for()


def stroke(page, points):
    """One freehand stroke through the points (canvas pixels), like a mouse drag."""
    box = page.locator(CANVAS).bounding_box()
    (x, y), rest = points[0], points[1:]
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.wait_for_timeout(500)  # the canvas's hover toolbar slides up out of the way (it starts over the top edge)
    page.mouse.down()
    for x, y in rest:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=20)
    page.mouse.up()


def ink_pixels(page) -> int:
    """Bright pixels on the canvas's drawing layer (0 when it is blank)."""
    return page.locator("canvas.dc-canvas.lower-canvas").evaluate(
        "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
        " for (let i = 0; i < d.length; i += 4) if (d[i] > 128) n++; return n; }"
    )


def guess(page) -> str:
    value = page.locator(PREDICTION)
    value.wait_for(timeout=60_000)  # the first guess on a fresh server waits for TensorFlow to load
    return value.inner_text().strip()


def settle(page):
    """Mouse away from the canvas (its hover toolbar hides) and the bar chart drawn: ready for a screenshot."""
    page.mouse.move(5, 5)
    page.locator(CHART).first.wait_for()
    page.wait_for_timeout(300)


def test_draw_a_one_and_a_seven(page, app_url, screenshots):
    open_draw_page(page, app_url)
    assert page.locator("h1").first.inner_text().startswith("Draw a digit")
    assert page.locator(PREDICTION).count() == 0  # blank canvas: no guess
    page.screenshot(path=screenshots / "draw_blank.png")

    stroke(page, ONE)
    assert guess(page) == "1"
    settle(page)
    page.screenshot(path=screenshots / "draw_one.png")

    page.get_by_role("button", name="Clear the canvas").click()
    page.get_by_text("Draw a digit on the black canvas").wait_for()
    assert page.locator(PREDICTION).count() == 0
    assert ink_pixels(page) == 0
    page.wait_for_timeout(1500)  # the cleared canvas is a new component: let it mount before drawing

    stroke(page, SEVEN)
    seven = guess(page)
    settle(page)
    page.screenshot(path=screenshots / "draw_seven.png")
    assert seven == "7"


def test_presenter_mode_keeps_the_prediction_big(page, app_url, screenshots):
    open_draw_page(page, app_url)
    page.goto(f"{app_url}/draw?present=1")
    page.locator(CANVAS).wait_for(timeout=30_000)
    stroke(page, ONE)
    assert guess(page) == "1"
    size = page.locator(PREDICTION).evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 64  # 6rem at 16 px: readable from the back of a classroom
    settle(page)
    page.screenshot(path=screenshots / "draw_one_presenter.png")


def test_a_dot_is_read_but_called_tiny(page, app_url, screenshots):
    open_draw_page(page, app_url)
    stroke(page, [(140, 140), (142, 141)])
    page.get_by_text("That is very small").wait_for(timeout=20_000)
    guess(page)  # still a guess, under the warning
    settle(page)
    page.screenshot(path=screenshots / "draw_dot.png")


def test_a_bad_upload_is_a_clear_error_and_the_drawing_stays(page, app_url, screenshots, tmp_path):
    bad = tmp_path / "notes.keras"
    bad.write_text("not a model")
    open_draw_page(page, app_url)
    stroke(page, SEVEN)
    guess(page)
    drawn = ink_pixels(page)
    assert drawn > 1000
    page.get_by_test_id("stSelectbox").filter(has_text="Model").click()  # not Look inside's layer picker
    page.get_by_role("option", name="Upload a .keras file…").click()
    page.locator('input[type="file"]').set_input_files(bad)
    page.get_by_text("notes.keras cannot be used: not a Keras model file").wait_for()
    assert page.get_by_test_id("stException").count() == 0  # a message, not a traceback
    assert page.locator(PREDICTION).count() == 0
    assert page.get_by_text("Choose a model above").is_visible()
    assert ink_pixels(page) == drawn  # the uploader appeared above the canvas without resetting it
    page.mouse.move(5, 5)
    page.screenshot(path=screenshots / "draw_bad_upload.png")


ACTIVITY = ".st-key-inside_activity"


def test_look_inside_a_drawn_seven_and_click_a_unit(browser, app_url, screenshots):
    context = browser.new_context(viewport={"width": 1366, "height": 768})  # a classroom projector
    page = context.new_page()
    page.set_default_timeout(20_000)
    open_draw_page(page, app_url)
    canvas = page.locator(CANVAS).bounding_box()
    assert canvas["y"] + canvas["height"] <= 768  # the section below does not push the canvas down
    stroke(page, SEVEN)
    assert guess(page) == "7"
    page.get_by_text("What each hidden layer does with your drawing").wait_for()
    page.locator(".st-key-inside_saliency .main-svg").first.wait_for()
    page.locator(".st-key-inside_w .main-svg").first.wait_for()
    assert page.get_by_text("the orange ink made it say 7").is_visible()
    page.locator(ACTIVITY).scroll_into_view_if_needed()
    page.mouse.move(5, 5)
    page.wait_for_timeout(500)
    page.screenshot(path=screenshots / "draw_inside_layers.png")

    # Click unit 35 (row 1, column 3 of hidden_1's 32 units to a row): the unit picker follows.
    grid = page.locator(f"{ACTIVITY} .nsewdrag").first.bounding_box()
    page.mouse.click(grid["x"] + grid["width"] * 3.5 / 32, grid["y"] + grid["height"] * 1.5 / 4)
    page.get_by_text("Unit 35's activation now").wait_for()
    assert page.get_by_test_id("stException").count() == 0
    page.get_by_role("button", name="The most active now").click()  # a unit with favourite test images
    page.locator(".st-key-inside_top .main-svg").first.wait_for()
    page.locator(".st-key-inside_top").scroll_into_view_if_needed()
    page.mouse.move(5, 5)
    page.wait_for_timeout(500)
    page.screenshot(path=screenshots / "draw_inside_unit.png")
    context.close()


def test_look_inside_in_presenter_mode(browser, app_url, screenshots):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.set_default_timeout(20_000)
    open_draw_page(page, app_url)
    page.goto(f"{app_url}/draw?present=1")
    page.locator(CANVAS).wait_for(timeout=30_000)
    stroke(page, SEVEN)
    guess(page)
    page.locator(".st-key-inside_w .main-svg").first.wait_for()
    page.locator(ACTIVITY).scroll_into_view_if_needed()
    page.mouse.move(5, 5)
    page.wait_for_timeout(500)
    page.screenshot(path=screenshots / "draw_inside_presenter.png")
    assert page.get_by_test_id("stException").count() == 0
    context.close()
