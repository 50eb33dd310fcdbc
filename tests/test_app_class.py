"""The Class page and the nickname through AppTest: closed without a key, a wrong key tells nothing, the
right key shows every session's training with a Stop; the leaderboard reaches the class only when shown."""

import pytest
from apptest_helpers import (  # noqa: F401 (fresh_server_state: a fixture)
    button,
    fresh_server_state,
    labelled,
    new_app,
    texts,
)
from job_helpers import wait

from pages._common import job_manager

LONG = {"v": "1", "epochs": "200", "layers": "16:relu", "batch_size": "16"}
KEY = "correct horse"
SHOW = "Show the leaderboard to the class"


def class_page(at):
    return at.switch_page("pages/class_page.py").run()


def page_text(at) -> str:
    """Everything a session's page shows as text (tables included)."""
    parts = [
        str(e.value) for kind in ("markdown", "info", "error", "warning", "caption", "subheader") for e in at.get(kind)
    ]
    parts += [t.to_csv() for t in (d.value for d in at.dataframe)]
    return " | ".join(parts)


@pytest.fixture
def student():
    """A session that named itself and started a long training; stopped at the end whatever happens."""
    at = new_app(LONG)
    at.sidebar.text_input(key="nickname").input("  Ada   Lovelace ").run()
    button(at, "Train").click().run()
    yield at
    for job in job_manager().active_jobs():
        job.stop()
        wait(job)


def test_without_a_key_configured_the_page_says_how_and_shows_nothing(student, monkeypatch):
    monkeypatch.delenv("MLP_TEACHER_KEY", raising=False)
    at = class_page(new_app())
    assert not at.exception
    assert "MLP_TEACHER_KEY" in texts(at.info) and "secrets.toml" in texts(at.info)
    assert not at.dataframe and "Teacher key" not in [t.label for t in at.text_input]
    assert "Ada" not in page_text(at)


def test_a_wrong_key_gets_the_same_message_whether_trainings_exist_then_a_wait(monkeypatch):
    monkeypatch.setenv("MLP_TEACHER_KEY", KEY)
    seen = []
    for _ in range(2):  # first with nothing training, then with a student's training
        at = class_page(new_app())
        at.text_input(key="teacher_key_attempt").input("guess")
        at = button(at, "Open the teacher's view").click().run()
        seen.append(page_text(at))
        if not job_manager().active_jobs():
            trainer = new_app(LONG)
            button(trainer, "Train").click().run()
    try:
        assert seen[0] == seen[1] and "That is not the teacher key." in seen[0]
        for attempt in ["guess"] * 4 + [KEY]:  # five wrong in all, then the right one
            at.text_input(key="teacher_key_attempt").input(attempt)
            at = button(at, "Open the teacher's view").click().run()
        assert "Too many wrong keys: wait 30 s" in texts(at.error)  # the right key, but too late
        assert not at.dataframe and not at.exception
    finally:
        for job in job_manager().active_jobs():
            job.stop()
            wait(job)


def test_the_right_key_shows_every_training_and_stops_one(student, monkeypatch):
    monkeypatch.setenv("MLP_TEACHER_KEY", KEY)
    teacher = class_page(new_app())
    teacher.text_input(key="teacher_key_attempt").input(KEY)
    teacher = button(teacher, "Open the teacher's view").click().run()
    assert not teacher.exception
    table = teacher.dataframe[0].value
    assert list(table["nickname"]) == ["Ada Lovelace"]
    assert table["configuration"][0] == "mnist 784-16-10 relu adam lr=0.001" and table["epoch"][0].endswith("/ 200")
    teacher.selectbox(key="class_stop_pick").select(teacher.selectbox(key="class_stop_pick").options[0])
    teacher = teacher.button(key="class_stop").click().run()
    assert "Stopping" in texts(teacher.toast)
    (job,) = [j for j in job_manager().jobs.values() if j.nickname == "Ada Lovelace"]
    assert wait(job).state == "stopped"
    student.run()
    assert "Stopped by the teacher" in texts(student.info)


def test_the_leaderboard_reaches_the_class_only_when_the_teacher_shows_it(monkeypatch):
    monkeypatch.setenv("MLP_TEACHER_KEY", KEY)
    at = new_app({"v": "1", "epochs": "1", "layers": "16:relu"})
    at.sidebar.text_input(key="nickname").input(" <b>Ada</b>  **bold** ").run()
    button(at, "Train").click().run()
    (job,) = job_manager().jobs.values()
    assert wait(job).state == "completed"
    classmate = class_page(new_app())
    assert "Leaderboard" not in page_text(classmate)
    teacher = class_page(new_app())
    teacher.text_input(key="teacher_key_attempt").input(KEY)
    teacher = button(teacher, "Open the teacher's view").click().run()
    labelled(teacher.toggle, SHOW).set_value(True).run()
    board = class_page(classmate).dataframe[0].value
    assert list(board["nickname"]) == ["<b>Ada</b> **bold**"]  # trimmed, and shown as text
    assert board["test accuracy"][0] == pytest.approx(job.snapshot().test_accuracy)
    assert board["parameters"][0] == 784 * 16 + 16 + 16 * 10 + 10
    button(teacher, "Reset the leaderboard").click().run()
    assert "No finished trainings" in texts(class_page(classmate).info)
    labelled(teacher.toggle, SHOW).set_value(False).run()
    assert "Leaderboard" not in page_text(class_page(classmate))
