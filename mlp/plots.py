"""Pure Plotly figure builders: data in, Figure out. No Streamlit, no TensorFlow."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .mathutil import ceil_div

RIGHT, WRONG = "#15803d", "#dc2626"  # green / red, readable on a projector
TRAIN, HELDOUT = "#2563eb", "#ea580c"
FONT = dict(family="Inter, Segoe UI, sans-serif", size=14)


def _layout(fig: go.Figure, height: int, **extra) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10), font=FONT, template="plotly_white", **extra)
    return fig


def curves(
    history: Sequence[dict],
    heldout: str = "validation",
    lr_changes: Sequence[int] = (),
    initial: dict | None = None,
    points: Sequence[dict] = (),
    epochs: int | None = None,
) -> go.Figure:
    """Loss and accuracy, train and held-out, side by side, from epoch 0 (the untrained network).

    history: EpochLog dicts; initial: epoch 0's; points: within-epoch running means of the training
    batches ({"epoch": 2.3, "loss", "accuracy"}), drawn into the train line so even a short epoch shows
    a curve (markers only at whole epochs); lr_changes: epochs after which the learning rate was changed
    (dotted lines); epochs: the planned number, fixing the x axis (an empty frame before the first point).
    """
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Loss", "Accuracy"), horizontal_spacing=0.08)
    ends = ([initial] if initial else []) + list(history)
    line = sorted([*ends, *points], key=lambda h: h["epoch"])
    whole = [float(h["epoch"]).is_integer() for h in line]
    for col, key in ((1, "loss"), (2, "accuracy")):
        fig.add_trace(
            go.Scatter(
                x=[h["epoch"] for h in line],
                y=[h[key] for h in line],
                name="train",
                mode="lines+markers",
                line=dict(color=TRAIN, width=3),
                marker=dict(size=[8 if w else 0 for w in whole]),
                legendgroup="train",
                showlegend=col == 1,
            ),
            row=1,
            col=col,
        )
        held = [h.get(f"val_{key}") for h in ends]
        if any(v is not None for v in held):
            fig.add_trace(
                go.Scatter(
                    x=[h["epoch"] for h in ends],
                    y=held,
                    name=heldout,
                    mode="lines+markers",
                    line=dict(color=HELDOUT, width=3, dash="dash"),
                    legendgroup="held",
                    showlegend=col == 1,
                ),
                row=1,
                col=col,
            )
        for epoch in lr_changes:
            fig.add_vline(x=epoch + 0.5, line=dict(color="#64748b", dash="dot"), row=1, col=col)
    last = max([epochs or 0, *(h["epoch"] for h in line)], default=1) or 1
    fig.update_xaxes(title_text="epoch", dtick=1 if last <= 20 else None, range=[-0.1, last + 0.1])
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02], row=1, col=2)
    fig = _layout(fig, 360, legend=dict(orientation="h", y=1.2, x=1, xanchor="right"))
    fig.update_layout(margin=dict(l=10, r=10, t=70, b=10))
    return fig


def compare(histories: dict[str, Sequence[dict]]) -> go.Figure:
    """Several runs' held-out (else train) loss and accuracy overlaid, one colour per run."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Loss", "Accuracy"), horizontal_spacing=0.08)
    palette = ["#2563eb", "#ea580c", "#16a34a", "#9333ea", "#dc2626", "#0891b2", "#ca8a04", "#db2777"]
    for i, (label, history) in enumerate(histories.items()):
        color = palette[i % len(palette)]
        for col, key in ((1, "loss"), (2, "accuracy")):
            held = [h.get(f"val_{key}") for h in history]
            values = held if all(v is not None for v in held) else [h[key] for h in history]
            fig.add_trace(
                go.Scatter(
                    x=[h["epoch"] for h in history],
                    y=values,
                    name=label,
                    mode="lines+markers",
                    line=dict(color=color, width=3),
                    legendgroup=label,
                    showlegend=col == 1,
                ),
                row=1,
                col=col,
            )
    longest = max((len(h) for h in histories.values()), default=0)
    fig.update_xaxes(title_text="epoch", dtick=1 if longest <= 20 else None)
    fig.update_yaxes(tickformat=".0%", row=1, col=2)
    return _layout(fig, 360, legend=dict(orientation="h", y=-0.25, x=0.5, xanchor="center"))


def grid(
    images: np.ndarray,
    predicted: Sequence[int],
    truth: Sequence[int],
    class_names: Sequence[str],
    cols: int = 5,
    image_shape: tuple[int, int] = (28, 28),
    size: int = 110,
) -> go.Figure:
    """Test images in a grid, captioned "pred / truth", caption and border green if right, red if wrong."""
    n = len(images)
    rows = ceil_div(n, cols)
    h, w = image_shape
    gap, caption = 4, 9  # pixels between tiles, pixel rows kept for the caption
    cell_h, cell_w = h + gap + caption, w + gap
    mosaic = np.full((rows * cell_h, cols * cell_w), np.nan)
    shapes, notes = [], []
    for i in range(n):
        r, c = divmod(i, cols)
        top, left = r * cell_h + caption, c * cell_w
        mosaic[top : top + h, left : left + w] = np.asarray(images[i], dtype=float).reshape(h, w)
        ok = int(predicted[i]) == int(truth[i])
        color = RIGHT if ok else WRONG
        shapes.append(
            dict(type="rect", x0=left - 1, x1=left + w, y0=top - 1, y1=top + h, line=dict(color=color, width=3))
        )
        label = f"{class_names[int(predicted[i])]} / {class_names[int(truth[i])]}"
        notes.append(
            dict(
                x=left + w / 2 - 0.5,
                y=top - 2,
                text=f"<b>{label}</b>",
                showarrow=False,
                yanchor="bottom",
                font=dict(color=color, size=14 if cols <= 6 else 12 if cols <= 8 else 10),
            )
        )
    fig = go.Figure(
        go.Heatmap(
            z=mosaic,
            colorscale="gray",
            showscale=False,
            hoverinfo="skip",
            zmin=0,
            zmax=float(np.nanmax(mosaic)) if n else 1,
        )
    )
    fig.update_layout(shapes=shapes, annotations=notes)
    fig.update_xaxes(visible=False, range=[-2, cols * cell_w - gap + 1])
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    fig = _layout(fig, max(200, rows * size + 30))
    fig.update_layout(margin=dict(l=0, r=0, t=10, b=0), plot_bgcolor="white")
    return fig


def probabilities(probs: Sequence[float], class_names: Sequence[str], truth: int | None = None) -> go.Figure:
    """Bar chart of one image's class probabilities; the top class highlighted (green/red if truth known)."""
    probs = np.asarray(probs, dtype=float)
    top = int(probs.argmax())
    colors = ["#94a3b8"] * len(probs)
    colors[top] = TRAIN if truth is None else (RIGHT if top == truth else WRONG)
    if truth is not None and truth != top:
        colors[truth] = "#f59e0b"
    fig = go.Figure(
        go.Bar(
            x=list(class_names),
            y=probs,
            marker_color=colors,
            text=[f"{p:.0%}" for p in probs],
            textposition="outside",
            cliponaxis=False,
            constraintext="none",
        )
    )
    fig.update_yaxes(range=[0, 1.12], tickformat=".0%", title_text="probability")
    fig.update_xaxes(type="category")
    return _layout(fig, 300, showlegend=False)


def confusion(counts: np.ndarray, class_names: Sequence[str]) -> go.Figure:
    """Confusion-matrix heatmap: rows true class, columns predicted class, counts printed."""
    counts = np.asarray(counts)
    names = list(class_names)
    fig = go.Figure(
        go.Heatmap(
            z=counts,
            x=names,
            y=names,
            colorscale="Blues",
            text=counts,
            texttemplate="%{text}",
            hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>",
            showscale=False,
        )
    )
    fig.update_xaxes(title_text="predicted", type="category", side="bottom")
    fig.update_yaxes(title_text="true", type="category", autorange="reversed")
    return _layout(fig, 460)


def per_class(accuracy: Sequence[float], class_names: Sequence[str]) -> go.Figure:
    """Horizontal bars of accuracy per true class, worst first."""
    acc = np.nan_to_num(np.asarray(accuracy, dtype=float))
    order = np.argsort(acc)
    fig = go.Figure(
        go.Bar(
            x=acc[order],
            y=[class_names[i] for i in order],
            orientation="h",
            marker_color=[RIGHT if a >= 0.9 else WRONG if a < 0.7 else "#f59e0b" for a in acc[order]],
            text=[f"{a:.1%}" for a in acc[order]],
            textposition="auto",
        )
    )
    fig.update_xaxes(range=[0, 1], tickformat=".0%")
    fig.update_yaxes(type="category")
    return _layout(fig, 60 + 32 * len(acc), showlegend=False)


def weights(kernel: np.ndarray, units: Sequence[int], image_shape: tuple[int, int] = (28, 28)) -> go.Figure:
    """First-layer weights of a few units drawn as images (blue negative, red positive)."""
    kernel = np.asarray(kernel)
    fig = make_subplots(rows=1, cols=len(units), subplot_titles=[f"unit {u}" for u in units], horizontal_spacing=0.02)
    for i, u in enumerate(units):
        w = kernel[:, u].reshape(image_shape)
        limit = float(np.abs(w).max()) or 1.0
        fig.add_trace(
            go.Heatmap(
                z=w,
                colorscale="RdBu_r",
                zmin=-limit,
                zmax=limit,
                showscale=False,
                hovertemplate="%{z:.3f}<extra></extra>",
            ),
            row=1,
            col=i + 1,
        )
        fig.update_yaxes(scaleanchor=f"x{i + 1}", row=1, col=i + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed")
    return _layout(fig, 200)
