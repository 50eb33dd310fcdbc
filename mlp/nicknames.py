"""Nicknames that label a session's trainings for the class: a friendly random default, never an account.

No personal data: a student may keep the random name or type another, and it is only ever shown as text.
"""

from __future__ import annotations

import random

MAX_NICKNAME = 30  # characters

ADJECTIVES = (
    "Brave", "Calm", "Clever", "Curious", "Eager", "Gentle", "Happy", "Jolly", "Kind", "Lively",
    "Lucky", "Mighty", "Nimble", "Patient", "Quick", "Quiet", "Sunny", "Swift", "Witty", "Zesty",
)  # fmt: skip
ANIMALS = (
    "Badger", "Beaver", "Dolphin", "Falcon", "Fox", "Gecko", "Hedgehog", "Heron", "Koala", "Lynx",
    "Marmot", "Narwhal", "Otter", "Owl", "Panda", "Penguin", "Puffin", "Raccoon", "Seal", "Wombat",
)  # fmt: skip


def random_nickname(rng: random.Random | None = None) -> str:
    """'Brave Otter': one of 400 names; `rng` makes it repeatable (tests), else the system's randomness."""
    rng = rng or random.SystemRandom()
    return f"{rng.choice(ADJECTIVES)} {rng.choice(ANIMALS)}"


def clean_nickname(text: str, default: str) -> str:
    """A nickname as stored: printable characters on one line with single spaces, at most MAX_NICKNAME
    characters; nothing left gives `default`. Markup stays as typed: it is shown as text, never rendered."""
    printable = "".join(ch if ch.isprintable() else " " for ch in str(text))
    return " ".join(printable.split())[:MAX_NICKNAME].strip() or default
