"""The Draw page's "Look inside the network" through AppTest, with a drawing fed in place of the canvas."""

import json
import sys
from types import ModuleType, SimpleNamespace

import numpy as np
import pytest
from apptest_helpers import button, fresh_server_state, metric, new_app, number_input, selectbox, texts  # noqa: F401
from PIL import Image

SECTION = "Look inside the network"


def canvas_of(digit: np.ndarray) -> np.ndarray:
    """A 28x28 digit enlarged to a 280x280 RGBA canvas, white ink on black, as st_canvas returns it."""
    big = np.asarray(Image.fromarray(digit.reshape(28, 28)).resize((280, 280), Image.Resampling.BILINEAR))
    return np.dstack([big, big, big, np.full_like(big, 255)])


@pytest.fixture
def drawn(monkeypatch, sample):
    """A stand-in for streamlit_drawable_canvas (a custom component AppTest cannot render): st_canvas returns
    whatever `drawn.rgba` holds, a 7 of the test set at first (None: the blank canvas before any stroke)."""
    holder = SimpleNamespace(rgba=canvas_of(sample.x_test[sample.y_test == 7][0]))
    fake = ModuleType("streamlit_drawable_canvas")
    fake.st_canvas = lambda **_: SimpleNamespace(image_data=holder.rgba)
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", fake)
    return holder


def draw_page():
    return new_app().switch_page("pages/draw.py").run()


def charts(at) -> dict[str, dict]:
    """Plotly figures on the page by key."""
    return {c.key: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def traces(figure: dict, kind: str) -> list[dict]:
    return [t for t in figure["data"] if t["type"] == kind]


def test_a_drawing_shows_activations_saliency_and_a_unit(drawn):
    at = draw_page()
    assert not at.exception, at.exception
    assert at.expander[0].label == SECTION
    figures = charts(at)
    assert {"draw_probs", "inside_activity", "inside_saliency", "inside_w", "inside_top"} <= set(figures)
    assert len(traces(figures["inside_activity"], "heatmap")) == 2  # the bundled model's two hidden layers
    assert len(traces(figures["inside_saliency"], "heatmap")) == 4  # the drawing under each of two maps
    titles = [a["text"] for a in figures["inside_saliency"]["layout"]["annotations"]]
    assert titles[0].startswith("7 (its guess") and "runner-up" in titles[1]
    assert metric(at, "Unit 0's activation now").value
    assert "integrated gradients" in texts(at.caption)


def test_picking_a_unit_and_the_most_active_one(drawn):
    at = draw_page()
    selectbox(at, "Layer").set_value(1).run()
    number_input(at, "Unit").set_value(5).run()
    assert not at.exception, at.exception
    assert metric(at, "Unit 5's activation now")
    assert traces(charts(at)["inside_w"], "bar")  # a deeper unit: which units below feed it
    strongest = next(b for b in at.button if b.label.startswith("The most active now"))
    unit = int(strongest.label.rsplit(" ", 1)[-1])
    strongest.click().run()
    assert number_input(at, "Unit").value == unit
    assert metric(at, f"Unit {unit}'s activation now")


def test_the_output_layer_can_be_picked_and_the_unit_is_clamped_to_it(drawn):
    at = draw_page()
    number_input(at, "Unit").set_value(100).run()
    selectbox(at, "Layer").set_value(2).run()  # the output layer: 10 units
    assert not at.exception, at.exception
    assert number_input(at, "Unit").value == 9
    assert metric(at, "Unit 9 (class 9)'s activation now")


@pytest.mark.parametrize("state", ["empty", "full"])
def test_no_section_without_a_readable_drawing(drawn, state):
    drawn.rgba = None if state == "empty" else np.full((280, 280, 4), 255, np.uint8)
    at = draw_page()
    assert not at.exception, at.exception
    assert not at.expander
    assert "Draw a digit" in texts(at.info) or "almost all ink" in texts(at.warning)


def test_a_model_without_hidden_layers_still_shows_where_it_looked(drawn, monkeypatch):
    import keras

    linear = keras.Sequential([keras.Input((784,)), keras.layers.Rescaling(1 / 255), keras.layers.Dense(10)])
    monkeypatch.setattr("pages._draw_models.bundled_model", lambda: linear)
    at = draw_page()
    assert not at.exception, at.exception
    assert "no hidden layers" in texts(at.info)
    assert "inside_saliency" in charts(at) and "inside_activity" not in charts(at)


def test_a_model_that_is_not_a_plain_mlp_gets_a_sentence(drawn, monkeypatch):
    import keras

    normalized = keras.Sequential(
        [keras.Input((784,)), keras.layers.Dense(16), keras.layers.BatchNormalization(), keras.layers.Dense(10)]
    )
    monkeypatch.setattr("pages._draw_models.bundled_model", lambda: normalized)
    at = draw_page()
    assert not at.exception, at.exception
    assert "cannot be opened up here: it has a BatchNormalization layer" in texts(at.info)
    assert "draw_probs" in charts(at)  # the guess is still there


def test_a_dead_unit_is_named_instead_of_eight_arbitrary_images(drawn, sample):
    from mlp import inside
    from pages._draw_inside import test_pool
    from pages._draw_models import bundled_model

    model, (pool, _) = bundled_model(), test_pool("mnist")
    dead = next(u for u in range(128) if inside.top_images(model, 0, u, pool)[1][0] <= 0)
    at = draw_page()
    number_input(at, "Unit").set_value(dead).run()
    assert not at.exception, at.exception
    assert "A dead unit" in texts(at.info).replace("*", "")
    assert "inside_top" not in charts(at)
