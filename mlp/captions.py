"""Tile captions that fit their tile: class names shortened to a character budget, right/wrong marked by a shape.

Pure text arithmetic; the widths are estimates (no font metrics), erring on the wide side.
"""

from __future__ import annotations

RIGHT_MARK, WRONG_MARK = "✓", "✗"
CHAR_EM = 0.6  # an average bold character is 0.6 em wide in DejaVu Sans Bold, the widest common fallback font
MIN_NAME = 5  # a wrong tile names its truth too only if neither name is cut below 4 letters and "…"


def short_label(name: str, max_chars: int) -> str:
    """`name` in at most `max_chars` characters, still a word: the part before a slash ("T-shirt/top" ->
    "T-shirt"), then its last word, the noun ("Ankle boot" -> "Boot"), then cut with an ellipsis ("Pullo…")."""
    max_chars = max(1, max_chars)
    if len(name) <= max_chars:
        return name
    name = name.split("/")[0].strip() or name
    if len(name) > max_chars and len(words := name.split()) > 1:
        name = words[-1][:1].upper() + words[-1][1:] if name[:1].isupper() else words[-1]
    if len(name) <= max_chars:
        return name
    return name[: max_chars - 1] + "…" if max_chars > 1 else name[:1]


def caption(predicted: str, truth: str, max_chars: int) -> str:
    """A tile's caption in about `max_chars` characters: "✓ name" when right; "✗ prediction / truth" when
    wrong, or "✗ prediction" when both names would be cut short (the image shows the truth; hovering names it)."""
    if predicted == truth:
        return f"{RIGHT_MARK} {short_label(predicted, max_chars - 2)}"
    budget = max_chars - 5  # "✗ " and " / " take 5; a name shorter than half leaves the rest to the other
    pred = short_label(predicted, budget - len(short_label(truth, budget - budget // 2)))
    true = short_label(truth, budget - len(pred))
    if _readable(pred, predicted) and _readable(true, truth):
        return f"{WRONG_MARK} {pred} / {true}"
    return f"{WRONG_MARK} {short_label(predicted, max_chars - 2)}"


def _readable(label: str, name: str) -> bool:
    """A whole word of the name ("Boot"), or at least MIN_NAME characters of it ("Snea…")."""
    whole = not label.endswith("…") and (len(label) > 1 or len(name) == 1)
    return whole or len(label) >= MIN_NAME


def longest_caption(names: list[tuple[str, str]]) -> int:
    """Characters of the longest uncut caption among these (prediction, truth) tiles: what a font would fit."""
    return max((len(caption(p, t, 10**6)) for p, t in names), default=1)


def font_to_fit(chars: int, width_px: float, smallest: float, largest: float) -> float:
    """The font size (px) that fits `chars` characters in `width_px`, kept between `smallest` and `largest`."""
    return min(largest, max(smallest, width_px / (CHAR_EM * max(1, chars))))


def chars_that_fit(width_px: float, font_px: float) -> int:
    return int(width_px / (CHAR_EM * font_px))
