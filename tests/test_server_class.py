"""The teacher's Class page on the real server, through Streamlit's agent API: a classmate without the key
sees nothing of another session's training; the teacher, with it, stops that training and the student's
page says who stopped it."""

import json

import pytest
from live_server import AgentSession, LiveServer
from test_server import wait_for

from mlp.runs import RunStore

pytestmark = pytest.mark.server

KEY = "correct horse battery"


def shows(session: AgentSession, fragment: str) -> bool:
    """Anywhere in the session's page: texts, widget options and table cells."""
    return fragment in json.dumps(session.result["tree"])


def test_the_teacher_stops_a_students_training_and_the_student_reads_why(tmp_path):
    server = LiveServer(tmp_path / "runs", agent_api=True, env={"MLP_TEACHER_KEY": KEY})
    try:
        student = AgentSession(server.url, query={"v": 1, "epochs": 200, "layers": "16:relu", "batch_size": 16})
        student.set(nickname="  Quiet   Quokka ")
        student.click("train")
        assert wait_for(lambda: student.refresh() and student.has_text("Epoch "), timeout=120)

        classmate = AgentSession(server.url, page="class")
        assert not classmate.errored and not shows(classmate, "Quokka") and not shows(classmate, "784-16-10")
        classmate.send({"widget_state": {"teacher_key_attempt": "guess"}, "trigger": {"key": "unlock"}})
        assert classmate.has_text("That is not the teacher key.") and not shows(classmate, "Quokka")

        teacher = AgentSession(server.url, page="class")
        teacher.send({"widget_state": {"teacher_key_attempt": KEY}, "trigger": {"key": "unlock"}})
        assert not teacher.errored and teacher.has_text("Trainings on this server")
        assert shows(teacher, '"Quiet Quokka", "mnist 784-16-10 relu adam lr=0.001"')  # the table's row
        teacher.click("class_stop")  # the only training, picked already

        assert wait_for(lambda: student.refresh() and student.has_text("Stopped by the teacher"), timeout=60)
        (run,) = RunStore(tmp_path / "runs").list()
        assert run.nickname == "Quiet Quokka" and run.status["message"].startswith("Stopped by the teacher")
        assert not student.errored and not teacher.errored
    finally:
        server.stop()
