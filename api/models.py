"""Personal API tokens: what a script or Power BI presents instead of a session cookie.

Only a SHA-256 hash of the secret is stored, so a copy of the database does not hand out access;
the secret itself is shown once, when the token is created. A short prefix of it stays visible so
the owner can tell their tokens apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

PREFIX_LENGTH = 8
# Writing last_used_at on every request would turn each read into a write; once a minute is enough
# to tell a token in use from a forgotten one.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self) -> ApiTokenQuerySet:
        """Tokens that still authenticate: not revoked, and their user still active."""
        return self.filter(revoked_at__isnull=True, user__is_active=True)

    def for_profile(self, user) -> ApiTokenQuerySet:
        """The user's own tokens, live ones first, newest first."""
        return self.filter(user=user).order_by(
            models.F("revoked_at").desc(nulls_first=True), "-created_at", "-id"
        )


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the token is for, for example Power BI.")
    )
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    # Who created or revoked a token, and when; the hash stays out of the history, and so does the
    # once-a-minute use stamp (it would be a history row a minute per token in use).
    history = HistoricalRecords(excluded_fields=["token_hash", "last_used_at"])
    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user, name: str) -> tuple[ApiToken, str]:
        """Create a token; returns it with its secret, never stored and never shown again."""
        secret = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, prefix=secret[:PREFIX_LENGTH], token_hash=hash_secret(secret)
        )
        return token, secret

    @classmethod
    def authenticate(cls, secret: str) -> ApiToken | None:
        """The usable token with this secret, with its user, or None."""
        if not secret:
            return None
        return (
            cls.objects.usable()
            .select_related("user")
            .filter(token_hash=hash_secret(secret))
            .first()
        )

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def touch(self) -> None:
        """Record the use, at most once a minute."""
        now = timezone.now()
        if self.last_used_at is None or now - self.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now
