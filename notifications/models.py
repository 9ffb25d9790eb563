"""What the follow-up rhythm records: each person's notifications and the e-mails that carry them.

A notification is unique per person, kind, subject and period (the ISO week for reminders, the
month for summaries): a run repeated, or two workers running at once, can only find the row that is
already there. An e-mail (Delivery) carries one person's notifications of one run; it moves from
pending to sending by a conditional UPDATE, so exactly one worker sends it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    UPDATE_OVERDUE = "update_overdue", _("Progress update overdue")
    MEASUREMENT_DUE = "measurement_due", _("Measurement due")
    HANDOVER_WAITING = "handover_waiting", _("Benefits waiting for hand-over at closure")
    REVIEW_DUE = "review_due", _("Closing review of a benefit due")
    PROPOSAL_WAITING = "proposal_waiting", _("Stage proposal waiting for a decision")
    PILOT_OVERDUE = "pilot_overdue", _("Pilot past its planned end without a decision")
    PORTFOLIO_SUMMARY = "portfolio_summary", _("Monthly portfolio summary")
    EXECUTIVE_DIGEST = "executive_digest", _("Monthly digest of the dashboard")


class Frequency(models.TextChoices):
    IMMEDIATELY = "immediately", _("By e-mail at once")
    WEEKLY = "weekly", _("By e-mail once a week")
    NEVER = "never", _("Only in the app")


# What a person gets until they choose: every reminder at once; executives' digest only if asked.
DEFAULT_FREQUENCY = {kind: Frequency.IMMEDIATELY for kind in Kind.values}
DEFAULT_FREQUENCY[Kind.EXECUTIVE_DIGEST] = Frequency.NEVER


class Recipient(models.Model):
    """A person's choices: the language of their e-mails and how often each kind is e-mailed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_settings",
    )
    language = models.CharField(_("language of e-mails"), max_length=10, blank=True)
    frequencies = models.JSONField(_("how often"), default=dict, blank=True)
    last_weekly_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return str(self.user)

    def frequency(self, kind: str) -> str:
        chosen = self.frequencies.get(kind)
        return chosen if chosen in Frequency.values else DEFAULT_FREQUENCY[kind]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed, will be retried")
    GAVE_UP = "gave_up", _("failed, not retried")


class Delivery(models.Model):
    """One e-mail to one person: the digest of their notifications from one run."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    address = models.EmailField(_("address"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.address} {self.created_at:%Y-%m-%d %H:%M} {self.status}"


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    subject = models.CharField(max_length=40)
    period = models.CharField(max_length=10)
    initiative = models.ForeignKey(
        "initiatives.Initiative", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    benefit = models.ForeignKey(
        "benefits.Benefit", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Not e-mailed: the person chose "only in the app" for its kind, or has no address.
    email_skipped = models.BooleanField(default=False)
    delivery = models.ForeignKey(
        Delivery,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "subject", "period"], name="notification_once"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["delivery", "recipient"]),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.kind} {self.subject} {self.period}"
