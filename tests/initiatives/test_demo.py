"""The demo-city loader: `manage.py load_demo` and `initiatives.demo.load_demo`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone

from initiatives.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from initiatives.models import (
    Initiative,
    Kind,
    Lesson,
    Outcome,
    ProgressUpdate,
    Stage,
    StageChange,
    StageChangeStatus,
)
from organisation.models import Department
from organisation.permissions import ROLES, role

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(demo_city, settings):
    """The demo city, loaded once for this module (tests/conftest.py); writes are undone."""
    settings.DEBUG = True


class _Sink:
    """Swallows the command's output so the test log stays readable."""

    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def _counts() -> dict[str, int]:
    return {
        "departments": Department.objects.count(),
        "users": User.objects.count(),
        "initiatives": Initiative.objects.count(),
        "stage_changes": StageChange.objects.count(),
        "updates": ProgressUpdate.objects.count(),
        "lessons": Lesson.objects.count(),
    }


def test_it_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only loaded with DEBUG=true"):
        call_command("load_demo", stdout=_Sink())
    assert not Initiative.objects.exists()
    assert not User.objects.filter(username="kontoret").exists()


def test_it_prints_the_demo_logins(settings):
    settings.DEBUG = True
    out = _Sink()
    call_command("load_demo", stdout=out)
    for username, *_rest in DEMO_USERS:
        assert username in out.text
    assert DEMO_PASSWORD in out.text


def test_it_loads_eight_departments_and_a_full_portfolio(loaded):
    assert Department.objects.count() == 8
    assert Initiative.objects.count() >= 35
    assert set(Initiative.objects.values_list("stage", flat=True)) == set(Stage.values)
    assert set(Initiative.objects.values_list("kind", flat=True)) == set(Kind.values)
    outcomes = set(Initiative.objects.filter(stage=Stage.CLOSED).values_list("outcome", flat=True))
    assert outcomes == set(Outcome.values)
    assert Initiative.objects.filter(must_do=True).exists()
    # Every department has initiatives.
    assert not Department.objects.filter(initiatives__isnull=True).exists()


def test_every_role_has_a_user_who_can_log_in(loaded):
    roles = set()
    for username, *_rest in DEMO_USERS:
        # django-axes needs a request to authenticate against.
        user = authenticate(
            request=RequestFactory().post("/login/"), username=username, password=DEMO_PASSWORD
        )
        assert user is not None, username
        assert not user.is_staff and not user.is_superuser
        roles.add(role(user))
    assert roles == set(ROLES)


def test_department_heads_belong_to_their_department(loaded):
    head = User.objects.get(username="chef.utbildning")
    assert list(head.departments.values_list("code", flat=True)) == ["UTB"]
    assert list(
        User.objects.get(username="kontoret").departments.values_list("code", flat=True)
    ) == ["SLK"]


def test_running_it_twice_leaves_the_counts_unchanged(loaded, settings):
    before = _counts()
    User.objects.get(username="chef.social").set_unusable_password()
    call_command("load_demo", stdout=_Sink())
    assert _counts() == before
    assert User.objects.get(username="chef.social").check_password(DEMO_PASSWORD)


def test_the_stage_of_each_initiative_matches_its_last_decided_change(loaded):
    decided = [StageChangeStatus.APPLIED, StageChangeStatus.APPROVED]
    for initiative in Initiative.objects.all():
        changes = initiative.stage_changes.filter(status__in=decided).order_by("decided_at")
        if initiative.stage == Stage.IDEA:
            assert not changes.exists(), initiative.ref
            continue
        last = changes.last()
        assert (last.to_stage, last.outcome) == (initiative.stage, initiative.outcome)
        assert changes.first().from_stage == Stage.IDEA


@pytest.mark.parametrize(
    "today",
    [None, dt.date(2027, 1, 31), dt.date(2027, 3, 1), dt.date(2028, 2, 29)],
    ids=["today", "a-31st", "a-1st", "leap-day"],
)
def test_dates_are_in_the_past_and_within_the_initiative_on_any_day(today):
    load_demo(today=today)
    today = today or timezone.localdate()
    for change in StageChange.objects.select_related("initiative"):
        initiative = change.initiative
        assert initiative.planned_start - dt.timedelta(days=7) <= change.proposed_at.date()
        assert change.proposed_at.date() <= today, initiative.ref
    for update in ProgressUpdate.objects.select_related("initiative"):
        initiative = update.initiative
        assert initiative.planned_start <= update.date <= today, initiative.ref
        if initiative.stage == Stage.CLOSED:
            closed_on = initiative.stage_changes.get(to_stage=Stage.CLOSED).decided_at.date()
            assert update.date <= closed_on, initiative.ref
    for initiative in Initiative.objects.filter(stage=Stage.IDEA):
        assert initiative.planned_start > today


def test_every_pilot_has_a_hypothesis(loaded):
    assert not Initiative.objects.filter(kind=Kind.PILOT, hypothesis="").exists()


def test_every_stopped_initiative_has_a_lesson(loaded):
    stopped = Initiative.objects.filter(stage=Stage.CLOSED, outcome=Outcome.STOPPED)
    assert stopped.exists()
    for initiative in stopped:
        assert initiative.lessons.exists(), initiative.ref
    assert Lesson.objects.count() >= 12


def test_some_initiatives_are_overdue_for_an_update_and_most_are_not(loaded):
    running = Initiative.objects.open().exclude(stage=Stage.IDEA)
    overdue = Initiative.objects.overdue_for_update().values("pk")
    assert running.filter(pk__in=overdue).exists()
    assert running.exclude(pk__in=overdue).count() > running.filter(pk__in=overdue).count()
    # Every initiative beyond the idea stage has between one and five updates.
    for initiative in Initiative.objects.exclude(stage=Stage.IDEA):
        assert 1 <= initiative.progress_updates.count() <= 5, initiative.ref


def test_a_pending_proposal_from_a_department_head_waits_for_the_office(loaded):
    pending = StageChange.objects.filter(status=StageChangeStatus.PROPOSED)
    assert pending.exists()
    for change in pending:
        assert change.decided_by is None
        assert role(change.proposed_by) == "department_head"


def test_the_change_history_names_a_person(loaded):
    initiative = Initiative.objects.get(ref="DIG-2024-001")
    assert initiative.history.exists()
    assert all(record.history_user is not None for record in initiative.history.all())


def test_load_demo_returns_counts():
    counts = load_demo()
    assert counts["initiatives"] == counts["initiatives_created"] >= 35
    again = load_demo()
    assert again["initiatives_created"] == 0
    assert {k: v for k, v in again.items() if k != "initiatives_created"} == {
        k: v for k, v in counts.items() if k != "initiatives_created"
    }
