"""Draw page: a digit on the canvas -> the 28x28 image the network sees -> its probabilities."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from mlp import data, drawing, plots
from mlp.models import ModelError, load_model, load_model_bytes
from mlp.pretrained import PRETRAINED
from mlp.runs import RunStoreError
from pages._common import ensure_shell, run_store

ensure_shell()

BUNDLED = "Bundled MNIST model (pretrained)"
LATEST = "This session's latest model"
UPLOAD = "Upload a .keras file…"
CANVAS = 280  # canvas side in px
DIGITS = data.DATASETS["mnist"].class_names
STYLE = """<style>
.st-key-draw_prediction [data-testid="stMetricValue"] {
  font-size: 6rem !important; line-height: 1.05; font-weight: 700;
}
.st-key-draw_prediction_long [data-testid="stMetricValue"] { font-size: 3.2rem !important; font-weight: 700; }
[class*="st-key-draw_prediction"] [data-testid="stMetricLabel"] p { font-size: 1.1rem; }
.st-key-draw_seen img { image-rendering: pixelated; max-width: 280px; outline: 1px solid #94a3b8; }
</style>"""


@st.cache_resource(show_spinner="Loading the pretrained model…")
def bundled_model():
    """The pretrained digit model, shared by every session (read-only)."""
    return load_model(PRETRAINED, n_inputs=784, n_classes=10)


def saved_runs() -> dict[str, str]:
    """Option label -> run id of the saved runs that kept a model."""
    try:
        runs = run_store().list()
    except OSError:
        return {}
    return {f"Saved run {r.id}: {r.config.describe()}": r.id for r in runs if r.has_model}


def session_model(key: str, load):
    """A per-user model (a saved run or an upload), loaded once and kept in this session only.

    Returns the model, or the ModelError/RunStoreError that refused it (kept too, so a bad file
    is not reloaded on every stroke).
    """
    slot = st.session_state.get("draw_loaded")
    if slot is None or slot[0] != key:
        try:
            with st.spinner("Loading the model…"):
                slot = (key, load())
        except (ModelError, RunStoreError) as exc:
            slot = (key, exc)
        st.session_state.draw_loaded = slot
    return slot[1]


def choose_model() -> tuple[object | None, tuple[str, ...], str]:
    """The selectbox and, for uploads, the file picker: (model or None, class names, dataset name)."""
    runs = saved_runs()
    latest = st.session_state.get("latest_model")
    options = [BUNDLED, *runs, *([LATEST] if latest else []), UPLOAD]
    label = {LATEST: (latest or {}).get("label") or LATEST}
    choice = st.selectbox(
        "Model",
        options,
        key="draw_model",
        format_func=lambda o: label.get(o, o),
        help="The pretrained model ships with the app; your saved runs and this "
        "session's latest training appear here too.",
    )
    if choice == BUNDLED:
        try:
            return bundled_model(), DIGITS, "mnist"
        except ModelError as exc:
            st.error(f"The bundled model could not be loaded: {exc}. Run `python -m mlp make-pretrained`.")
            return None, DIGITS, "mnist"
    if choice == LATEST:
        return latest["model"], tuple(latest["class_names"]), latest["dataset"]
    if choice in runs:
        run_id = runs[choice]
        store = run_store()
        try:
            dataset = store.load(run_id).config.dataset
        except RunStoreError as exc:
            st.error(f"This run cannot be read: {exc}")
            return None, DIGITS, "mnist"
        model = session_model(f"run:{run_id}", lambda: load_model(store.model_path(run_id), n_inputs=784, n_classes=10))
        names = data.DATASETS[dataset].class_names if dataset in data.DATASETS else DIGITS
        if isinstance(model, Exception):
            st.error(f"The model of run {run_id} cannot be used: {model}")
            return None, names, dataset
        return model, names, dataset
    upload = st.file_uploader(
        "A Keras model file (.keras) with 784 inputs and 10 outputs", type=["keras"], key="draw_upload"
    )
    dataset = st.radio(
        "It was trained on",
        list(data.DATASETS),
        format_func=lambda n: data.DATASETS[n].title,
        horizontal=True,
        key="draw_upload_dataset",
    )
    if upload is None:
        return None, data.DATASETS[dataset].class_names, dataset
    model = session_model(
        f"upload:{upload.file_id}", lambda: load_model_bytes(upload.getvalue(), n_inputs=784, n_classes=10)
    )
    if isinstance(model, Exception):
        st.error(f"{upload.name} cannot be used: {model}")
        return None, data.DATASETS[dataset].class_names, dataset
    return model, data.DATASETS[dataset].class_names, dataset


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
st.markdown(STYLE, unsafe_allow_html=True)
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
        stroke_width=20,
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=CANVAS,
        width=CANVAS,
        drawing_mode="freedraw",
        update_streamlit=True,
        return_image_data=True,
        key=f"canvas_{st.session_state.get('draw_canvas', 0)}",
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
            chart = plots.probabilities(probs, class_names)
            st.plotly_chart(chart, width="stretch", key="draw_probs", config={"displayModeBar": False})
            if note:
                st.caption(note)
