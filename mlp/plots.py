"""Pure Plotly figure builders: data in, Figure out. No Streamlit, no TensorFlow."""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.subplots import make_subplots

from .captions import (
    CHAR_EM,
    RIGHT_MARK,
    WRONG_MARK,
    caption,
    chars_that_fit,
    font_to_fit,
    longest_caption,
    short_label,
)
from .mathutil import ceil_div

# Right/wrong: dark blue / vermillion, not green / red. Blue against orange-red stays apart under deuteranopia
# and protanopia (the blue-yellow axis survives), and the two differ in luminance (0.064 vs 0.179, contrast
# 2:1), so they stay apart in greyscale too; both read on white (9.2:1 and 4.6:1). The old green and red
# (0.159 vs 0.167) were the same grey. Shapes carry the difference as well: ✓/✗, solid/dashed, plain/hatched.
RIGHT, WRONG = "#084594", "#C75000"
TRAIN, HELDOUT = "#2563eb", "#ea580c"
NEUTRAL, INK = "#94a3b8", "#334155"
FONT = dict(family="Inter, Segoe UI, sans-serif", size=14)


def _layout(fig: go.Figure, height: float, scale: float = 1.0, **extra) -> go.Figure:
    fig.update_layout(
        height=round(height),
        margin=dict(l=10, r=10, t=40 * scale, b=10),
        font={**FONT, "size": FONT["size"] * scale},
        hoverlabel=dict(font_size=FONT["size"] * scale),
        template="plotly_white",
        **extra,
    )
    return fig


def _two_charts(stacked: bool, scale: float) -> go.Figure:
    """Loss and accuracy charts side by side, or one above the other (a tall, narrow column)."""
    fig = make_subplots(
        rows=2 if stacked else 1,
        cols=1 if stacked else 2,
        subplot_titles=("Loss", "Accuracy"),
        horizontal_spacing=0.08,
        vertical_spacing=0.16,
    )
    fig.update_annotations(font_size=16 * scale)  # the subplot titles
    return fig


def _at(stacked: bool, chart: int) -> dict:
    """row/col of chart 1 (loss) or 2 (accuracy)."""
    return dict(row=chart, col=1) if stacked else dict(row=1, col=chart)


def curves(
    history: Sequence[dict],
    heldout: str = "validation",
    lr_changes: Sequence[int] = (),
    initial: dict | None = None,
    points: Sequence[dict] = (),
    epochs: int | None = None,
    scale: float = 1.0,
    height: float | None = None,
    stacked: bool = False,
) -> go.Figure:
    """Loss and accuracy, train and held-out, side by side (or stacked, beside the grid), from epoch 0 (the
    untrained network).

    history: EpochLog dicts; initial: epoch 0's; points: within-epoch running means of the training
    batches ({"epoch": 2.3, "loss", "accuracy"}), drawn into the train line so even a short epoch shows
    a curve (markers only at whole epochs); lr_changes: epochs after which the learning rate was changed
    (dotted lines); epochs: the planned number, fixing the x axis (an empty frame before the first point);
    scale: fonts, lines and markers (presenter mode); height in px (default 360 times scale).
    """
    fig = _two_charts(stacked, scale)
    ends = ([initial] if initial else []) + list(history)
    line = sorted([*ends, *points], key=lambda h: h["epoch"])
    whole = [float(h["epoch"]).is_integer() for h in line]
    for chart, key in ((1, "loss"), (2, "accuracy")):
        fig.add_trace(
            go.Scatter(
                x=[h["epoch"] for h in line],
                y=[h[key] for h in line],
                name="train",
                mode="lines+markers",
                line=dict(color=TRAIN, width=3 * scale),
                marker=dict(size=[8 * scale if w else 0 for w in whole]),
                legendgroup="train",
                showlegend=chart == 1,
            ),
            **_at(stacked, chart),
        )
        held = [h.get(f"val_{key}") for h in ends]
        if any(v is not None for v in held):
            fig.add_trace(
                go.Scatter(
                    x=[h["epoch"] for h in ends],
                    y=held,
                    name=heldout,
                    mode="lines+markers",
                    line=dict(color=HELDOUT, width=3 * scale, dash="dash"),
                    marker=dict(size=6 * scale),
                    legendgroup="held",
                    showlegend=chart == 1,
                ),
                **_at(stacked, chart),
            )
        for epoch in lr_changes:
            fig.add_vline(x=epoch + 0.5, line=dict(color="#64748b", dash="dot", width=2 * scale), **_at(stacked, chart))
    last = max([epochs or 0, *(h["epoch"] for h in line)], default=1) or 1
    fig.update_xaxes(dtick=1 if last <= (10 if stacked else 20) else None, range=[-0.1, last + 0.1])
    fig.update_xaxes(title_text="epoch", **(_at(stacked, 2) if stacked else {}))  # stacked: under the lower one
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02], **_at(stacked, 2))
    legend = dict(orientation="h", yref="container", y=1, yanchor="top", x=1, xanchor="right")
    fig = _layout(fig, height or 360 * scale, scale, legend=legend)
    fig.update_layout(margin=dict(t=70 * scale))
    return fig


def compare(histories: dict[str, Sequence[dict]], scale: float = 1.0) -> go.Figure:
    """Several runs' held-out (else train) loss and accuracy overlaid, one colour per run."""
    fig = _two_charts(False, scale)
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
                    line=dict(color=color, width=3 * scale),
                    marker=dict(size=7 * scale),
                    legendgroup=label,
                    showlegend=col == 1,
                ),
                row=1,
                col=col,
            )
    longest = max((len(h) for h in histories.values()), default=0)
    fig.update_xaxes(title_text="epoch", dtick=1 if longest <= 20 else None)
    fig.update_yaxes(tickformat=".0%", row=1, col=2)
    return _layout(fig, 360 * scale, scale, legend=dict(orientation="h", y=-0.25, x=0.5, xanchor="center"))


GAP = 4  # image pixels between tiles
LINE = 1.3  # a caption's line height, in font sizes
FIT = 0.9  # of a tile's width (image and gap) a caption may take


def grid(
    images: np.ndarray,
    predicted: Sequence[int],
    truth: Sequence[int],
    class_names: Sequence[str],
    cols: int = 5,
    image_shape: tuple[int, int] = (28, 28),
    width: float = 450,
    height: float | None = None,
    scale: float = 1.0,
) -> go.Figure:
    """Test images in a grid, each captioned and framed by whether the network got it right.

    Right: "✓ name" and a thin solid blue frame; wrong: "✗ prediction / truth" and a thick dashed vermillion one.
    Names are shortened to fit the tile; hovering a tile shows them in full. width, height: the px box the
    grid may fill (height None: as tall as the width makes it); scale: fonts and frames (presenter mode).
    """
    names = [(class_names[int(p)], class_names[int(t)]) for p, t in zip(predicted, truth)]
    ok = [int(p) == int(t) for p, t in zip(predicted, truth)]
    fig, tile = _tiles(images, cols, image_shape, width, height, scale, longest_caption(names))
    fit = chars_that_fit(tile.width * FIT, tile.font)
    frames, notes = [], []
    for i, ((pred, true), right) in enumerate(zip(names, ok)):
        x0, y0, x1, y1 = tile.box(i)
        color = RIGHT if right else WRONG
        line = dict(color=color, width=(2.5 if right else 4) * scale, dash="solid" if right else "dash")
        frames.append(dict(type="rect", x0=x0, y0=y0, x1=x1, y1=y1, line=line))
        notes.append(tile.caption(i, f"<b>{caption(pred, true, fit)}</b>", color))
    fig.update_layout(shapes=frames, annotations=notes)  # at once: add_shape per tile takes ~20 ms each
    marks = [RIGHT_MARK if right else WRONG_MARK for right in ok]
    tile.hover(fig, [f"{m} {pred} / {true}" for m, (pred, true) in zip(marks, names)], scale)
    return fig


def examples(
    images: np.ndarray,
    names: Sequence[str],
    cols: int = 5,
    image_shape: tuple[int, int] = (28, 28),
    width: float = 290,
    scale: float = 1.0,
) -> go.Figure:
    """Example images in a grid, each named as far as its tile's width allows (in full on hover)."""
    fig, tile = _tiles(images, cols, image_shape, width, None, scale, max((len(n) for n in names), default=1))
    fit = chars_that_fit(tile.width * FIT, tile.font)
    fig.update_layout(annotations=[tile.caption(i, short_label(name, fit), INK) for i, name in enumerate(names)])
    tile.hover(fig, list(names), scale)
    return fig


class _Tiles:
    """Where the tiles of a mosaic are (in image pixels, the axes' units) and how big they are on screen."""

    def __init__(self, cols: int, image_shape: tuple[int, int], unit: float, font: float, cell_px: float):
        self.cols, (self.h, self.w) = cols, image_shape
        self.unit, self.font = unit, font  # px per image pixel; caption font size in px
        self.caption_rows = math.ceil(LINE * font / unit) + 1  # and one for the frame
        self.cell_h, self.cell_w = self.h + self.caption_rows + GAP, max(self.w + GAP, int(cell_px / unit))
        self.width = self.cell_w * unit  # a tile's width in px, its gap included

    def corner(self, i: int) -> tuple[int, int]:
        """(top, left) of image i."""
        r, c = divmod(i, self.cols)
        return r * self.cell_h + self.caption_rows, c * self.cell_w

    def box(self, i: int) -> tuple[float, float, float, float]:
        """A frame just outside image i: x0, y0, x1, y1."""
        top, left = self.corner(i)
        return left - 1, top - 1, left + self.w, top + self.h

    def caption(self, i: int, text: str, color: str) -> dict:
        """An annotation centred above image i."""
        top, left = self.corner(i)
        font = dict(color=color, size=self.font)
        return dict(x=left + self.w / 2 - 0.5, y=top - 1.5, text=text, showarrow=False, yanchor="bottom", font=font)

    def hover(self, fig: go.Figure, texts: list[str], scale: float) -> None:
        """An invisible square over each tile that names it in full on hover (the picture itself skips hover)."""
        corners = [self.corner(i) for i in range(len(texts))]
        fig.add_trace(
            go.Scatter(
                x=[left + self.w / 2 - 0.5 for _, left in corners],
                y=[top + self.h / 2 - 0.5 for top, _ in corners],
                mode="markers",
                marker=dict(symbol="square", size=self.w * self.unit, color="rgba(0,0,0,0)"),
                hovertext=texts,
                hoverinfo="text",
                hoverlabel=dict(font_size=FONT["size"] * scale),
                showlegend=False,
            )
        )


def _tiles(images, cols, image_shape, width, height, scale, chars) -> tuple[go.Figure, _Tiles]:
    """The images as one greyscale picture with room above each for a caption of `chars` characters, sized to
    the px box width x height; fonts between 10 and 16 px times `scale`. When the height limits the images,
    the width left over widens the gaps between columns, for longer captions."""
    n = len(images)
    rows = ceil_div(n, cols)
    h, w = image_shape
    top_margin = 4 * scale

    def font_for(cell_px: float) -> float:
        return font_to_fit(chars, cell_px * FIT, 10 * scale, 16 * scale)

    cell_px = width / cols
    unit = cell_px / (w + GAP)
    if height is not None:  # the rows must fit too: shrink the images, keeping each caption's line
        per_row = (height - top_margin) / rows
        unit = max(0.5, min(unit, (per_row - LINE * font_for(cell_px)) / (h + GAP + 2)))
        cell_px = min(cell_px, max((w + GAP) * unit, CHAR_EM * font_for(cell_px) * chars / FIT))
    tile = _Tiles(cols, image_shape, unit, font_for(cell_px), cell_px)
    mosaic = np.full((rows * tile.cell_h, cols * tile.cell_w), np.nan)
    for i in range(n):
        top, left = tile.corner(i)
        mosaic[top : top + h, left : left + w] = np.asarray(images[i], dtype=float).reshape(h, w)
    fig = go.Figure(go.Image(source=_png(mosaic), hoverinfo="skip"))
    fig.update_xaxes(visible=False, range=[-1.5, cols * tile.cell_w - GAP + 0.5], fixedrange=True)
    fig.update_yaxes(visible=False, range=[rows * tile.cell_h - GAP + 0.5, -0.5], scaleanchor="x", fixedrange=True)
    fig = _layout(fig, rows * tile.cell_h * unit + top_margin, scale)
    fig.update_layout(margin=dict(l=0, r=0, t=top_margin, b=0), plot_bgcolor="white", hovermode="closest")
    return fig, tile


def _png(mosaic: np.ndarray) -> str:
    """The mosaic as a greyscale PNG data URI, black to its brightest pixel, gaps (NaN) white. A few tens of KB
    where a heatmap of the same pixels is over a megabyte of JSON, sent at every rerun of the live view."""
    top = float(np.nanmax(mosaic)) if np.isfinite(mosaic).any() else 0.0
    grey = np.where(np.isnan(mosaic), 255, np.clip(np.nan_to_num(mosaic) * 255 / (top or 1), 0, 255))
    buffer = io.BytesIO()
    Image.fromarray(grey.astype(np.uint8)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def probabilities(
    probs: Sequence[float], class_names: Sequence[str], truth: int | None = None, scale: float = 1.0
) -> go.Figure:
    """Bar chart of one image's class probabilities. With the truth known: its bar blue and "✓"; a wrong top
    class vermillion, hatched and "✗". Without: the top class highlighted."""
    probs = np.asarray(probs, dtype=float)
    top = int(probs.argmax())
    colors, patterns = [NEUTRAL] * len(probs), [""] * len(probs)
    text = [f"{p:.0%}" for p in probs]
    if truth is None:
        colors[top] = TRAIN
    else:
        colors[truth], text[truth] = RIGHT, f"{RIGHT_MARK} {text[truth]}"
        if top != truth:
            colors[top], patterns[top], text[top] = WRONG, "/", f"{WRONG_MARK} {text[top]}"
    fig = go.Figure(
        go.Bar(
            x=list(class_names),
            y=probs,
            marker=dict(color=colors, pattern=dict(shape=patterns, fillmode="overlay", fgcolor="white")),
            text=text,
            textposition="outside",
            cliponaxis=False,
            constraintext="none",
        )
    )
    fig.update_yaxes(range=[0, 1.12], tickformat=".0%", title_text="probability")
    fig.update_xaxes(type="category")
    return _layout(fig, 300 * scale, scale, showlegend=False)


def confusion(counts: np.ndarray, class_names: Sequence[str], scale: float = 1.0) -> go.Figure:
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
    return _layout(fig, 460 * scale, scale)


def per_class(accuracy: Sequence[float], class_names: Sequence[str], scale: float = 1.0) -> go.Figure:
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
    return _layout(fig, (60 + 32 * len(acc)) * scale, scale, showlegend=False)


def weights(
    kernel: np.ndarray, units: Sequence[int], image_shape: tuple[int, int] = (28, 28), scale: float = 1.0
) -> go.Figure:
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
    fig.update_annotations(font_size=16 * scale)  # the subplot titles
    return _layout(fig, 200 * scale, scale)
