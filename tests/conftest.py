"""Shared fixtures: small make_* factories, one user per role and department."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.utils import timezone

from initiatives.models import Department, Initiative, Lesson, ProgressUpdate

_counter = itertools.count(1)


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
