from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from initiatives.models import WEB_LINK, DecisionRecord, Initiative


class CouncilGoalQuerySet(models.QuerySet):
    def active(self) -> CouncilGoalQuerySet:
        """The goals that count in the prioritisation, in their order."""
        return self.filter(active=True).order_by("order", "id")


class CouncilGoal(models.Model):
    """One of the council's goals (inriktningsmål) that initiatives are scored against."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(
        _("weight"),
        max_digits=8,
        decimal_places=3,
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(1000)],
        help_text=_("How much the goal counts in the ranking (0 to 1,000)."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()
    objects = CouncilGoalQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("council goal")
        verbose_name_plural = _("council goals")

    def __str__(self) -> str:
        return self.title


class Alignment(models.Model):
    """How much an initiative serves a goal: 0 (none) to 5 (decisive), with a one-line reason."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="alignments")
    goal = models.ForeignKey(CouncilGoal, on_delete=models.CASCADE, related_name="alignments")
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(0), MaxValueValidator(5)]
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("alignment")
        verbose_name_plural = _("alignments")
        constraints = [
            models.UniqueConstraint(fields=["initiative", "goal"], name="one_score_per_goal"),
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=5), name="score_0_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id}/{self.goal_id}: {self.score}"


class Decision(DecisionRecord):
    """A saved prioritisation: the record the council or executive committee decided on.

    Immutable once saved: weights, filters, budget, ranking and selection are stored as they were.
    Only the registry number and the link to the minutes, which come after the meeting, may be
    added or corrected afterwards (`record_minutes`); each such change is kept in its history.
    """

    # The only fields an update may write; everything else stays as it was decided.
    AMENDABLE_FIELDS = frozenset({"registry_number", "minutes_url"})

    comment = models.TextField(_("comment"))
    weights = models.JSONField(_("weights"))
    filters = models.JSONField(_("filters"), default=dict)
    budget = models.PositiveBigIntegerField(_("budget (SEK)"), null=True, blank=True)
    ranking = models.JSONField(_("ranking"))
    selection = models.JSONField(_("selection"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("decided"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} {self.comment[:40]}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            update_fields = kwargs.get("update_fields")
            if not update_fields or not set(update_fields) <= self.AMENDABLE_FIELDS:
                raise ValueError(
                    "A saved decision is immutable: only its registry number and minutes link "
                    "may be updated, with save(update_fields=[...])."
                )
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("portfolio:decision", args=[self.pk])

    def delete(self, *args, **kwargs):
        raise ValueError("A saved decision is immutable.")

    def record_minutes(self, *, registry_number: str, minutes_url: str, by) -> None:
        """Add or correct the registry number and the link to the minutes, kept in the history."""
        if minutes_url:
            WEB_LINK(minutes_url)  # the form checks it too; never store a non-web link
        self.registry_number = registry_number
        self.minutes_url = minutes_url
        self._history_user = by
        self.save(update_fields=["registry_number", "minutes_url"])


class ImportBatch(models.Model):
    """An uploaded file waiting for the office to confirm its preview; kept as a record after.

    The file is read once, at upload: `parsed` holds its rows as read and checked (see
    portfolio.importing), which the preview and the apply step use; the bytes are not kept.
    """

    class Kind(models.TextChoices):
        INITIATIVES = "initiatives", _("Initiatives with goal scores")
        BENEFITS = "benefits", _("Benefits with measurements")

    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    filename = models.CharField(_("file"), max_length=255)
    parsed = models.JSONField(_("rows read"), null=True, blank=True, editable=False)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.filename


class DataVersion(models.Model):
    """A token that changes on every write to what the dashboard shows.

    Cached figures are keyed on it, so a cache entry can never outlive the data it came from; it
    lives in the database so that every app server sees the same token.
    """

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.token
