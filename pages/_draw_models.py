"""The Draw page's model picker: the bundled model, saved runs, this session's latest, or an upload."""

from __future__ import annotations

import streamlit as st

from mlp import data
from mlp.models import ModelError, load_model, load_model_bytes
from mlp.pretrained import PRETRAINED
from mlp.runs import RunStoreError
from pages._common import run_store, workbench

BUNDLED = "Bundled MNIST model (pretrained)"
LATEST = "This session's latest model"
UPLOAD = "Upload a .keras file…"
DIGITS = data.DATASETS["mnist"].class_names


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
    return {f"Saved run {r.id}: {r.label}": r.id for r in runs if r.has_model}


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
    latest = workbench().latest_model
    options = [BUNDLED, *runs, *([LATEST] if latest else []), UPLOAD]
    label = {LATEST: latest.label if latest else LATEST}
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
        return latest.model, latest.class_names, latest.dataset
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
