"""The Tune page's form: what to search, the budget and the sampler, turned into a checked Plan."""

from __future__ import annotations

import streamlit as st

from mlp import limits
from mlp.config import ACTIVATIONS, MAX_EPOCHS, MAX_LAYERS, OPTIMIZERS, ConfigError
from mlp.data import DataError
from mlp.tune import SAMPLERS, Budget, Plan, SearchSpace
from mlp.tune_session import Tuner
from mlp.tune_space import MAX_TRIALS

RULE = (
    "**Choose by validation, report on test once.** Every trial is judged on a validation split held out "
    "from the training images; the test images stay unseen until the search has chosen, and then only the "
    "best trial is evaluated on them. Choosing among many trials by their test accuracy would tune the "
    "network to the test set, and the accuracy it reports would be too good to be true."
)
UNIT_STEPS = [8, 16, 32, 64, 128, 256, 512, 1024, 2048]
BATCHES = [16, 32, 64, 128, 256, 512]
SAMPLER_LABELS = {"grid": "Grid", "random": "Random", "tpe": "TPE (Bayesian)"}


def tune_form(tuner: Tuner) -> tuple[Plan | None, str | None]:
    """Widgets for the search and the budget; returns (checked plan, None) or (None, what to change)."""
    wb = tuner.workbench
    st.caption(
        f"Everything not searched comes from the Train page: **{wb.config.describe()}**, "
        f"{wb.config.engine} engine, {wb.config.normalization} normalization, seed {wb.config.seed}."
    )
    st.markdown("**Search over**")
    c1, c2 = st.columns(2)
    lr = c1.text_input("Learning rate (log scale)", "1e-4:1e-1", key="tune_lr", help="low:high, or one value")
    l2 = c2.text_input("L2", "0", key="tune_l2", help="low:high, or one value, e.g. 0:1e-3")
    layers = st.slider("Hidden layers", 0, MAX_LAYERS, (1, 3), key="tune_layers")
    units = st.select_slider("Units per hidden layer (all alike)", UNIT_STEPS, (32, 256), key="tune_units")
    dropout = st.slider("Dropout", 0.0, 0.9, (0.0, 0.0), 0.05, key="tune_dropout")
    activation = st.multiselect("Activation", ACTIVATIONS, ["relu"], key="tune_activation")
    c1, c2 = st.columns(2)
    optimizer = c1.multiselect("Optimizer", OPTIMIZERS, ["adam"], key="tune_optimizer")
    batch = c2.multiselect("Batch size", BATCHES, [128], key="tune_batch")

    st.markdown("**Budget**")
    c1, c2, c3 = st.columns(3)
    trials = c1.number_input("Trials", 1, MAX_TRIALS, 10, key="tune_trials")
    epochs = c2.number_input("Epochs per trial", 1, MAX_EPOCHS, 3, key="tune_epochs")
    most = max(1, int(limits.SWEEP_SECONDS.value // 60))
    minutes = c3.number_input("Time cap (min)", 1, most, min(10, most), key="tune_minutes")
    sampler = st.radio(
        "Sampler", SAMPLERS, index=SAMPLERS.index("tpe"), format_func=SAMPLER_LABELS.get, horizontal=True
    )
    pruning = st.toggle("Prune hopeless trials (below the median after an epoch)", True, key="tune_pruning")
    validation = st.slider(
        "Validation split",
        0.05,
        0.5,
        max(0.1, wb.config.validation_fraction),
        0.05,
        key="tune_validation",
        help="Trials are compared on it; the test set waits for the best trial.",
    )
    try:
        space = SearchSpace.parse(
            learning_rate=lr,
            layers=layers,
            units=units,
            activation=activation,
            optimizer=optimizer,
            batch_size=batch,
            dropout=dropout,
            l2=l2,
        )
        return tuner.plan(space, Budget(int(trials), int(epochs), minutes * 60.0), sampler, pruning, validation), None
    except (ConfigError, DataError) as exc:
        return None, str(exc)
