"""The Draw page's "Look inside the network": every hidden layer's activations for the drawing, where the
network looked, and one unit (picked by a click or by number) with its weights and favourite test images."""

from __future__ import annotations

import numpy as np
import streamlit as st

from mlp import data, inside, inside_plots, plots
from pages._common import chart_scale, presenting

LAYER, UNIT, ACTIVITY = "inside_layer", "inside_unit", "inside_activity"  # widget keys
CHART = {"displayModeBar": False}


@st.cache_resource(show_spinner=False)
def test_pool(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """The bundled sample's test images and labels (2,000 MNIST, 1,000 Fashion-MNIST), once per server: the
    pool a unit's most exciting images are picked from."""
    sample = data.load_sample(dataset if dataset in data.DATASETS else "mnist")
    return sample.x_test, sample.y_test


def look_inside(model, image: np.ndarray, probs: np.ndarray, class_names, dataset: str) -> None:
    """The section under the prediction; a model that is not a plain MLP gets a sentence instead."""
    with st.expander("Look inside the network", expanded=True, icon=":material/neurology:"):
        try:
            layers = inside.dense_layers(model)
            values = inside.activations(model, image)
        except inside.InsideError as exc:
            st.info(f"This model cannot be opened up here: {exc}.", icon=":material/block:")
            return
        if st.session_state.get(LAYER, 0) >= len(layers):  # another model, with fewer layers
            st.session_state[LAYER] = 0
        scale = chart_scale()
        left, right = st.columns(2, gap="large")
        with left:
            activity(layers, values, scale)
        with right:
            where_it_looked(model, image, probs, class_names, scale)
        one_unit(model, layers, values, class_names, dataset, scale)


def activity(layers: list[inside.DenseLayer], values: list[np.ndarray], scale: float) -> None:
    st.markdown("**What each hidden layer does with your drawing**")
    hidden = [layer for layer in layers if layer.hidden]
    if not hidden:
        st.info(
            "This model has no hidden layers: its output reads the pixels directly, so there are no hidden "
            "units to show. *Where it looked* still works.",
            icon=":material/layers_clear:",
        )
        return
    fig = inside_plots.activations(
        values[: len(hidden)],
        [f"{layer.name}: {layer.units} {layer.activation} units" for layer in hidden],
        (st.session_state.get(LAYER, 0), st.session_state.get(UNIT, 0)),
        scale,
    )
    st.plotly_chart(fig, width="stretch", key=ACTIVITY, on_select=clicked, selection_mode="points", config=CHART)
    st.caption(
        "One square per unit, numbered row by row from 0. Colour: its activation as a share of its layer's "
        "strongest for this drawing — dark purple silent, yellow the most active. The output layer is the "
        "probability chart above. **Click a square** to look at that unit below."
    )


def clicked() -> None:
    """A click on a unit's square picks it in the unit picker."""
    points = st.session_state[ACTIVITY].selection.points
    if points and "customdata" in points[0]:  # [layer, unit, activation]
        pick(*(int(v) for v in points[0]["customdata"][:2]))


def pick(layer: int, unit: int) -> None:
    st.session_state[LAYER], st.session_state[UNIT] = layer, unit


def where_it_looked(model, image: np.ndarray, probs: np.ndarray, class_names, scale: float) -> None:
    st.markdown("**Where it looked**")
    first, second = (int(c) for c in np.argsort(-probs, kind="stable")[:2])
    maps = [inside.saliency(model, image, c) for c in (first, second)]
    titles = [
        f"{class_names[c]} ({label}, {probs[c]:.0%})" for c, label in ((first, "its guess"), (second, "runner-up"))
    ]
    st.plotly_chart(
        inside_plots.saliency(maps, image, titles, scale), width="stretch", key="inside_saliency", config=CHART
    )
    st.caption(f"Left: the orange ink made it say **{class_names[first]}**; blue ink argued against it.")
    st.caption(f"Right: the same for **{class_names[second]}**. Where the two maps differ is what tells them apart.")
    st.caption(
        "How: integrated gradients. Each inked pixel gets its share of the class's score (before the softmax) "
        "compared with a blank canvas, and the shares add up to that score. Black pixels get no share.",
        help="The score's gradient is averaged over the drawing fading in from black, then multiplied by the "
        "pixels. Plain gradient × input adds up to the score only for a network without hidden layers.",
    )


def one_unit(model, layers, values, class_names, dataset: str, scale: float) -> None:
    st.markdown("**One unit: what feeds it and what excites it**")
    pick_layer, pick_unit, most = st.columns([2.2, 1, 1.6], vertical_alignment="bottom")
    layer = pick_layer.selectbox("Layer", range(len(layers)), format_func=lambda i: describe(layers[i]), key=LAYER)
    units = layers[layer].units
    if st.session_state.get(UNIT, 0) > units - 1:
        st.session_state[UNIT] = units - 1
    unit = int(pick_unit.number_input("Unit", 0, units - 1, step=1, key=UNIT, help=f"0 to {units - 1}"))
    strongest = int(np.argmax(values[layer]))
    most.button(f"The most active now: {strongest}", on_click=pick, args=(layer, strongest))
    detail = inside.unit_detail(model, layer, unit)
    pool_x, pool_y = test_pool(dataset)
    indices, top = inside.top_images(model, layer, unit, pool_x)
    left, right = st.columns([1, 1.5], gap="large")
    with left:
        if detail.image is not None:
            title = f"Unit {unit}'s 784 incoming weights"
            st.plotly_chart(inside_plots.incoming_image(detail.image, title, scale), width="stretch", key="inside_w")
            st.caption("Ink on orange pixels excites it, ink on blue ones holds it back: the shape it looks for.")
        else:
            below = layers[layer - 1].name
            chart = inside_plots.incoming_units(detail.top_inputs, detail.top_weights, below, scale)
            st.plotly_chart(chart, width="stretch", key="inside_w", config=CHART)
            st.caption(
                f"The {len(detail.top_inputs)} units of {below} that feed it most (largest weights): orange ones "
                f"excite it, blue ones hold it back. Pick them in {below} to see what they look for."
            )
    with right:
        who = f"Unit {unit}" if layers[layer].hidden else f"Unit {unit} (class {class_names[unit]})"
        now, best = f"{values[layer][unit]:.2f}", f"its top test image: {top[0]:.2f}"
        st.metric(f"{who}'s activation now", now, best, delta_color="off", delta_arrow="off")
        if np.isclose(top[0], top[-1]):  # ties all the way down: "the most exciting" would be arbitrary
            dead = top[0] <= 0 and layers[layer].activation == "relu"
            st.info(
                f"No test image stands out: the top {len(top)} of {len(pool_x):,} tie at {top[0]:.2f}."
                + (
                    " A **dead unit**: silent for every one of them, so it adds nothing to the guess (a ReLU "
                    "that stopped firing during training gets no more updates)."
                    if dead
                    else ""
                ),
                icon=":material/do_not_disturb_on:",
            )
            return
        names = [class_names[int(y)] for y in pool_y[indices]]
        strip = plots.examples(pool_x[indices], names, cols=8, width=560 * (1.3 if presenting() else 1), scale=scale)
        st.plotly_chart(strip, width="stretch", key="inside_top", config=CHART)
        st.caption(
            f"The {len(indices)} of {len(pool_x):,} test images that excite it most, strongest first, named by "
            "their true class. What do they have in common?"
        )


def describe(layer: inside.DenseLayer) -> str:
    if layer.hidden:
        return f"{layer.name} ({layer.units} {layer.activation} units)"
    return f"{layer.name} (one unit per class)"
