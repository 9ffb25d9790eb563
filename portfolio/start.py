"""What the office's start page lists: decisions waiting, work overdue, changes since last visit.

Each list is one query whatever the number of rows (capped at LIMIT, the oldest first where it is a
to-do list), so the page costs the same for a small town and a large city.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.utils import timezone

from benefits.models import Benefit, hourly_rate
from initiatives.models import Initiative, Stage, StageChange, StageChangeStatus
from organisation import permissions
from portfolio.models import ImportBatch

LIMIT = 50


def pending_proposals() -> list[StageChange]:
    """Stage proposals waiting for the office's decision, the oldest first."""
    return list(
        StageChange.objects.filter(
            status=StageChangeStatus.PROPOSED, initiative__archived_at__isnull=True
        )
        .select_related("initiative__department", "proposed_by")
        .order_by("proposed_at", "id")[:LIMIT]
    )


def pilots_past_end(today: dt.date) -> list[Initiative]:
    """Pilots still in the pilot stage after their planned end: nobody decided to scale or stop."""
    return list(
        Initiative.objects.open()
        .filter(stage=Stage.PILOT, planned_end__lt=today)
        .select_related("department")
        .order_by("planned_end", "ref")[:LIMIT]
    )


def unapplied_imports() -> list[ImportBatch]:
    """Uploaded files whose preview nobody has confirmed yet, the oldest first."""
    return list(
        ImportBatch.objects.filter(applied_at__isnull=True)
        .select_related("uploaded_by")
        .order_by("created_at", "id")[:LIMIT]
    )


def overdue_initiatives(user, today: dt.date) -> list[Initiative]:
    """The check-in's overdue initiatives: no progress update in 30 days, never-updated first."""
    return list(
        permissions.editable_by(user)
        .overdue_for_update(today)
        .select_related("department")
        .order_by(F("last_update_on").asc(nulls_first=True), "ref")[:LIMIT]
    )


def benefits_due(user, today: dt.date) -> list[Benefit]:
    """The check-in's benefits due a measurement, the most overdue first: also those of closed
    initiatives still followed up after the project."""
    editable = permissions.editable_by(user)
    return list(
        Benefit.objects.filter(initiative__in=editable)
        .followed_up()
        .with_figures(rate=hourly_rate(), today=today)
        .filter(measurement_due=True)
        .select_related("initiative")
        .order_by("measurement_due_day", "id")[:LIMIT]
    )


def changed_initiatives(user, since: dt.datetime) -> list[Initiative]:
    """Initiatives edited since the given moment, the latest first."""
    return list(
        permissions.visible_to(user)
        .active()
        .filter(updated_at__gt=since)
        .select_related("department")
        .order_by("-updated_at", "ref")[:LIMIT]
    )


def changed_benefits(user, since: dt.datetime) -> list[Benefit]:
    """Benefits edited since the given moment, the latest first (measuring is not editing)."""
    visible = permissions.visible_to(user).active()
    return list(
        Benefit.objects.filter(initiative__in=visible, updated_at__gt=since)
        .select_related("initiative")
        .order_by("-updated_at", "id")[:LIMIT]
    )


def start_context(*, user, since: dt.datetime | None, today: dt.date | None = None) -> dict:
    """Everything the start page shows, in a fixed number of queries."""
    today = today or timezone.localdate()
    context = {
        "limit": LIMIT,
        "since": since,
        "proposals": pending_proposals(),
        "pilots": pilots_past_end(today),
        "imports": unapplied_imports(),
        "overdue": overdue_initiatives(user, today),
        "due_benefits": benefits_due(user, today),
        "changed_initiatives": [],
        "changed_benefits": [],
    }
    if since is not None:
        context["changed_initiatives"] = changed_initiatives(user, since)
        context["changed_benefits"] = changed_benefits(user, since)
    return context
