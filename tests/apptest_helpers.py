"""Finding AppTest elements by their label (AppTest itself finds them by key or position only)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(autouse=True)
def fresh_server_state():
    """Each test is a fresh server: the job manager (and its run store) is a cache_resource.
    Import this fixture into an AppTest module to use it there."""
    import streamlit as st

    st.cache_resource.clear()


def new_app(query: dict | None = None) -> AppTest:
    """The app as a new browser session opening a link with `query`, after its first run."""
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def texts(elements) -> str:
    return " | ".join(str(e.value) for e in elements)


def labelled(elements, label: str):
    """The first element of `elements` (e.g. at.button) whose label is `label`."""
    found = next((e for e in elements if e.label == label), None)
    assert found is not None, f"no element labelled {label!r} among {[e.label for e in elements]}"
    return found


def button(at, label: str):
    return labelled(at.button, label)


def metric(at, label: str):
    return labelled(at.metric, label)


def number_input(at, label: str):
    return labelled(at.number_input, label)


def selectbox(at, label: str):
    return labelled(at.selectbox, label)
