"""Helpers for tests of two writers at once: run calls in threads released together, against a
database on which they wait for each other's locks as they do in production."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from unittest import mock

from django.db import connection, connections


@contextlib.contextmanager
def threads_wait_for_locks(tmp_path) -> Iterator[None]:
    """Make the threads started inside see the test database as production does.

    PostgreSQL: nothing to do. SQLite: the test database is in memory with a shared cache, where
    a second writer fails at once ("database table is locked") instead of waiting for the first
    one as a database file does (the busy timeout). So it is copied to a file that connections
    opened inside (the threads') use; this thread keeps the in-memory one, so everything the
    test checks afterwards is read in a thread too (`in_thread`).
    """
    if connection.vendor != "sqlite":
        yield
        return
    # Inside the test's transaction, which begins as a writer (IMMEDIATE), the copy would wait
    # for that lock forever: such tests need transactional_db.
    assert not connection.in_atomic_block, "use @pytest.mark.django_db(transaction=True)"
    path = tmp_path / "db.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    connection.connection.backup(copy)
    copy.close()
    settings = connections.settings["default"]
    in_memory = settings["NAME"]
    settings["NAME"] = str(path)
    try:
        yield
    finally:
        settings["NAME"] = in_memory


def at_once(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads of their own; each returns its result or the exception raised."""
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            results[index] = call()
        except Exception as error:  # the test asserts on it
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def in_thread(call: Callable[[], object]) -> object:
    (result,) = at_once(call)
    if isinstance(result, Exception):
        raise result
    return result


@contextlib.contextmanager
def together_after(cls: type, method: str, parties: int = 2) -> Iterator[None]:
    """Hold each caller of cls.method after it returns until all `parties` have called it: two
    requests past validation at the same moment, before either writes."""
    barrier = threading.Barrier(parties, timeout=10)
    original = getattr(cls, method)

    def wait_for_the_others(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        barrier.wait()
        return result

    with mock.patch.object(cls, method, wait_for_the_others):
        yield


@contextlib.contextmanager
def together_after_first(owner: object, name: str, parties: int = 2) -> Iterator[None]:
    """Hold each thread after its first call of the function owner.name (a module's) until all
    `parties` have made theirs: two requests that have both read a row before either writes.
    Later calls in the same thread pass straight through."""
    barrier = threading.Barrier(parties, timeout=20)
    waited = threading.local()
    original = getattr(owner, name)

    def read_then_wait(*args, **kwargs):
        found = original(*args, **kwargs)
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()
        return found

    with mock.patch.object(owner, name, read_then_wait):
        yield
