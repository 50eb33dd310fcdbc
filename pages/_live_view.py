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
from pages._common import chart_scale, job_manager, memo, presenting
from pages._train_form import LR_STEPS

CURVES_HEIGHT = 240  # px: low enough that the grid under the curves starts on a 1366x768 screen
GRID_WIDTH = 520  # px the grid may take under the curves: the view column at 1366x768
PRESENTER_BOX = (620, 690)  # px for the grid (the curves beside it) below the progress bar at 1920x1080


def live_view(wb: Workbench, ticking: bool) -> None:
    """The job's view, drawn in a fragment: `ticking` (twice a second) while the job is active, else still.

    Every element keeps its place whatever the state, and each chart is drawn straight into its box, never
    through an st.empty() slot: Streamlit 1.67 gives a Plotly chart a new identity whenever its figure
    changes, hides the replaced one until the run ends, and a slot filled later in the run left the box
    empty meanwhile (the curves blanked on 276 of 600 frames of a 6-epoch run, the page jumping under
    them; 2 frames now). The tick that finds the job finished draws the end and ends normally; the next
    tick reruns the page, whose run draws identical figures (memo) in the same places, then the results.
    """
    job = wb.current_job()
    if job is None:
        st.info(
            "Choose a preset or edit the network, then press **Train**. The curves start at epoch 0, the "
            "untrained network, and the test images in the grid turn from ✗ to ✓ as the network learns."
        )
        st.empty()  # the learning-rate slider's place: the curves keep theirs when a job starts
        # an empty frame now: the chart library loads with the page, so the first run is live from its first point
        curves_box, _ = boxes()
        curves_chart(curves_box, ("empty", wb.config.epochs), history=[], epochs=wb.config.epochs)
        return
    snap = job.snapshot()
    end = (job.id, len(snap.history))
    if ticking and not snap.active and st.session_state.get("end_drawn") == end:
        st.rerun()  # the whole page: the results
    status_line(snap, job.target_epochs)
    tweak = st.empty()
    curves_box, grid_box = boxes()
    if snap.state == RunState.RUNNING and not presenting():
        with tweak:
            lr_tweak(wb, job)
    curves_chart(
        curves_box,
        (job.id, len(snap.history), len(snap.points), snap.initial is not None, tuple(snap.lr_changes)),
        history=snap.history,
        heldout=snap.heldout,
        lr_changes=snap.lr_changes,
        initial=snap.initial,
        points=snap.points,
        epochs=job.target_epochs,
    )
    if snap.pool_probabilities is not None and job.data.image_shape:
        prediction_grid(job, snap, grid_box)
    if ticking and not snap.active:
        st.session_state.end_drawn = end


def boxes() -> tuple:
    """Where the curves and the grid go. Presenter mode: side by side, so that a whole 8x8 grid fits on a
    1080p screen with the curves (the controls under both). Otherwise the grid under shorter curves, so that
    it starts on a laptop screen."""
    if presenting():
        return tuple(st.columns([1, 1.5], gap="medium"))
    return st.container(), st.container()


def curves_chart(where, key: tuple, **data) -> None:
    """The curves (plots.curves of `data`) in `where`, sized for the layout of boxes()."""
    scale, stacked = chart_scale(), presenting()
    height = PRESENTER_BOX[1] if stacked else CURVES_HEIGHT
    curves = memo("curves", (*key, scale), lambda: plots.curves(**data, scale=scale, height=height, stacked=stacked))
    where.plotly_chart(curves, width="stretch", key="curves", config={"displayModeBar": False})


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


def prediction_grid(job: Job, snap: Snapshot, where) -> None:
    """The grid of test images (into `where`), its controls under it, then one image's probabilities."""
    ds = job.data
    probs = snap.pool_probabilities
    predicted = probs.argmax(axis=1)
    truth = ds.y_test[job.pool]
    scale = chart_scale()
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
        where.success("No mistakes among these test images.")
        return
    epoch = snap.grid_epoch  # refreshed within epochs too (every 0.5 s at most)
    width, height = PRESENTER_BOX if presenting() else (GRID_WIDTH, None)
    grid = memo(
        "grid",
        (job.id, epoch, tuple(shown), scale),
        lambda: plots.grid(
            ds.x_test[job.pool[shown]],
            predicted[shown],
            truth[shown],
            ds.class_names,
            cols=size,
            image_shape=ds.image_shape,
            width=min(width, size * 90 * scale),
            height=height,
            scale=scale,
        ),
    )
    where.plotly_chart(grid, width="stretch", key="grid", config={"displayModeBar": False})
    where.caption("✓ right · ✗ wrong: guess / truth. Hover over an image for the full names.")
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
        (job.id, epoch, int(shown[pick]), scale),
        lambda: plots.probabilities(probs[shown[pick]], ds.class_names, int(truth[shown[pick]]), scale),
    )
    st.plotly_chart(bars, width="stretch", key="probs", config={"displayModeBar": False})
