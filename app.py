"""MLP Studio: the Streamlit entry point (page config, navigation, presenter mode).

TensorFlow is not imported here: the first page paints before any model is built.
"""

import streamlit as st

from mlp.compat import keep_keras_state
from pages._common import nickname_box, presenter_toggle

keep_keras_state()
st.set_page_config(page_title="MLP Studio", page_icon="🧠", layout="wide")
st.session_state.in_shell = True

pages = [
    st.Page("pages/train.py", title="Train", icon=":material/model_training:", default=True),
    st.Page("pages/tune.py", title="Tune", icon=":material/tune:"),
    st.Page("pages/draw.py", title="Draw", icon=":material/draw:"),
    st.Page("pages/runs.py", title="Runs", icon=":material/history:"),
    st.Page("pages/class_page.py", title="Class", icon=":material/school:", url_path="class"),
    st.Page("pages/about.py", title="About", icon=":material/lightbulb:"),
]
page = st.navigation(pages)
presenter_toggle()
nickname_box()
page.run()
