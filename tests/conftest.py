"""Shared fixtures: small make_* factories, one user per role and department."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from initiatives.models import Initiative, Lesson, ProgressUpdate
from organisation.models import Department

_counter = itertools.count(1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In a module that shares the demo city, run the tests that do not use it first.

    `demo_city` stays loaded from the first test that asks for it to the end of its module, so a
    test of that module that needs an empty database must come before. Only the order inside such
    a module changes; pytest-xdist hands each worker its tests in this order.
    """
    by_module: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        by_module.setdefault(item.nodeid.split("::", 1)[0], []).append(index)
    for positions in by_module.values():
        module_items = [items[i] for i in positions]
        if not any("demo_city" in getattr(item, "fixturenames", ()) for item in module_items):
            continue
        module_items.sort(key=lambda item: "demo_city" in getattr(item, "fixturenames", ()))
        for position, item in zip(positions, module_items, strict=True):
            items[position] = item


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The demo city, loaded once per test module and shared; returns `load_demo`'s output.

    Loading it takes half a second on SQLite and over two on PostgreSQL, so it is not loaded for
    every test. It is loaded in a transaction that stays open until the module's last test and is
    then rolled back; each test runs in a savepoint inside it (pytest-django's `db`), so what a
    test writes is undone and the next test sees the demo city as loaded. Only for tests that use
    the plain `db` (not `transactional_db` or `live_server`, which would commit or flush it).
    """
    out = io.StringIO()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(DEBUG=True):
                call_command("load_demo", stdout=out)
        except BaseException as error:
            outer.__exit__(type(error), error, error.__traceback__)  # rolls back
            raise
    try:
        yield out.getvalue()
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def make_department(name: str | None = None, code: str | None = None) -> Department:
    n = next(_counter)
    return Department.objects.create(name=name or f"Förvaltning {n}", code=code or f"F{n}")


def make_user(role: str | None = None, *departments: Department, username: str = "") -> User:
    n = next(_counter)
    user = User.objects.create_user(
        username=username or f"user{n}",
        password="secret-pass-123",
        first_name="Test",
        last_name=f"Person {n}",
    )
    if role:
        # get_or_create: transactional (browser) tests flush the groups the migration made.
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    for department in departments:
        department.members.add(user)
    return user


def make_initiative(department: Department | None = None, **fields) -> Initiative:
    n = next(_counter)
    fields.setdefault("ref", f"T-{n:05d}")
    fields.setdefault("title", f"Initiative {n}")
    initiative = Initiative(department=department or make_department(), **fields)
    initiative.save()
    return initiative


def make_update(
    initiative: Initiative, author: User, days_ago: int = 0, **fields
) -> ProgressUpdate:
    fields.setdefault("health", "green")
    fields.setdefault("summary", "Work goes on.")
    return ProgressUpdate.objects.create(
        initiative=initiative,
        author=author,
        date=timezone.localdate() - dt.timedelta(days=days_ago),
        **fields,
    )


def make_lesson(initiative: Initiative, author: User, **fields) -> Lesson:
    fields.setdefault("kind", "worked")
    fields.setdefault("text", "Start small and measure.")
    return Lesson.objects.create(initiative=initiative, author=author, **fields)


@pytest.fixture
def own_department(db) -> Department:
    return make_department("Utbildningsförvaltningen", "UTB")


@pytest.fixture
def other_department(db) -> Department:
    return make_department("Trafikkontoret", "TK")


@pytest.fixture
def office(db) -> User:
    return make_user("office", username="office")


@pytest.fixture
def head(own_department) -> User:
    return make_user("department_head", own_department, username="head")


@pytest.fixture
def executive(db) -> User:
    return make_user("executive", username="executive")


@pytest.fixture
def own_initiative(own_department) -> Initiative:
    return make_initiative(own_department, ref="DIG-2026-001", title="Skolmjölksroboten")


@pytest.fixture
def other_initiative(other_department) -> Initiative:
    return make_initiative(other_department, ref="DIG-2026-002", title="Smarta trafikljus")


@pytest.fixture
def client_for(client):
    """Log the client in as the given user (or nobody) and return it, in English.

    Swedish is the default; the tests of the Swedish pages set the language themselves.
    """

    def login(user: User | None):
        client.logout()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        if user is not None:
            client.force_login(user)
        return client

    return login


@pytest.fixture
def users_by_role(office, head, executive):
    return {"office": office, "head": head, "executive": executive}


@pytest.fixture
def deferred() -> Iterator[None]:
    """Background tasks stay queued, as with the database backend before a worker picks them
    up (tests/tasks.py counts what is enqueued)."""
    from tests.tasks import DEFERRED

    with override_settings(TASKS=DEFERRED):
        yield
