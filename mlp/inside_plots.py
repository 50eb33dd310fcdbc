"""Pure Plotly figure builders for looking inside a network: layer activations, saliency, one unit.

Colours read without colour vision: activations on Viridis (dark = silent, yellow = the layer's most
active unit; it runs dark to light, so it survives greyscale too); signed values (evidence, weights) on one
diverging scale, orange for + and blue for - (the blue-yellow axis survives red-green colour blindness),
matching the app's first-layer weights (red +, blue -). No Streamlit, no TensorFlow.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .plots import FONT, INK, NEUTRAL, _layout

ACTIVITY = "Viridis"
PLUS, MINUS = "#D95F02", "#08519C"  # orange +, blue -
SIGNED = [[0, MINUS], [0.25, "#6BAED6"], [0.5, "#FFFFFF"], [0.75, "#FDAE6B"], [1, PLUS]]
OVERLAY = [  # SIGNED with a see-through middle: the digit shows where the evidence is weak
    [0, MINUS],
    [0.25, "rgba(107,174,214,0.85)"],
    [0.5, "rgba(255,255,255,0)"],
    [0.75, "rgba(253,174,107,0.85)"],
    [1, PLUS],
]
PAPER = [[0, "#FFFFFF"], [1, "#CBD5E1"]]  # the drawing under a saliency map: ink light grey on white
ROW_PX = 13  # height of a row of units
TITLE_PX = 26  # room for a layer's title above its units
CLIP = 98  # the saliency colour scale ends at this percentile of |evidence|, so one pixel does not wash out the rest
BAR_PX = 56  # room for a horizontal colour bar and its labels under a plot


def layout_of(units: int) -> tuple[int, int]:
    """(rows, cols) of a layer's grid of units: 32 to a row, 64 for wide layers."""
    cols = min(units, 32 if units <= 512 else 64)
    return -(-units // cols), cols


def activations(
    values: Sequence[np.ndarray], names: Sequence[str], selected: tuple[int, int] | None = None, scale: float = 1.0
) -> go.Figure:
    """Each hidden layer as a grid of its units (numbered row by row), coloured by activation divided by the
    layer's largest |activation| for this image, so every layer uses the whole scale; hover gives the value.

    values: one activation vector per layer; names: the layers' titles; selected: (layer, unit) framed.
    An invisible marker over each unit carries customdata (layer, unit, value), for hover and a click to pick it."""
    shapes = [layout_of(len(v)) for v in values]
    heights = [rows * ROW_PX * scale for rows, _ in shapes]
    total = sum(heights) + TITLE_PX * scale * len(values)
    fig = make_subplots(
        rows=len(values),
        cols=1,
        subplot_titles=list(names),
        row_heights=heights,
        vertical_spacing=TITLE_PX * scale / total if len(values) > 1 else 0,
    )
    negative = any(float(np.min(v)) < 0 for v in values)
    for i, (v, (rows, cols)) in enumerate(zip(values, shapes)):
        v = np.asarray(v, dtype=float)
        z = np.full(rows * cols, np.nan)
        z[: v.size] = v / (float(np.abs(v).max()) or 1.0)
        fig.add_trace(
            go.Heatmap(
                z=z.reshape(rows, cols),
                colorscale=ACTIVITY,
                zmin=-1 if negative else 0,
                zmax=1,
                xgap=1,
                ygap=1,
                showscale=i == 0,
                colorbar=_activity_bar(negative, scale),
                hoverinfo="skip",
            ),
            row=i + 1,
            col=1,
        )
        row, col = np.divmod(np.arange(v.size), cols)
        fig.add_trace(  # invisible markers over the squares: hover text and click-to-pick (heatmaps cannot be picked)
            go.Scatter(
                x=col,
                y=row,
                mode="markers",
                marker=dict(size=2, color="rgba(0,0,0,0)"),  # small: the nearest centre wins a hover or click
                customdata=[[i, unit, value] for unit, value in enumerate(v.tolist())],  # a list: a click sends it back
                hovertemplate="unit %{customdata[1]}: %{customdata[2]:.3f}<extra></extra>",
                showlegend=False,
            ),
            row=i + 1,
            col=1,
        )
        fig.update_xaxes(range=[-0.5, cols - 0.5], row=i + 1, col=1)  # the squares' edges, not the markers'
        fig.update_yaxes(range=[rows - 0.5, -0.5], row=i + 1, col=1)
    if selected is not None and 0 <= selected[0] < len(values):
        layer, unit = selected
        row, col = divmod(unit, shapes[layer][1])
        axis = "" if layer == 0 else str(layer + 1)
        for color, width in (("#000000", 5 * scale), ("#FFFFFF", 2 * scale)):  # seen on dark and light cells
            box = dict(x0=col - 0.5, x1=col + 0.5, y0=row - 0.5, y1=row + 0.5, xref=f"x{axis}", yref=f"y{axis}")
            fig.add_shape(type="rect", line=dict(color=color, width=width), **box)
    fig.update_xaxes(visible=False, fixedrange=True)
    fig.update_yaxes(visible=False, fixedrange=True)
    fig.update_annotations(font_size=14 * scale, font_color=INK)  # the layer titles
    fig = _layout(fig, total + BAR_PX * scale, scale)
    fig.update_layout(margin=dict(l=4, r=4, t=TITLE_PX * scale, b=BAR_PX * scale), clickmode="event+select")
    return fig


def _activity_bar(negative: bool, scale: float) -> dict:
    ticks = [-1, 0, 1] if negative else [0, 1]
    text = ["most negative", "0", "most active"] if negative else ["0: silent", "most active"]
    return {**_below(scale), "tickvals": ticks, "ticktext": text}


def _below(scale: float) -> dict:
    """A horizontal colour bar under the plot, leaving the plot the whole width."""
    return dict(
        orientation="h",
        yref="container",
        y=0,
        yanchor="bottom",
        len=0.6,
        thickness=10 * scale,
        tickfont_size=FONT["size"] * scale,
    )


def saliency(maps: Sequence[np.ndarray], image: np.ndarray, titles: Sequence[str], scale: float = 1.0) -> go.Figure:
    """Saliency maps side by side over the drawing (light grey), on one shared diverging scale: orange pixels
    are evidence for the class, blue ones against it, see-through where there is little either way. The
    scale ends at the 98th percentile of the pixels' |evidence| (stronger ones saturate; hover gives values)."""
    strengths = np.abs(np.concatenate([np.ravel(m) for m in maps]))
    strengths = strengths[strengths > 0]
    limit = float(np.percentile(strengths, CLIP)) if strengths.size else 1.0  # a few extreme pixels saturate
    fig = make_subplots(rows=1, cols=len(maps), subplot_titles=list(titles), horizontal_spacing=0.04)
    for i, m in enumerate(maps):
        fig.add_trace(
            go.Heatmap(
                z=np.asarray(image, float), colorscale=PAPER, zmin=0, zmax=255, showscale=False, hoverinfo="skip"
            ),
            row=1,
            col=i + 1,
        )
        fig.add_trace(
            go.Heatmap(
                z=np.asarray(m, float),
                colorscale=OVERLAY,
                zmin=-limit,
                zmax=limit,
                showscale=i == 0,
                colorbar=_signed_bar(limit, "against", "for", scale),
                hovertemplate="row %{y}, column %{x}: %{z:+.3f}<extra></extra>",
            ),
            row=1,
            col=i + 1,
        )
    _square_images(fig, len(maps))
    fig.update_annotations(font_size=15 * scale, font_color=INK)
    fig = _layout(fig, 310 * scale, scale)
    fig.update_layout(margin=dict(t=30 * scale, b=BAR_PX * scale))
    return fig


def incoming_image(weights: np.ndarray, title: str, scale: float = 1.0) -> go.Figure:
    """A first-layer unit's 784 incoming weights as a 28x28 image: orange pixels excite it, blue ones inhibit it."""
    limit = float(np.abs(weights).max()) or 1.0
    fig = make_subplots(rows=1, cols=1)
    fig.add_trace(
        go.Heatmap(
            z=np.asarray(weights, float),
            colorscale=SIGNED,
            zmin=-limit,
            zmax=limit,
            colorbar=_signed_bar(limit, "inhibits", "excites", scale),
            hovertemplate="row %{y}, column %{x}: %{z:+.3f}<extra></extra>",
        )
    )
    _square_images(fig, 1)
    fig = _layout(fig, 320 * scale, scale, title=dict(text=title, font_size=15 * scale, x=0.5, xanchor="center"))
    fig.update_layout(margin=dict(b=BAR_PX * scale))
    return fig


def incoming_units(units: Sequence[int], weights: Sequence[float], below: str, scale: float = 1.0) -> go.Figure:
    """A deeper unit's strongest inputs: one bar per unit of the layer below, orange + (excites), blue hatched -
    (inhibits), strongest first."""
    weights = np.asarray(weights, float)
    fig = go.Figure(
        go.Bar(
            x=[f"{u}" for u in units],
            y=weights,
            marker=dict(
                color=[PLUS if w >= 0 else MINUS for w in weights],
                pattern=dict(shape=["" if w >= 0 else "/" for w in weights], fillmode="overlay", fgcolor="white"),
            ),
            hovertemplate=f"{below} unit %{{x}}: weight %{{y:+.3f}}<extra></extra>",
        )
    )
    fig.update_xaxes(type="category", title_text=f"unit of {below}")
    fig.update_yaxes(title_text="weight", zeroline=True, zerolinecolor=INK)
    return _layout(fig, 260 * scale, scale, showlegend=False)


def _signed_bar(limit: float, minus: str, plus: str, scale: float) -> dict:
    return {**_below(scale), "tickvals": [-limit, 0, limit], "ticktext": [minus, "0", plus]}


def _square_images(fig: go.Figure, n: int) -> None:
    """28x28 pictures: square pixels, row 0 at the top, no axes, a thin frame as around the network's input."""
    for i in range(n):
        fig.update_yaxes(scaleanchor=f"x{'' if i == 0 else i + 1}", autorange="reversed", row=1, col=i + 1)
        frame = dict(type="rect", x0=-0.5, y0=-0.5, x1=27.5, y1=27.5, line=dict(color=NEUTRAL, width=1))
        fig.add_shape(frame, row=1, col=i + 1)
    fig.update_xaxes(visible=False, fixedrange=True, constrain="domain")
    fig.update_yaxes(visible=False, fixedrange=True, constrain="domain", constraintoward="top")  # under its title
