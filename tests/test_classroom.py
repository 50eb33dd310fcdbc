"""The teacher's rules without Streamlit: the key check and its rate limit, the class's trainings, Stop by
the teacher, the server's settings, and the leaderboard."""

import time

import pytest
from job_helpers import wait

from mlp import classroom
from mlp.classroom import (
    WRONG_KEY,
    Classroom,
    KeyGate,
    apply_settings,
    class_trainings,
    configured_key,
    leaderboards,
    stop_training,
)
from mlp.config import LayerSpec, RunConfig
from mlp.jobs import JobManager
from mlp.runs import Run, RunStore

LONG = RunConfig(layers=(LayerSpec(16),), epochs=200, batch_size=16, engine="scratch")


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_the_key_comes_from_the_environment_else_the_secret():
    assert configured_key({}, None) is None
    assert configured_key({"MLP_TEACHER_KEY": "  "}, "") is None  # blank: not configured
    assert configured_key({}, 1234) is None  # a secret that is not text
    assert configured_key({}, " owl ") == "owl"
    assert configured_key({"MLP_TEACHER_KEY": "fox"}, "owl") == "fox"


def test_five_wrong_keys_then_a_wait_in_which_even_the_right_key_is_not_compared():
    clock = Clock()
    gate = KeyGate(clock)
    assert not gate.is_open("k3y")
    for _ in range(classroom.MAX_TRIES - 1):
        assert gate.try_key("guess", "k3y") == WRONG_KEY
    assert "wait 30 s" in gate.try_key("guess", "k3y")
    clock.now += 10
    assert "wait 20 s" in gate.try_key("k3y", "k3y") and not gate.is_open("k3y")
    clock.now += 20
    assert gate.try_key("Ünïcode ✓", "k3y") == WRONG_KEY  # non-ASCII is compared, not a crash
    assert gate.try_key(" k3y ", "k3y") is None and gate.is_open("k3y")
    assert not gate.is_open("another key") and not gate.is_open(None)  # the key was changed or removed


@pytest.fixture
def manager(tmp_path):
    return JobManager(max_parallel=1, store=RunStore(tmp_path))


def test_the_teacher_sees_every_training_and_stops_one(manager, sample):
    running = manager.submit(LONG, sample, owner="a", nickname="Brave Otter")
    queued = manager.submit(LONG.replace(epochs=3), sample, owner="b", nickname="Calm Heron")
    while not running.snapshot().history:
        time.sleep(0.05)
    rows = class_trainings(manager)
    assert [r.nickname for r in rows] == ["Brave Otter", "Calm Heron"]
    first, second = (r.row() for r in rows)
    assert first["queue"] == "training" and first["epoch"].endswith("/ 200") and 0 < first["accuracy so far"] <= 1
    assert first["configuration"] == LONG.describe() == "mnist 784-16-10 relu adam lr=0.001"
    assert second == {**second, "queue": "#1", "epoch": "0 / 3", "accuracy so far": None}
    assert stop_training(manager, queued.id).startswith("Stopping")  # the queued first: it must not start
    assert stop_training(manager, running.id).startswith("Stopping")
    snap = wait(running)
    assert snap.state == "stopped" and snap.message.startswith("Stopped by the teacher during epoch")
    assert manager.store.load(running.run_id).status["message"] == snap.message  # the Runs page says it too
    assert wait(queued).message == "Stopped by the teacher before it started."
    assert class_trainings(manager) == []
    assert stop_training(manager, running.id) == "That training has already ended."
    assert stop_training(manager, "no-such-job") == "That training has already ended."


def test_more_simultaneous_trainings_start_the_queue_and_a_shorter_budget_stops_new_ones(manager, sample):
    assert apply_settings(manager, 0, 60) == "Simultaneous trainings must be between 1 and 32."
    assert "between 10 and 3600 seconds" in apply_settings(manager, 2, 5)
    assert manager.max_parallel == 1 and manager.teacher_seconds is None
    first = manager.submit(LONG, sample)
    second = manager.submit(LONG, sample)
    while first.snapshot().state != "running":
        time.sleep(0.05)
    assert second.snapshot().queue_position == 1
    assert apply_settings(manager, 2, 10) is None
    end = time.time() + 30
    while second.snapshot().state != "running" and time.time() < end:
        time.sleep(0.05)
    assert second.snapshot().state == "running" and manager.training_seconds == 10
    for job in (first, second):
        job.stop()
        wait(job)
    manager.teacher_seconds = 0.5  # below what the page allows, to keep the test short
    snap = wait(manager.submit(LONG, sample))
    assert snap.state == "stopped" and "by the time limit of 0.5 s" in snap.message
    assert snap.message.endswith("The teacher sets this server's limit.")


def run(n, nickname, accuracy, created=100.0, dataset="mnist", state="completed", units=16):
    config = RunConfig(dataset=dataset, layers=(LayerSpec(units),), epochs=2)
    status = {"state": state, "nickname": nickname, "test_accuracy": accuracy, "created": created}
    return Run(f"20260101-00000{n}-abcdef", config, [{"epoch": 1}, {"epoch": 2}], status)


def test_the_leaderboard_keeps_each_nicknames_best_run_ordered_by_test_accuracy():
    runs = [
        run(1, "Otter", 0.91),
        run(2, "Otter", 0.95, units=64),
        run(3, "Heron", 0.93),
        run(4, "Lynx", 0.99, state="diverged"),
        run(5, "", 0.99),  # the CLI's: no nickname
        run(6, "Fox", None, state="stopped"),  # stopped before it trained
        run(7, "Seal", 0.97, dataset="fashion_mnist"),
        run(8, "Puffin", 0.98, dataset="upload:mine"),  # a session's own data: not comparable
    ]
    room = Classroom()
    boards = leaderboards(runs, room.since)
    assert list(boards) == ["mnist", "fashion_mnist"] and [r["nickname"] for r in boards["fashion_mnist"]] == ["Seal"]
    board = boards["mnist"]
    assert [(r["rank"], r["nickname"], r["test accuracy"]) for r in board] == [(1, "Otter", 0.95), (2, "Heron", 0.93)]
    assert board[0]["parameters"] == 784 * 64 + 64 + 64 * 10 + 10 and board[0]["epochs"] == 2
    assert "784-64-10" in board[0]["configuration"]
    room.reset_leaderboard(now=150.0)  # from now on: earlier runs no longer count, none is deleted
    assert leaderboards(runs, room.since) == {}
    later = [*runs, run(9, "Heron", 0.8, created=200.0)]
    assert [r["nickname"] for r in leaderboards(later, room.since)["mnist"]] == ["Heron"]
    assert not room.leaderboard_shown
    room.show_leaderboard(True)
    assert room.leaderboard_shown
