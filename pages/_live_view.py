"""The Train page's view of a job: status, live curves, the prediction grid, and the results at the end."""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

from mlp import plots
from mlp.jobs import Job, Snapshot
from mlp.live_status import status
from mlp.session import Workbench, running_rate
from mlp.states import RunState
from pages._common import job_manager, model_download, presenting, show_evaluation
from pages._train_form import LR_STEPS


def live_view(wb: Workbench, ticking: bool) -> None:
    """The job's view, drawn in a fragment: `ticking` (twice a second) while the job is active, else still.

    Streamlit 1.67 keeps a replaced chart or widget on screen (stale) until the run that replaced it ends
    normally; a run ended by st.rerun() leaves them there through the next run. So at the end, a second
    copy of the curves stayed under the new ones while the results were drawn. Now every element keeps its
    place whatever the state (the slider and the curves have slots before they exist), the tick that finds
    the job finished draws the end and ends normally, and the next tick only reruns the page, whose run
    draws identical figures (memo) in the same places: nothing is replaced, nothing left over.
    """
    job = wb.current_job()
    if job is None:
        st.info(
            "Choose a preset or edit the network, then press **Train**. The curves start at epoch 0, the "
            "untrained network, and the grid below turns from red to green as the network learns."
        )
        # an empty frame now: the chart library loads with the page, so the first run is live from its first point
        empty = memo("curves", ("empty", wb.config.epochs), lambda: plots.curves([], epochs=wb.config.epochs))
        st.plotly_chart(empty, width="stretch", key="curves", config={"displayModeBar": False})
        return
    snap = job.snapshot()
    end = (job.id, len(snap.history))
    if ticking and not snap.active and st.session_state.get("end_drawn") == end:
        st.rerun()  # the whole page: the results
    status_line(snap, job.target_epochs)
    tweak, chart = st.empty(), st.empty()
    if snap.state == RunState.RUNNING and not presenting():
        with tweak:
            lr_tweak(wb, job)
    if snap.history or snap.initial or snap.points:
        curves = memo(
            "curves",
            (job.id, len(snap.history), len(snap.points), snap.initial is not None, tuple(snap.lr_changes)),
            lambda: plots.curves(
                snap.history, snap.heldout, snap.lr_changes, snap.initial, snap.points, job.target_epochs
            ),
        )
        chart.plotly_chart(curves, width="stretch", key="curves", config={"displayModeBar": False})
    if snap.pool_probabilities is not None and job.data.image_shape:
        prediction_grid(job, snap)
    if ticking and not snap.active:
        st.session_state.end_drawn = end


def lr_tweak(wb: Workbench, job: Job) -> None:
    current = running_rate(job)
    if current is None:
        return
    steps = sorted({*LR_STEPS, job.config.learning_rate})
    new = st.select_slider(
        "Change the learning rate from the next epoch",
        steps,
        key=f"live_lr_{job.id}",
        value=min(steps, key=lambda s: abs(math.log(s) - math.log(current))),
        format_func=lambda x: f"{x:g}",
    )
    if wb.change_learning_rate(job, new):
        st.toast(f"Learning rate → {new:g} from the next epoch (marked on the charts).")


def memo(name: str, key: tuple, build):
    """This session's last figure called `name`, rebuilt only when `key` changes: the live view reruns
    twice a second and building Plotly figures costs far more than sending them."""
    cache = st.session_state.setdefault("figures", {})
    if name not in cache or cache[name][0] != key:
        cache[name] = (key, build())
    return cache[name][1]


def status_line(snap: Snapshot, epochs: int) -> None:
    line = status(snap, epochs, job_manager().max_parallel)
    if line.progress is not None:
        st.progress(line.progress, text=line.text)
    elif line.kind == "completed":
        st.success(line.text, icon=":material/check_circle:")
    elif line.kind == "stopped":
        st.info(line.text, icon=":material/stop_circle:")
    elif line.kind in ("waiting", "diverged"):
        icon = ":material/hourglass_top:" if line.kind == "waiting" else ":material/warning:"
        st.warning(line.text, icon=icon)
    else:
        st.error(line.text)


def prediction_grid(job: Job, snap: Snapshot) -> None:
    ds = job.data
    probs = snap.pool_probabilities
    predicted = probs.argmax(axis=1)
    truth = ds.y_test[job.pool]
    default_size = 8 if presenting() else 5
    c1, c2, c3 = st.columns([2, 1.3, 1.3])
    size = c1.slider("Grid size", 3, 10, st.session_state.get("grid_size", default_size), key="grid_size")
    only_wrong = c2.toggle("Only mistakes", key="only_wrong")
    if c3.button("Reshuffle", icon=":material/shuffle:"):
        st.session_state.grid_seed = st.session_state.get("grid_seed", 0) + 1
    order = np.random.default_rng(st.session_state.get("grid_seed", 0)).permutation(len(job.pool))
    if only_wrong:
        order = order[predicted[order] != truth[order]]
    shown = order[: size * size]
    if not len(shown):
        st.success("No mistakes among these test images.")
        return
    epoch = snap.grid_epoch  # refreshed within epochs too (every 0.5 s at most)
    grid = memo(
        "grid",
        (job.id, epoch, tuple(shown)),
        lambda: plots.grid(
            ds.x_test[job.pool[shown]],
            predicted[shown],
            truth[shown],
            ds.class_names,
            cols=size,
            image_shape=ds.image_shape,
            size=110 if size <= 6 else 80,
        ),
    )
    st.plotly_chart(grid, width="stretch", key="grid", config={"displayModeBar": False})
    pick = st.selectbox(
        "Show the probabilities of image",
        range(len(shown)),
        key="pick",
        format_func=lambda i: (
            f"#{i + 1} (row {i // size + 1}, column {i % size + 1}): {ds.class_names[truth[shown[i]]]}"
        ),
    )
    bars = memo(
        "probs",
        (job.id, epoch, int(shown[pick])),
        lambda: plots.probabilities(probs[shown[pick]], ds.class_names, int(truth[shown[pick]])),
    )
    st.plotly_chart(bars, width="stretch", key="probs", config={"displayModeBar": False})


def results(wb: Workbench, job: Job) -> None:
    """A finished job's test results (with the change since the previous run) and its model file."""
    ev = job.evaluation
    if ev is None:
        return
    change = wb.record_result(job)
    st.subheader("Results on the test set")
    delta = f"{change * 100:+.2f} pts vs previous run" if change is not None else None
    show_evaluation(ev, job.data, job.model, delta=delta, seconds=job.snapshot().seconds)
    if job.run_id:
        model_download(job.run_id, "Download model (.keras)", f"mlp-{job.run_id}.keras")
