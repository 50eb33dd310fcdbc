"""The Class page's leaderboard: the table (for the teacher, and for the class when shown) and the teacher's
Show / Reset controls."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mlp.classroom import Classroom, leaderboards
from mlp.data import DATASETS
from pages._common import run_store


@st.cache_data(ttl=5, show_spinner=False, max_entries=4)
def _boards(root: str, since: float) -> dict[str, list[dict]]:
    """Computed at most every 5 s for the whole server: every student's page may be showing it, and it reads
    every saved run. `root` and `since` key it, so a reset or another run store is never served stale."""
    return leaderboards(run_store().list(), since)


def leaderboard(room: Classroom) -> None:
    """The best test accuracy of each nickname, per dataset, best first."""
    st.subheader("Leaderboard")
    boards = _boards(str(run_store().root), room.since)
    if not boards:
        st.info("No finished trainings with a test accuracy yet.", icon=":material/leaderboard:")
        return
    dataset = next(iter(boards))
    if len(boards) > 1:
        dataset = st.radio(
            "Dataset", list(boards), format_func=lambda n: DATASETS[n].title, horizontal=True, key="board_dataset"
        )
    st.dataframe(
        pd.DataFrame(boards[dataset]),
        hide_index=True,
        width="stretch",
        column_config={"test accuracy": st.column_config.NumberColumn(format="percent")},
    )


def leaderboard_controls(room: Classroom) -> None:
    """Show the leaderboard to the class or hide it; reset it (from now on; no run is deleted)."""
    st.subheader("The class's view")
    shown = st.toggle(
        "Show the leaderboard to the class",
        value=room.leaderboard_shown,
        help="Students see it on this page, without the key: nicknames, settings and test accuracies only.",
    )
    if shown != room.leaderboard_shown:
        room.show_leaderboard(shown)
    if st.button("Reset the leaderboard", icon=":material/restart_alt:", key="board_reset"):
        room.reset_leaderboard()
        st.toast("The leaderboard starts afresh: only trainings created from now on count. No run was deleted.")
