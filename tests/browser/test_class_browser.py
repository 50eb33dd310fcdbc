"""The teacher's flow in a real Chromium on a projector (1920x1080): a student trains, the teacher opens the
Class page with the key, sees the training, stops it, and shows the leaderboard; the student reads why."""

import re

import pytest
from live_server import LiveServer

KEY = "correct horse battery staple"


@pytest.fixture(scope="module")
def class_url(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("class") / "runs", env={"MLP_TEACHER_KEY": KEY})
    yield server.url
    server.stop()


def test_the_teacher_stops_a_training_and_shows_the_leaderboard(browser, class_url, screenshots):
    student = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    teacher = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    for page in (student, teacher):
        page.set_default_timeout(60_000)
    student.goto(f"{class_url}/?v=1&epochs=1&layers=16:relu")
    student.get_by_role("button", name="Train").click()
    student.get_by_text("Results on the test set").wait_for(timeout=120_000)  # a finished run for the board
    student.goto(f"{class_url}/?v=1&epochs=200&batch_size=8&layers=16:relu")
    student.get_by_role("button", name="Train").click()
    student.get_by_text(re.compile(r"Epoch \d+ of 200")).wait_for(timeout=120_000)

    teacher.goto(f"{class_url}/class?present=1")
    teacher.get_by_label("Teacher key").fill("wrong")
    teacher.get_by_role("button", name="Open the teacher's view").click()
    teacher.get_by_text("That is not the teacher key.").wait_for()
    assert not teacher.get_by_text("Trainings on this server").is_visible()
    teacher.get_by_label("Teacher key").fill(KEY)
    teacher.get_by_role("button", name="Open the teacher's view").click()
    teacher.get_by_text("Trainings on this server").wait_for()
    teacher.wait_for_function(  # the student's running training is a row of the table
        """() => document.querySelector('[data-testid="stDataFrame"] [role="grid"]')
            ?.getAttribute('aria-rowcount') === '2'"""
    )
    teacher.screenshot(path=screenshots / "class_teacher_1920x1080.png")
    teacher.get_by_role("button", name="Stop", exact=True).click()
    student.get_by_text("Stopped by the teacher").wait_for(timeout=30_000)
    student.screenshot(path=screenshots / "class_student_stopped.png")

    teacher.get_by_text("Show the leaderboard to the class").click()
    student.goto(f"{class_url}/class")
    student.get_by_text("Leaderboard").first.wait_for(timeout=30_000)
    assert not student.get_by_text("Trainings on this server").is_visible()  # the board only, not the table
    teacher.wait_for_timeout(1500)
    teacher.screenshot(path=screenshots / "class_leaderboard_1920x1080.png", full_page=True)
