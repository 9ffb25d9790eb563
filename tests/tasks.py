"""Helpers for tests of background tasks (django-tasks): keep them queued, count what is queued."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django_tasks.signals import task_enqueued

# Tasks stay queued, as with the database backend before a worker picks them up.
DEFERRED = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@contextlib.contextmanager
def enqueued() -> Iterator[list]:
    """The tasks enqueued inside (from any thread), by django-tasks' own signal."""
    queued: list = []

    def count(sender, task_result, **kwargs):
        queued.append(task_result)

    task_enqueued.connect(count, weak=False)
    try:
        yield queued
    finally:
        task_enqueued.disconnect(count)
