"""Train page: form -> RunConfig (in the URL) -> background job -> live charts and prediction grid.

The layout only: the rules of the buttons and the session's state are mlp.session.Workbench.
"""

from __future__ import annotations

import streamlit as st

from mlp import data, export
from mlp.runs import MAX_NAME
from pages._common import ensure_shell, presenting, warm_up_tensorflow, workbench
from pages._live_view import live_view
from pages._network_summary import architecture, time_estimate
from pages._results import results
from pages._train_form import config_form, preset_box

ensure_shell()
PACES = [0.0, 2.0, 5.0, 10.0]

wb = workbench()
link_error = wb.read_link(st.query_params)
st.title("Train a multilayer perceptron")
if link_error:
    st.warning(link_error)

form_col, view_col = st.columns([1, 2.6] if presenting() else [1.15, 2], gap="large")
with form_col:
    preset_slot = st.container()  # filled once the form has read the settings
    cfg, error, ds = config_form(wb)
    if cfg is not None:
        wb.config = cfg
        st.query_params.from_dict(wb.link(st.query_params))
    else:
        st.error(error, icon=":material/error:")
    with preset_slot:
        preset_box(wb)
    architecture(wb.config, ds)
    time_estimate(wb, ds)

job = wb.current_job(st.query_params.get("job"))
if job is None and (note := wb.missing_job_note(st.query_params.get("job"))):
    del st.query_params["job"]
    st.info(note, icon=":material/history:")
with view_col:
    # Presenter mode keeps the top of the view to one row (buttons and pace) and puts the run's name under the
    # live view: the whole 8x8 grid must fit a 1080p screen beside the curves.
    top, live = st.container(), st.container()
    with st.container() if presenting() else top:
        wb.run_name = st.text_input(
            "Name this run",
            max_chars=MAX_NAME,
            key=f"run_name_{wb.name_version}",
            placeholder="Name this run (optional): it labels the run on the Runs page",
            label_visibility="collapsed",
        )
    if presenting():
        b1, b2, b3, b4, b5 = top.columns([1, 1, 1, 1.3, 2.4])
    else:
        b1, b2, b3, b4 = top.columns([1, 1, 1, 1.3])
    train = b1.button(
        "Train", key="train", type="primary", icon=":material/play_arrow:", disabled=cfg is None, width="stretch"
    )
    stop = b2.button("Stop", key="stop", icon=":material/stop_circle:", width="stretch")
    step = b3.button(
        "Step",
        key="step",
        icon=":material/skip_next:",
        width="stretch",
        disabled=cfg is None,
        help="Train exactly one more epoch (continues the last model if the settings are unchanged)",
    )
    if cfg is not None and cfg.dataset in data.DATASETS:
        b4.download_button(
            "Export code",
            lambda: export.script(cfg),  # written on the click
            file_name="train_mlp.py",
            mime="text/x-python",
            icon=":material/code:",
            width="stretch",
            key="export",
            help="A plain Keras script that reproduces these settings",
        )
    if presenting():
        pace = b5.select_slider(
            "Pace for the class",
            PACES,
            value=wb.pace if wb.pace in PACES else 0.0,
            format_func=lambda p: "full speed" if not p else f"at least {p:g} s per epoch",
            help="Slows a fast training down so everyone can follow; the results stay the same.",
            label_visibility="collapsed",
        )
        if pace != wb.pace:
            wb.set_pace(pace)
    press = wb.train() if train else wb.step() if step else wb.stop() if stop else None
    if press is not None:
        if press.message:
            st.toast(press.message)
        if press.action == "submitted":
            st.query_params["job"] = press.job.id  # a refresh reattaches to it
        job = press.job
    active = job is not None and job.snapshot().active
    # a fragment either way, so the view has the same place in the page before and after the end; when
    # still, its own widgets (grid size, mistakes) redraw only the view, not the results below
    with live:
        st.fragment(lambda: live_view(wb, ticking=active), run_every=0.5 if active else None)()
if job is not None and not job.snapshot().active:  # read again: it may have finished meanwhile
    results(wb, job)
warm_up_tensorflow()
