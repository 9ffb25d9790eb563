"""What a notification says and where it leads, in the active language: the in-app list and the
e-mail digest read the same words."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from initiatives.models import Stage
from notifications.models import Kind, Notification


def _date(value: str | None) -> str:
    return formats.date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT") if value else ""


def _money(value) -> str:
    if value is None:
        return "–"
    amount = formats.number_format(value, 0, force_grouping=True)
    return _("%(amount)s SEK/year") % {"amount": amount}


def _initiative(notification: Notification) -> str:
    initiative = notification.initiative
    return f"{initiative.ref} {initiative.title}" if initiative else ""


def text(notification: Notification) -> str:
    """One sentence: what is due, on what."""
    data = notification.data or {}
    kind = notification.kind
    if kind == Kind.UPDATE_OVERDUE:
        if data.get("last_update_on"):
            return _("%(initiative)s: no progress update since %(date)s.") % {
                "initiative": _initiative(notification),
                "date": _date(data["last_update_on"]),
            }
        return _("%(initiative)s: no progress update yet.") % {
            "initiative": _initiative(notification)
        }
    if kind == Kind.MEASUREMENT_DUE:
        return _("%(initiative)s: the benefit “%(benefit)s” is due a measurement.") % {
            "initiative": _initiative(notification),
            "benefit": notification.benefit.title if notification.benefit else "",
        }
    if kind == Kind.REVIEW_DUE:
        return _(
            "%(initiative)s: the follow-up of the benefit “%(benefit)s” is over; record the "
            "closing measurement and say whether it was realised."
        ) % {
            "initiative": _initiative(notification),
            "benefit": notification.benefit.title if notification.benefit else "",
        }
    if kind == Kind.HANDOVER_WAITING:
        return _(
            "%(initiative)s is closed as completed: hand its benefits over to an owner in line "
            "management, with a follow-up period."
        ) % {"initiative": _initiative(notification)}
    if kind == Kind.PROPOSAL_WAITING:
        stage = dict(Stage.choices).get(data.get("to_stage"), data.get("to_stage", ""))
        return _("%(initiative)s: a proposal to move to %(stage)s waits for a decision.") % {
            "initiative": _initiative(notification),
            "stage": str(stage).lower(),
        }
    if kind == Kind.PILOT_OVERDUE:
        return _(
            "%(initiative)s: the pilot was planned to end on %(date)s; nobody has decided to "
            "scale it or stop it."
        ) % {"initiative": _initiative(notification), "date": _date(data.get("planned_end"))}
    # The monthly summary and digest: the portfolio's headline figures.
    return _(
        "%(initiatives)s initiatives; %(overdue)s without a recent progress update; "
        "%(proposals)s stage proposals waiting. Expected benefit %(expected)s, realised so far "
        "%(realised)s; %(behind)s of %(benefits)s benefits behind plan."
    ) % {
        "initiatives": data.get("initiatives", 0),
        "overdue": data.get("overdue_updates", 0),
        "proposals": data.get("proposals_waiting", 0),
        "expected": _money(data.get("expected_sek")),
        "realised": _money(data.get("realised_sek")),
        "behind": data.get("behind_plan", 0),
        "benefits": data.get("benefits", 0),
    }


def path(notification: Notification) -> str:
    """Where the notification leads in the app."""
    kind = notification.kind
    if kind == Kind.PROPOSAL_WAITING:
        return reverse("initiatives:proposals")
    if kind == Kind.PORTFOLIO_SUMMARY:
        return reverse("portfolio:start")
    if kind == Kind.EXECUTIVE_DIGEST:
        return reverse("portfolio:dashboard")
    if kind == Kind.HANDOVER_WAITING:
        return reverse("benefits:handover", args=[notification.initiative.ref])
    benefit = notification.benefit if notification.benefit_id else None
    if kind in (Kind.MEASUREMENT_DUE, Kind.REVIEW_DUE) and benefit is not None:
        if kind == Kind.REVIEW_DUE:
            return reverse("benefits:review", args=[benefit.pk])
        if benefit.owner_id == notification.recipient_id:
            # The owner's own list: also for a line manager without a role.
            return reverse("benefits:mine") + f"#benefit-{benefit.pk}"
    url = reverse("initiatives:detail", args=[notification.initiative.ref])
    if benefit is not None:
        url += f"#benefit-{benefit.pk}"
    return url


def absolute(url_path: str) -> str:
    return settings.PORTFOLIO_URL.rstrip("/") + url_path
