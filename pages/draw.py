"""Draw page: a digit on the canvas -> the 28x28 image the network sees -> its probabilities -> inside it."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from mlp import drawing, plots
from pages._common import chart_scale, ensure_shell, presenting
from pages._draw_inside import look_inside
from pages._draw_models import choose_model

ensure_shell()

CANVAS, PRESENTER_CANVAS = 280, 420  # canvas side in px; mlp.drawing reads any size
STYLE = """<style>
.st-key-draw_prediction [data-testid="stMetricValue"] {
  font-size: 6rem !important; line-height: 1.05; font-weight: 700;
}
.st-key-draw_prediction_long [data-testid="stMetricValue"] { font-size: 3.2rem !important; font-weight: 700; }
[class*="st-key-draw_prediction"] [data-testid="stMetricLabel"] p { font-size: 1.1rem; }
.st-key-draw_seen img { image-rendering: pixelated; outline: 1px solid #94a3b8; }
</style>"""


def probabilities(model, image: np.ndarray) -> tuple[np.ndarray | None, str]:
    """One direct model call on raw 0-255 pixels: (class probabilities or None, note)."""
    x = image.astype(np.float32).reshape((1, *model.input_shape[1:]))
    out = np.asarray(model(x, training=False), dtype=np.float64)[0]
    if not np.isfinite(out).all():
        return None, "This model outputs NaN or infinite values (its training probably diverged)."
    if out.min() >= 0 and abs(out.sum() - 1) < 1e-3:
        return out, ""
    if out.min() >= 0 and out.sum() > 0:  # sigmoid outputs
        return out / out.sum(), "This model's outputs are not probabilities; they are shown scaled to sum to 100%."
    exp = np.exp(out - out.max())  # linear outputs
    return exp / exp.sum(), "This model's outputs are not probabilities; they are shown after a softmax."


def clear_canvas() -> None:
    st.session_state.draw_canvas = st.session_state.get("draw_canvas", 0) + 1


# --- the page ----------------------------------------------------------------------------------
side = PRESENTER_CANVAS if presenting() else CANVAS
st.markdown(STYLE, unsafe_allow_html=True)
st.markdown(f"<style>.st-key-draw_seen img {{ max-width: {side}px; }}</style>", unsafe_allow_html=True)
st.title("Draw a digit")
st.caption(
    "Draw with the mouse (or a finger) in the black box. The network sees the small 28×28 image: "
    "your drawing cropped, scaled to 20 px and centred, the way the MNIST digits were made."
)

with st.container():  # one fixed slot: what appears in it (uploader, errors) must not move the canvas
    model, class_names, dataset = choose_model()
    if dataset == "fashion_mnist":
        st.info(
            "This model learned from **Fashion-MNIST photos** of clothes; the canvas gives it a sketch, "
            "not a photo. Draw a bold silhouette (a T-shirt, trousers, a shoe) and expect rough guesses.",
            icon=":material/checkroom:",
        )

left, middle, right = st.columns([3.3, 2.5, 4.2], gap="medium")
with left:
    st.markdown("**Your drawing**")
    canvas = st_canvas(
        stroke_width=round(20 * side / CANVAS),  # the same stroke relative to the box: the same digit
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=side,
        width=side,
        drawing_mode="freedraw",
        update_streamlit=True,
        return_image_data=True,
        key=f"canvas_{st.session_state.get('draw_canvas', 0)}_{side}",
    )
    st.button("Clear the canvas", icon=":material/ink_eraser:", on_click=clear_canvas)

rgba = canvas.image_data
state = "empty" if rgba is None else drawing.describe_drawing(rgba, background="dark")
image = None if state == "empty" else drawing.to_mnist(rgba, background="dark")

with middle:
    st.markdown("**What the network sees**")
    with st.container(key="draw_seen"):  # shown large with hard pixel edges (CSS above)
        st.image(
            image if image is not None else np.zeros((28, 28), np.uint8),
            width="stretch",
            caption="28 × 28 pixels, 0 (black) to 255 (white)",
        )

probs = None
with right:
    if state == "empty":
        st.info("**Draw a digit** on the black canvas, as large as the box allows.", icon=":material/draw:")
    elif state == "full":
        st.warning(
            "The canvas is almost all ink — that is not a digit the network can read. "
            "Clear it and draw one digit with a few strokes.",
            icon=":material/format_paint:",
        )
    elif model is None:
        st.info("Choose a model above to see its guess.")
    else:
        if state == "tiny":
            st.warning(
                "That is very small: it was scaled up to 20 px, so the network sees a blob. "
                "Draw the digit bigger for a better guess.",
                icon=":material/zoom_in:",
            )
        probs, note = probabilities(model, image)
        if probs is None:
            st.error(note)
        else:
            top = int(probs.argmax())
            name = class_names[top]  # a digit in huge type; "Ankle boot" smaller, so that it fits
            with st.container(key="draw_prediction" if len(name) <= 2 else "draw_prediction_long"):
                st.metric("The network says", name, f"{probs[top]:.0%} sure", delta_color="off", delta_arrow="off")
            chart = plots.probabilities(probs, class_names, scale=chart_scale())
            st.plotly_chart(chart, width="stretch", key="draw_probs", config={"displayModeBar": False})
            if note:
                st.caption(note)

if probs is not None:  # under the three columns: the canvas stays where it is
    look_inside(model, image, probs, class_names, dataset)
