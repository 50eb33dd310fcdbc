"""Finding AppTest elements by their label (AppTest itself finds them by key or position only)."""

from __future__ import annotations


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
