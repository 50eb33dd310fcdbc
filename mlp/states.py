"""The states of a training and of its saved run, in one place.

A StrEnum: its members equal the plain strings older status.json files hold and serialize to them, so
saved runs read and write exactly as before.
"""

from __future__ import annotations

import enum


class RunState(enum.StrEnum):
    READY = "ready"  # a Training built or paused, not training now (never saved)
    QUEUED = "queued"  # waiting for a free trainer
    RUNNING = "running"
    COMPLETED = "completed"
    STOPPED = "stopped"  # by a person or the time budget; the weights so far are kept
    DIVERGED = "diverged"  # the loss became NaN or infinite; the last finite weights are kept
    FAILED = "failed"  # an error, e.g. settings this server refuses or a run store it cannot write
    INTERRUPTED = "interrupted"  # saved as queued or running by a process that is gone (only ever read)


ACTIVE = frozenset({RunState.QUEUED, RunState.RUNNING})
FINISHED = frozenset({RunState.COMPLETED, RunState.STOPPED, RunState.DIVERGED, RunState.FAILED})
CONTINUABLE = frozenset({RunState.COMPLETED, RunState.STOPPED})  # a Step may go on; the CLI exits 0
