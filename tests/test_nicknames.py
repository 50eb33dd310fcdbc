"""Nicknames: a repeatable random default, and whatever a student types made safe to store and show."""

import random

import pytest

from mlp.config import LayerSpec, RunConfig
from mlp.jobs import JobManager
from mlp.nicknames import ADJECTIVES, ANIMALS, MAX_NICKNAME, clean_nickname, random_nickname
from mlp.runs import RunStore
from mlp.session import Workbench


def test_the_default_is_two_friendly_words_repeatable_from_a_seed():
    names = {random_nickname(random.Random(seed)) for seed in range(50)}
    assert random_nickname(random.Random(7)) == random_nickname(random.Random(7))
    assert len(names) > 30  # not one name for everyone
    for name in names:
        adjective, animal = name.split(" ")
        assert adjective in ADJECTIVES and animal in ANIMALS


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("  Ada   the\tGreat ", "Ada the Great"),
        ("", "Brave Otter"),
        ("   \n\t ", "Brave Otter"),
        ("line\nbreak\x00null", "line break null"),
        ("<b>bold</b> **x**", "<b>bold</b> **x**"),  # kept as typed: the pages show it as text
        ("x" * 10_000, "x" * MAX_NICKNAME),
        ("a" * 29 + " b", "a" * 29),  # no trailing space after shortening
    ],
)
def test_what_is_typed_is_trimmed_shortened_or_the_default(typed, stored):
    assert clean_nickname(typed, "Brave Otter") == stored


def test_a_session_labels_its_runs_with_its_nickname(small, tmp_path):
    from job_helpers import wait

    wb = Workbench(JobManager(max_parallel=1, store=RunStore(tmp_path)))
    assert wb.nickname == wb.default_nickname and len(wb.nickname.split()) == 2
    assert wb.set_nickname("  Team  Rocket ") == "Team Rocket"
    wb.uploads["upload:small"] = small
    wb.config = RunConfig(dataset="upload:small", layers=(LayerSpec(16),), epochs=1, engine="scratch")
    job = wb.train().job
    assert job.nickname == "Team Rocket"
    assert wait(job).state == "completed"
    assert RunStore(tmp_path).load(job.run_id).nickname == "Team Rocket"
    assert wb.set_nickname("") == wb.default_nickname
