"""Helpers shared by the pages: the server-wide job manager, presenter mode, session identity."""
from __future__ import annotations

import secrets

import streamlit as st

from mlp.jobs import JobManager
from mlp.runs import RunStore

PRESENTER_CSS = """
<style>
html, body, [class*="st-"] { font-size: 1.22rem; }
h1 { font-size: 3rem !important; } h2 { font-size: 2.2rem !important; } h3 { font-size: 1.7rem !important; }
[data-testid="stMetricValue"] { font-size: 3.2rem !important; }
.block-container { padding-top: 1.5rem; max-width: 100%; }
</style>
"""


@st.cache_resource
def job_manager() -> JobManager:
    """One per server: the cap on simultaneous trainings is shared by every session."""
    return JobManager(store=RunStore())


def run_store() -> RunStore:
    return job_manager().store


def session_owner() -> str:
    """A random id for this browser session (runs it creates can be deleted only by it)."""
    if "owner" not in st.session_state:
        st.session_state.owner = secrets.token_urlsafe(9)
    return st.session_state.owner


def presenting() -> bool:
    return bool(st.session_state.get("present"))


def presenter_toggle() -> None:
    """Sidebar toggle (and ?present=1): larger type, advanced controls folded away, big grid."""
    if "present" not in st.session_state:
        st.session_state.present = st.query_params.get("present") == "1"
    st.sidebar.toggle("Presenter mode", key="present", help="Larger type for a projector; also ?present=1")
    if st.session_state.present:
        st.query_params["present"] = "1"
        st.markdown(PRESENTER_CSS, unsafe_allow_html=True)
    elif "present" in st.query_params:
        del st.query_params["present"]
