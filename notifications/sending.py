"""E-mail digests: one e-mail per person per run, each sent exactly once.

`claim` gives each person's e-mailable notifications to a new Delivery in one transaction that
locks them (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: transactions begin as writers), so two
workers cannot claim the same notification. `send` takes a Delivery from pending (or failed and due
for a retry) to sending with one conditional UPDATE, so only one worker sends it; a failure is kept
with its error and retried later, and the notifications stay in the app whatever happens.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from notifications import items
from notifications.models import Delivery, DeliveryStatus, Frequency, Notification, Recipient

User = get_user_model()

MAX_ATTEMPTS = 5
# After the n-th failed attempt, wait RETRY_AFTER[n - 1] before the next.
RETRY_AFTER = [
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=8),
]
WEEK = dt.timedelta(days=7)
# An e-mail lists this many items; the rest are counted, with a link to the list in the app.
MAX_ITEMS = 30
# A delivery still "sending" after this long belongs to a worker that died mid-send.
STALE_SENDING = dt.timedelta(minutes=30)


def settings_for(user) -> Recipient:
    try:
        return user.notification_settings
    except Recipient.DoesNotExist:
        return Recipient(user=user)


def language_of(recipient: Recipient) -> str:
    languages = {code for code, _name in settings.LANGUAGES}
    return recipient.language if recipient.language in languages else settings.LANGUAGE_CODE


def claim(now: dt.datetime | None = None) -> list[int]:
    """Give each person's e-mailable notifications to one new Delivery; the new deliveries' ids."""
    now = now or timezone.now()
    created = []
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(delivery__isnull=True, email_skipped=False)
            .select_related("recipient__notification_settings")
            .order_by("recipient_id", "id")
        )
        by_person: dict[int, list[Notification]] = defaultdict(list)
        for notification in pending:
            by_person[notification.recipient_id].append(notification)
        skipped, weekly_sent = [], []
        for person_notifications in by_person.values():
            user = person_notifications[0].recipient
            choices = settings_for(user)
            weekly_due = choices.last_weekly_at is None or now - choices.last_weekly_at >= WEEK
            chosen, used_weekly = [], False
            for notification in person_notifications:
                frequency = choices.frequency(notification.kind)
                if frequency == Frequency.NEVER or not user.is_active or not user.email:
                    skipped.append(notification.pk)
                elif frequency == Frequency.IMMEDIATELY:
                    chosen.append(notification.pk)
                elif weekly_due:
                    chosen.append(notification.pk)
                    used_weekly = True
            if chosen:
                delivery = Delivery.objects.create(recipient=user, address=user.email)
                Notification.objects.filter(pk__in=chosen).update(delivery=delivery)
                created.append(delivery.pk)
            if used_weekly:
                weekly_sent.append(user.pk)
        Notification.objects.filter(pk__in=skipped).update(email_skipped=True)
        for user_id in weekly_sent:
            Recipient.objects.update_or_create(user_id=user_id, defaults={"last_weekly_at": now})
    return created


def due_deliveries(now: dt.datetime) -> Q:
    """Deliveries a worker may take: new, failed and due a retry, or abandoned mid-send."""
    return (
        Q(status=DeliveryStatus.PENDING)
        | Q(status=DeliveryStatus.FAILED, next_attempt_at__lte=now)
        | Q(status=DeliveryStatus.SENDING, sending_since__lt=now - STALE_SENDING)
    )


def message_for(
    delivery: Delivery, notifications: list[Notification], total: int
) -> EmailMultiAlternatives:
    """The digest in the recipient's language: plain text and HTML, each item a link."""
    recipient = settings_for(delivery.recipient)
    with translation.override(language_of(recipient)):
        entries = [
            {
                "kind": notification.get_kind_display(),
                "text": items.text(notification),
                "url": items.absolute(items.path(notification)),
            }
            for notification in notifications[:MAX_ITEMS]
        ]
        context = {
            "user": delivery.recipient,
            "entries": entries,
            "total": total,
            "more": max(0, total - MAX_ITEMS),
            "settings_url": items.absolute(reverse("notifications:settings")),
            "list_url": items.absolute(reverse("notifications:list")),
        }
        subject = "".join(
            render_to_string("notifications/digest_subject.txt", context).splitlines()
        )
        text = render_to_string("notifications/digest_email.txt", context)
        html = render_to_string("notifications/digest_email.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [delivery.address])
    message.attach_alternative(html, "text/html")
    return message


def send(delivery_id: int, now: dt.datetime | None = None) -> bool:
    """Send one delivery if no other worker has it; whether this call sent it."""
    now = now or timezone.now()
    taken = (
        Delivery.objects.filter(pk=delivery_id)
        .filter(due_deliveries(now))
        .update(status=DeliveryStatus.SENDING, sending_since=now, attempts=F("attempts") + 1)
    )
    if not taken:
        return False
    delivery = Delivery.objects.select_related("recipient__notification_settings").get(
        pk=delivery_id
    )
    listed = delivery.notifications.select_related("initiative", "benefit").order_by("kind", "id")
    total = delivery.notifications.count()
    try:
        message_for(delivery, list(listed[:MAX_ITEMS]), total).send()
    except Exception as error:  # noqa: BLE001 - any failure of the mail server is kept and retried
        gave_up = delivery.attempts >= MAX_ATTEMPTS
        Delivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.GAVE_UP if gave_up else DeliveryStatus.FAILED,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            next_attempt_at=None if gave_up else now + RETRY_AFTER[delivery.attempts - 1],
        )
        return False
    Delivery.objects.filter(pk=delivery_id).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def retry_now(delivery: Delivery) -> bool:
    """The office asks for another attempt of a failed e-mail at the next run."""
    return bool(
        Delivery.objects.filter(
            pk=delivery.pk, status__in=[DeliveryStatus.FAILED, DeliveryStatus.GAVE_UP]
        ).update(status=DeliveryStatus.FAILED, next_attempt_at=timezone.now(), attempts=0)
    )


@dataclass
class RunReport:
    notifications: int
    deliveries: int
    sent: int
    failed: int


def run(now: dt.datetime | None = None) -> RunReport:
    """A whole run: collect what is due, give it to deliveries, send every delivery due."""
    from notifications.rules import collect

    now = now or timezone.now()
    created = collect(timezone.localdate(now))
    claimed = claim(now)
    sent = failed = 0
    for delivery_id in Delivery.objects.filter(due_deliveries(now)).values_list("pk", flat=True):
        if send(delivery_id, now):
            sent += 1
        elif Delivery.objects.filter(
            pk=delivery_id, status__in=[DeliveryStatus.FAILED, DeliveryStatus.GAVE_UP]
        ).exists():
            failed += 1
    return RunReport(notifications=created, deliveries=len(claimed), sent=sent, failed=failed)
