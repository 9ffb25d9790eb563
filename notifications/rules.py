"""Who is told what is due: the rules of the follow-up rhythm, as rows to insert.

`collect` runs every rule over the whole portfolio in a fixed number of queries and inserts the
notifications with ON CONFLICT DO NOTHING on (person, kind, subject, period): a reminder comes once
a week while its cause lasts, a summary once a month, however often the run is repeated.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from benefits.models import Benefit, hourly_rate, review_due_q
from initiatives.models import Initiative, Outcome, Stage, StageChange, StageChangeStatus
from notifications.models import Kind, Notification
from organisation.permissions import DEPARTMENT_HEAD, EXECUTIVE, OFFICE
from organisation.users import filter_users

User = get_user_model()


def week_of(day: dt.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def month_of(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def _active_with_role(role: str) -> list[int]:
    return list(
        filter_users(User.objects.all(), role=role, active="yes").values_list("pk", flat=True)
    )


def _heads_by_department() -> dict[int, set[int]]:
    heads = filter_users(User.objects.all(), role=DEPARTMENT_HEAD, active="yes")
    by_department: dict[int, set[int]] = defaultdict(set)
    for user_id, department_id in heads.values_list("pk", "departments"):
        if department_id is not None:
            by_department[department_id].add(user_id)
    return by_department


def overdue_updates(today: dt.date, active_ids: set[int]) -> list[Notification]:
    """The owner and the department heads of every open initiative without a recent update."""
    heads = _heads_by_department()
    week = week_of(today)
    rows = []
    overdue = Initiative.objects.overdue_for_update(today).values_list(
        "pk", "owner_id", "department_id", "last_update_on"
    )
    for pk, owner_id, department_id, last_update_on in overdue:
        people = set(heads.get(department_id, ()))
        if owner_id in active_ids:
            people.add(owner_id)
        data = {"last_update_on": last_update_on.isoformat() if last_update_on else None}
        rows += [
            Notification(
                recipient_id=person,
                kind=Kind.UPDATE_OVERDUE,
                subject=f"initiative:{pk}",
                period=week,
                initiative_id=pk,
                data=data,
            )
            for person in people
        ]
    return rows


def measurements_due(
    today: dt.date, active_ids: set[int], owner_ids: set[int]
) -> list[Notification]:
    """The benefit owner (or else the initiative's owner) of every benefit due a measurement or
    its closing review, while the benefit is followed up: during the project, and after it
    closed as completed until the closing review ends the follow-up. A benefit owner is told
    also without a role (`owner_ids`: every active user); the initiative's owner needs one."""
    week = week_of(today)
    review_due = review_due_q(today)
    due = (
        Benefit.objects.filter(initiative__archived_at__isnull=True)
        .followed_up()
        .with_figures(rate=hourly_rate(), today=today)
        .filter(Q(measurement_due=True) | review_due)
        .annotate(review_is_due=Case(When(review_due, then=Value(True)), default=Value(False)))
        .values_list("pk", "initiative_id", "owner_id", "initiative__owner_id", "review_is_due")
    )
    rows = []
    for pk, initiative_id, owner_id, initiative_owner_id, review_is_due in due:
        person = owner_id if owner_id in owner_ids else initiative_owner_id
        if person not in owner_ids or (person != owner_id and person not in active_ids):
            continue
        rows.append(
            Notification(
                recipient_id=person,
                kind=Kind.REVIEW_DUE if review_is_due else Kind.MEASUREMENT_DUE,
                subject=f"benefit:{pk}",
                period=week,
                initiative_id=initiative_id,
                benefit_id=pk,
            )
        )
    return rows


def handovers_waiting(today: dt.date, active_ids: set[int]) -> list[Notification]:
    """The owner and the department heads of every initiative closed as completed whose
    benefits wait for the hand-over to line management."""
    heads = _heads_by_department()
    week = week_of(today)
    waiting = (
        Initiative.objects.active()
        .filter(
            stage=Stage.CLOSED,
            outcome=Outcome.COMPLETED,
            benefits__handed_over_at__isnull=True,
        )
        .order_by()
        .values_list("pk", "owner_id", "department_id")
        .distinct()
    )
    rows = []
    for pk, owner_id, department_id in waiting:
        people = set(heads.get(department_id, ()))
        if owner_id in active_ids:
            people.add(owner_id)
        rows += [
            Notification(
                recipient_id=person,
                kind=Kind.HANDOVER_WAITING,
                subject=f"initiative:{pk}",
                period=week,
                initiative_id=pk,
            )
            for person in people
        ]
    return rows


def office_work(today: dt.date, office: list[int]) -> list[Notification]:
    """Stage proposals waiting, and pilots past their planned end undecided, to the office."""
    week = week_of(today)
    rows = []
    proposals = StageChange.objects.filter(
        status=StageChangeStatus.PROPOSED, initiative__archived_at__isnull=True
    ).values_list("pk", "initiative_id", "to_stage")
    for pk, initiative_id, to_stage in proposals:
        rows += [
            Notification(
                recipient_id=person,
                kind=Kind.PROPOSAL_WAITING,
                subject=f"stage_change:{pk}",
                period=week,
                initiative_id=initiative_id,
                data={"to_stage": to_stage},
            )
            for person in office
        ]
    pilots = (
        Initiative.objects.open()
        .filter(stage=Stage.PILOT, planned_end__lt=today)
        .values_list("pk", "planned_end")
    )
    for pk, planned_end in pilots:
        rows += [
            Notification(
                recipient_id=person,
                kind=Kind.PILOT_OVERDUE,
                subject=f"initiative:{pk}",
                period=week,
                initiative_id=pk,
                data={"planned_end": planned_end.isoformat()},
            )
            for person in office
        ]
    return rows


def _kronor(value: Decimal | None) -> int | None:
    return None if value is None else int(value.quantize(Decimal(1)))


def portfolio_figures(today: dt.date) -> dict:
    """The figures a monthly summary and digest carry, from the dashboard's own headline."""
    from portfolio.dashboard import headline

    initiatives = Initiative.objects.active()
    benefits = Benefit.objects.filter(initiative__archived_at__isnull=True).with_figures(
        rate=hourly_rate(), today=today
    )
    figures = headline(initiatives, benefits)
    return {
        "initiatives": figures.total,
        "by_stage": {stage: count for stage, _label, count in figures.by_stage},
        "health": figures.health,
        "expected_sek": _kronor(figures.expected_sek),
        "realised_sek": _kronor(figures.realised_sek),
        "benefits": figures.benefits,
        "behind_plan": figures.behind_plan,
        "overdue_updates": Initiative.objects.overdue_for_update(today).count(),
        "proposals_waiting": StageChange.objects.filter(
            status=StageChangeStatus.PROPOSED, initiative__archived_at__isnull=True
        ).count(),
    }


def monthly(today: dt.date, office: list[int], executives: list[int]) -> list[Notification]:
    if not office and not executives:
        return []
    month = month_of(today)
    figures = portfolio_figures(today)
    # The same figures: a summary for the office, a digest of the dashboard for executives.
    return [
        Notification(recipient_id=person, kind=kind, subject=subject, period=month, data=figures)
        for people, kind, subject in (
            (office, Kind.PORTFOLIO_SUMMARY, "portfolio"),
            (executives, Kind.EXECUTIVE_DIGEST, "dashboard"),
        )
        for person in people
    ]


def collect(today: dt.date | None = None) -> int:
    """Insert every notification due today that is not there yet; the number inserted."""
    today = today or timezone.localdate()
    office = _active_with_role(OFFICE)
    executives = _active_with_role(EXECUTIVE)
    # Only people who can open what they are told about: active, with a role.
    active_ids = set(office) | set(executives) | set(_active_with_role(DEPARTMENT_HEAD))
    owner_ids = set(User.objects.filter(is_active=True).values_list("pk", flat=True))
    rows = (
        overdue_updates(today, active_ids)
        + measurements_due(today, active_ids, owner_ids)
        + handovers_waiting(today, active_ids)
        + office_work(today, office)
        + monthly(today, office, executives)
    )
    before = Notification.objects.count()
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return Notification.objects.count() - before
