"""Helpers shared by the pages: the server-wide job manager and classroom, the session's workbench and nickname,
presenter mode, the teacher key, results."""

from __future__ import annotations

import os
import runpy
import threading
import time
from pathlib import Path

import streamlit as st

from mlp.classroom import Classroom, configured_key
from mlp.engines import import_tensorflow
from mlp.jobs import JobManager
from mlp.nicknames import MAX_NICKNAME
from mlp.runs import RunStore
from mlp.session import Workbench

BASE_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
/* The live view reruns twice a second: its charts stay bright while a rerun is on its way (no stale greying). */
:is(.st-key-curves, .st-key-grid, .st-key-probs)[data-stale="true"] { opacity: 1 !important; transition: none; }
</style>
"""
PRESENTER_CSS = """
<style>
html { font-size: 21px; }
[data-testid="stMetricValue"] { font-size: 3.2rem !important; }
[data-testid="stMainBlockContainer"] { padding: 1.5rem 2rem 2rem 2rem; max-width: 100%; }
</style>
"""


def ensure_shell() -> None:
    """Run this page inside app.py's shell. Until app.py has run once on a fresh server, Streamlit's
    legacy `pages/` discovery runs a directly requested page file (e.g. /draw) on its own: then run
    app.py, which renders the requested page with the navigation, layout and presenter mode."""
    if not st.session_state.get("in_shell"):
        runpy.run_path(str(Path(__file__).parents[1] / "app.py"), run_name="__main__")
        st.stop()


@st.cache_resource
def job_manager() -> JobManager:
    """One per server: the cap on simultaneous trainings is shared by every session."""
    return JobManager(store=RunStore())


@st.cache_resource
def warm_up_tensorflow() -> None:
    """Import TensorFlow in the background a few seconds after the first page has painted,
    so the first press of Train does not wait for it (once per server)."""

    def load():
        time.sleep(3)
        import_tensorflow()

    threading.Thread(target=load, name="warm-up-tensorflow", daemon=True).start()


@st.cache_resource
def classroom() -> Classroom:
    """One per server: the teacher's choices (leaderboard shown, reset) hold for every session."""
    return Classroom()


def teacher_key() -> str | None:
    """MLP_TEACHER_KEY, else `teacher_key` in .streamlit/secrets.toml; None when neither is set (no secrets
    file is the usual case, not an error)."""
    try:
        secret = st.secrets.get("teacher_key")
    except (FileNotFoundError, st.errors.StreamlitAPIException):
        secret = None
    return configured_key(os.environ, secret)


def run_store() -> RunStore:
    return job_manager().store


def workbench() -> Workbench:
    """This browser session's settings, datasets, job and results: one object in st.session_state."""
    if "workbench" not in st.session_state:
        st.session_state.workbench = Workbench(job_manager())
    return st.session_state.workbench


def nickname_box() -> None:
    """Sidebar: the nickname that labels this session's trainings for the class; what is typed is cleaned
    (trimmed, shortened, empty: the random default) and shown back as stored."""
    wb = workbench()
    if "nickname" not in st.session_state:
        st.session_state.nickname = wb.nickname

    def take() -> None:
        st.session_state.nickname = wb.set_nickname(st.session_state.nickname)

    st.sidebar.text_input(
        "Your nickname",
        key="nickname",
        max_chars=MAX_NICKNAME,
        on_change=take,
        help="Labels your trainings for the class (the teacher's table, the leaderboard). "
        "Not your real name; leave it empty for a random one.",
    )


PRESENTER_SCALE = 1.5  # charts' fonts, lines and markers on a projector


def presenting() -> bool:
    return bool(st.session_state.get("present"))


def chart_scale() -> float:
    """The figures' `scale`: larger in presenter mode, where the charts are read from the back of the room."""
    return PRESENTER_SCALE if presenting() else 1.0


def presenter_toggle() -> None:
    """Sidebar toggle (and ?present=1): larger type, advanced controls folded away, big grid."""
    if "present" not in st.session_state:
        st.session_state.present = st.query_params.get("present") == "1"
    st.sidebar.toggle("Presenter mode", key="present", help="Larger type for a projector; also ?present=1")
    st.markdown(BASE_CSS, unsafe_allow_html=True)
    if st.session_state.present:
        st.query_params["present"] = "1"
        st.markdown(PRESENTER_CSS, unsafe_allow_html=True)
    elif "present" in st.query_params:
        del st.query_params["present"]


def model_download(run_id: str, label: str, file_name: str, key: str | None = None, where=st) -> None:
    """A download button for a saved run's .keras file, when it has one."""
    path = run_store().model_path(run_id)
    if path.exists():
        where.download_button(
            label,
            path.read_bytes,  # read on the click, not on every run of the page
            file_name=file_name,
            mime="application/octet-stream",
            icon=":material/download:",
            key=key,
        )


def memo(name: str, key: tuple, build):
    """This session's last figure called `name`, rebuilt only when `key` changes: the live view reruns
    twice a second, a class's pages are looked at again and again, and building Plotly figures costs far
    more than sending them (a finished Train page ran in 0.21 s rebuilding its results' figures)."""
    cache = st.session_state.setdefault("figures", {})
    if name not in cache or cache[name][0] != key:
        cache[name] = (key, build())
    return cache[name][1]
