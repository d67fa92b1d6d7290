"""Periodic jobs (deadlines, windows, escalations), run by `manage.py run_periodic`. Each job
must be safe to run in several workers at once: it changes state with conditional updates or
row locks, so a transition fires exactly once."""

from collections.abc import Callable

JOBS: dict[str, Callable[[], object]] = {}


def register(name: str):
    def decorator(func):
        JOBS[name] = func
        return func

    return decorator
