"""Class page: with the teacher key, every training on this server (Stop any), the server's settings and the
leaderboard; without it, only the leaderboard, and only when the teacher shows it.

Layout only: the rules are mlp.classroom (key check, trainings, settings, leaderboard).
"""

from __future__ import annotations

import streamlit as st

from mlp.classroom import KEY_ENV, KeyGate
from pages._class_board import leaderboard, leaderboard_controls
from pages._class_teacher import server_settings, trainings_table
from pages._common import classroom, ensure_shell, teacher_key

ensure_shell()

HOW_TO_ENABLE = f"""
The Class page is the teacher's view of this server: every training running or waiting, a **Stop** for
each, how many train at once, and a leaderboard the teacher can show to the class. It is switched off
here because no teacher key is set. To switch it on, start the server with one:

```bash
{KEY_ENV}='a long passphrase' python3 -m streamlit run app.py
```

or put `teacher_key = "a long passphrase"` in `.streamlit/secrets.toml`.
"""


def unlock(gate: KeyGate, key: str) -> None:
    """The key form; a wrong key (or too many) gets a message that says nothing about the server."""
    with st.form("teacher_unlock", clear_on_submit=True, enter_to_submit=True):
        attempt = st.text_input("Teacher key", type="password", key="teacher_key_attempt")
        pressed = st.form_submit_button("Open the teacher's view", icon=":material/lock_open:", key="unlock")
    if pressed:
        refusal = gate.try_key(attempt, key)
        if refusal is None:
            st.rerun()
        st.error(refusal, icon=":material/lock:")


st.title("Class")
key = teacher_key()
gate = st.session_state.setdefault("key_gate", KeyGate())
room = classroom()
if key is None:
    st.info(HOW_TO_ENABLE, icon=":material/school:")
elif not gate.is_open(key):
    st.caption("For the teacher: this server's trainings, their settings and the leaderboard.")
    unlock(gate, key)
else:
    st.fragment(trainings_table, run_every=2)()  # a training started by a student appears within 2 s
    left, right = st.columns(2, gap="large")
    with left:
        server_settings()
    with right:
        leaderboard_controls(room)
    if st.button("Leave the teacher's view", icon=":material/lock:", key="lock"):
        gate.close()
        st.rerun()


@st.fragment(run_every=5)
def board_if_shown() -> None:
    """Checked every 5 s: a student with this page open sees the leaderboard appear or go as the teacher
    shows or hides it."""
    if room.leaderboard_shown or gate.is_open(key):
        leaderboard(room)


board_if_shown()
