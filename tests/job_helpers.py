"""Waiting for a background training in tests."""

import time


def wait(job, timeout: float = 120):
    """The job's snapshot once it is no longer active (or after `timeout` seconds)."""
    end = time.time() + timeout
    while job.snapshot().active and time.time() < end:
        time.sleep(0.05)
    return job.snapshot()
