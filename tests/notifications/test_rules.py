"""Who is told what: the rules, and that a run repeated inserts nothing new."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Kind, Notification
from notifications.rules import collect, month_of, week_of
from tests.conftest import make_initiative, make_update, make_user

pytestmark = pytest.mark.django_db


def kinds_by_person(city) -> dict[str, set[tuple[str, str]]]:
    people = ("office", "head", "owner", "benefit_owner", "executive")
    names = {city[name].pk: name for name in people}
    found: dict[str, set[tuple[str, str]]] = {name: set() for name in names.values()}
    for notification in Notification.objects.all():
        found[names[notification.recipient_id]].add((notification.kind, notification.subject))
    return found


def test_each_person_is_told_what_is_theirs(city):
    collect()
    found = kinds_by_person(city)
    overdue, pilot = city["overdue"].pk, city["pilot"].pk
    assert found["owner"] == {(Kind.UPDATE_OVERDUE, f"initiative:{overdue}")}
    assert found["head"] == {(Kind.UPDATE_OVERDUE, f"initiative:{overdue}")}
    assert found["benefit_owner"] == {(Kind.MEASUREMENT_DUE, f"benefit:{city['benefit'].pk}")}
    assert found["office"] == {
        (Kind.PROPOSAL_WAITING, f"stage_change:{city['proposal'].pk}"),
        (Kind.PILOT_OVERDUE, f"initiative:{pilot}"),
        (Kind.PORTFOLIO_SUMMARY, "portfolio"),
    }
    assert found["executive"] == {(Kind.EXECUTIVE_DIGEST, "dashboard")}


def test_a_second_run_in_the_same_week_adds_nothing_and_a_new_week_reminds_again(city):
    first = collect()
    assert first == Notification.objects.count() > 0
    assert collect() == 0
    next_week = timezone.localdate() + dt.timedelta(days=7)
    again = collect(next_week)
    reminders = Notification.objects.filter(period=week_of(next_week))
    assert reminders.count() == 5  # two overdue, a measurement, a proposal, a pilot
    # Monthly summaries come once a month, whatever the week: new only if the month turned.
    new_month = month_of(next_week) != month_of(timezone.localdate())
    assert again == 5 + (2 if new_month else 0)


def test_inactive_people_and_archived_initiatives_get_nothing(city):
    city["owner"].is_active = False
    city["owner"].save()
    city["pilot"].archived_at = timezone.now()
    city["pilot"].save()
    collect()
    assert not Notification.objects.filter(recipient=city["owner"]).exists()
    assert not Notification.objects.filter(initiative=city["pilot"]).exists()


@pytest.mark.parametrize("benefit_owner", ["none", "inactive"])
def test_a_benefit_without_an_active_owner_reminds_the_initiatives_owner(city, benefit_owner):
    benefit = city["benefit"]
    if benefit_owner == "none":
        benefit.owner = None
    else:
        benefit.owner = make_user("department_head")
        benefit.owner.is_active = False
        benefit.owner.save()
    benefit.save()
    city["pilot"].owner = city["owner"]
    city["pilot"].save()
    collect()
    assert Notification.objects.filter(
        recipient=city["owner"], kind=Kind.MEASUREMENT_DUE, benefit=benefit
    ).exists()
    assert not Notification.objects.filter(kind=Kind.MEASUREMENT_DUE).exclude(
        recipient=city["owner"]
    )


def test_a_benefit_owner_without_a_role_is_reminded_with_a_link_to_their_own_list(city):
    from notifications import items

    line_manager = make_user()  # no role: a line manager who only follows up benefits
    benefit = city["benefit"]
    benefit.owner = line_manager
    benefit.save()
    collect()
    reminder = Notification.objects.get(kind=Kind.MEASUREMENT_DUE, benefit=benefit)
    assert reminder.recipient == line_manager
    assert items.path(reminder) == f"/benefits/mine/#benefit-{benefit.pk}"


def _close(initiative, outcome="completed"):
    initiative.stage = "closed"
    initiative.outcome = outcome
    initiative.save()


def test_a_closed_initiatives_benefits_are_followed_until_their_closing_review(city):
    pilot, benefit = city["pilot"], city["benefit"]
    _close(pilot)
    benefit.target_date = timezone.localdate() - dt.timedelta(days=800)
    benefit.baseline_date = benefit.target_date - dt.timedelta(days=300)
    benefit.save()
    collect()
    # Long past its target, but not yet reviewed: still followed up, and the hand-over waits.
    assert Notification.objects.filter(kind=Kind.MEASUREMENT_DUE, benefit=benefit).exists()
    handover = Notification.objects.filter(kind=Kind.HANDOVER_WAITING, initiative=pilot)
    assert set(handover.values_list("recipient__username", flat=True)) == {city["head"].username}
    # Handed over with a follow-up period that is over: the closing review is due, to the owner.
    Notification.objects.all().delete()
    benefit.handed_over_at = timezone.now()
    benefit.follow_up_until = timezone.localdate()
    benefit.save()
    collect()
    assert not Notification.objects.filter(kind=Kind.HANDOVER_WAITING).exists()
    review = Notification.objects.get(kind=Kind.REVIEW_DUE, benefit=benefit)
    assert review.recipient == city["benefit_owner"]
    assert not Notification.objects.filter(kind=Kind.MEASUREMENT_DUE, benefit=benefit).exists()
    # Reviewed: the follow-up has ended, nobody is reminded of it again.
    Notification.objects.all().delete()
    benefit.reviewed_at = timezone.now()
    benefit.review_outcome = "partly"
    benefit.save()
    collect()
    assert not Notification.objects.filter(benefit=benefit).exists()


def test_a_stopped_initiatives_benefits_are_not_followed_up(city):
    _close(city["pilot"], "stopped")
    collect()
    assert not Notification.objects.filter(benefit=city["benefit"]).exists()
    assert not Notification.objects.filter(kind=Kind.HANDOVER_WAITING).exists()


def test_the_summary_carries_the_dashboards_figures(city):
    collect()
    summary = Notification.objects.get(kind=Kind.PORTFOLIO_SUMMARY)
    assert summary.data["initiatives"] == 2
    assert summary.data["overdue_updates"] == 1
    assert summary.data["proposals_waiting"] == 1
    assert summary.data["by_stage"]["pilot"] == 2


def test_collect_costs_the_same_number_of_queries_for_few_and_many(city):
    Notification.objects.all().delete()
    with CaptureQueriesContext(connection) as few:
        collect()
    for _ in range(30):
        initiative = make_initiative(city["utb"], owner=city["owner"])
        make_update(initiative, city["owner"], days_ago=60)
    Notification.objects.all().delete()
    with CaptureQueriesContext(connection) as many:
        collect()

    # Reading costs the same; inserting goes in batches (SQLite takes ~100 rows a statement).
    def reads(captured):
        return [
            q
            for q in captured.captured_queries
            if not q["sql"].startswith(("INSERT", "SAVEPOINT", "RELEASE"))
        ]

    assert len(reads(many)) == len(reads(few))
