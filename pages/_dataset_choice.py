"""The Train form's dataset block: built-in or uploaded, with a look at the first image of each class
(a Plotly strip, like the prediction grid: names shortened to fit, in full on hover)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from mlp import data, plots
from mlp.session import Workbench
from pages._common import chart_scale, memo, presenting

EXAMPLES_WIDTH = 290  # px: the form column at 1366x768 (wider when presenting)


def dataset_choice(wb: Workbench, chosen: str, key: str) -> data.Dataset:
    """The dataset radio (built-ins, then this session's uploads), the upload box and a description."""
    names = [*data.DATASETS, *wb.uploads]
    name = st.radio(
        "Dataset",
        names,
        index=names.index(chosen) if chosen in names else 0,
        format_func=lambda n: data.DATASETS[n].title if n in data.DATASETS else f"{wb.uploads[n].title} (yours)",
        horizontal=True,
        key=key,
    )
    ds = wb.dataset_named(name)
    upload_box(wb)
    if ds.source == "sample":
        st.info(
            f"Using the **bundled sample** of {ds.title}: {len(ds.x_train):,} train / {len(ds.x_test):,} "
            "test images. Set `MLP_DATA_DIR` to a folder with the full `.npz` files for all 60,000.",
            icon=":material/inventory_2:",
        )
    else:
        st.caption(f"{ds.describe()}.")
    if ds.image_shape:
        width, scale = EXAMPLES_WIDTH * (1.3 if presenting() else 1), chart_scale()
        strip = memo(  # holding ds: no other dataset can take its id while the strip is kept
            f"examples_{key}",
            (id(ds), width, scale),
            lambda: (ds, plots.examples(*examples(ds), cols=5, image_shape=ds.image_shape, width=width, scale=scale)),
        )[1]
        st.plotly_chart(strip, width="stretch", key=f"examples_{key}", config={"displayModeBar": False})
    return ds


def upload_box(wb: Workbench) -> None:
    with st.expander("Bring your own data"):
        st.caption(
            "An `.npz` with `x_train, y_train, x_test, y_test` (optionally `class_names`), or a CSV whose "
            "first column is the label and the rest pixels or features (`label,pixel0,...,pixel783`). "
            "It stays in your session only."
        )
        file = st.file_uploader("Dataset file", type=["npz", "csv"], key="data_upload")
    if file is None:
        wb.upload_error = None
    elif wb.receive_upload(file.file_id, file.name, file.getvalue):
        st.rerun()  # the form again, rebuilt around the new dataset
    if wb.upload_error:
        st.error(wb.upload_error, icon=":material/error:")


def examples(ds: data.Dataset) -> tuple[list[np.ndarray], list[str]]:
    """The first training image of each class (up to 10)."""
    first = [int(np.flatnonzero(ds.y_train == c)[0]) for c in range(min(ds.n_classes, 10)) if (ds.y_train == c).any()]
    return [ds.x_train[i].reshape(ds.image_shape) for i in first], [ds.class_names[ds.y_train[i]] for i in first]
