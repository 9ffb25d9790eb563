from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
    URLValidator,
)
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from initiatives import limits
from organisation.models import Department

REF_VALIDATOR = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{1,30}$",
    _("Use capital letters, digits and hyphens, for example DIG-2026-014."),
)


class Stage(models.TextChoices):
    IDEA = "idea", _("Idea")
    PILOT = "pilot", _("Pilot")
    SCALING = "scaling", _("Scaling")
    OPERATION = "operation", _("Operation")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    STOPPED = "stopped", _("Stopped")


class Kind(models.TextChoices):
    PILOT = "pilot", _("Pilot")
    RPA = "rpa", _("RPA robot")
    TRAINING = "training", _("Training programme")
    ESERVICE = "eservice", _("E-service")
    SYSTEM = "system", _("System or integration")
    IOT = "iot", _("Sensors / IoT")
    OTHER = "other", _("Other")


class Health(models.TextChoices):
    GREEN = "green", _("Green")
    AMBER = "amber", _("Amber")
    RED = "red", _("Red")


class InitiativeQuerySet(models.QuerySet):
    def active(self) -> InitiativeQuerySet:
        """Initiatives that are not archived."""
        return self.filter(archived_at__isnull=True)

    def archived(self) -> InitiativeQuerySet:
        """Initiatives the office has archived."""
        return self.filter(archived_at__isnull=False)

    def open(self) -> InitiativeQuerySet:
        """Initiatives still running: not closed and not archived."""
        return self.active().exclude(stage=Stage.CLOSED)

    def with_health(self) -> InitiativeQuerySet:
        """Annotate `health` and `last_update_on` from the latest progress update, in one query."""
        latest = ProgressUpdate.objects.filter(initiative=OuterRef("pk")).order_by("-date", "-id")
        return self.annotate(
            health=Subquery(latest.values("health")[:1]),
            last_update_on=Subquery(latest.values("date")[:1]),
        )

    def for_list(self) -> InitiativeQuerySet:
        """What the initiative list shows: department, owner and health, without a query per row."""
        return self.select_related("department", "owner").with_health()

    def search(self, text: str) -> InitiativeQuerySet:
        """Free-text search over ref, title and summary."""
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(ref__icontains=text) | Q(title__icontains=text) | Q(summary__icontains=text)
        )

    def for_check_in(self) -> InitiativeQuerySet:
        """The check-in list: never-updated first, then the longest without an update."""
        return (
            self.select_related("department", "owner")
            .with_health()
            .order_by(F("last_update_on").asc(nulls_first=True), "ref")
        )

    def overdue_for_update(self, today: dt.date | None = None) -> InitiativeQuerySet:
        """Open initiatives with no progress update in PROGRESS_UPDATE_OVERDUE_DAYS days."""
        today = today or timezone.localdate()
        cutoff = today - dt.timedelta(days=settings.PROGRESS_UPDATE_OVERDUE_DAYS)
        return (
            self.open()
            .with_health()
            .filter(Q(last_update_on__isnull=True) | Q(last_update_on__lt=cutoff))
        )


class Initiative(models.Model):
    ref = models.CharField(
        _("reference"),
        max_length=32,
        unique=True,
        validators=[REF_VALIDATOR],
        help_text=_("Left blank, one is generated, for example DIG-2026-014."),
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("problem and summary"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="initiatives",
        verbose_name=_("department"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_initiatives",
        verbose_name=_("owner"),
        help_text=_("The person accountable for the initiative."),
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.IDEA)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, blank=True, default=""
    )
    planned_start = models.DateField(
        _("planned start"), null=True, blank=True, validators=limits.date_window
    )
    planned_end = models.DateField(
        _("planned end"), null=True, blank=True, validators=limits.date_window
    )
    budget = models.PositiveBigIntegerField(
        _("budget (SEK)"),
        null=True,
        blank=True,
        validators=limits.amount_bounds,
        help_text=_("One-off cost in kronor."),
    )
    running_cost = models.PositiveBigIntegerField(
        _("running cost (SEK/year)"), null=True, blank=True, validators=limits.amount_bounds
    )
    cost_to_date = models.PositiveBigIntegerField(
        _("cost to date (SEK)"), null=True, blank=True, validators=limits.amount_bounds
    )
    must_do = models.BooleanField(
        _("must do"),
        default=False,
        help_text=_("A legal requirement: always selected in the prioritisation."),
    )
    hypothesis = models.TextField(
        _("hypothesis"), blank=True, help_text=_("For pilots: what the pilot is meant to show.")
    )
    stop_criteria = models.TextField(
        _("stop criteria"), blank=True, help_text=_("For pilots: when to stop it.")
    )
    tags = models.CharField(
        _("tags"), max_length=300, blank=True, help_text=_("Comma-separated, e.g. AI, schools.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    # Bumped on every edit; a form posts the version it was opened at, and a stale one is refused.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = InitiativeQuerySet.as_manager()

    class Meta:
        ordering = ["ref"]
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        indexes = [
            models.Index(fields=["stage", "archived_at"]),
            models.Index(fields=["title"]),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("initiatives:detail", args=[self.ref])

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_closed(self) -> bool:
        return self.stage == Stage.CLOSED

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]

    def is_overdue_for_update(self, today: dt.date | None = None) -> bool:
        """No progress update in PROGRESS_UPDATE_OVERDUE_DAYS days (needs with_health())."""
        if self.is_closed or self.is_archived:
            return False
        if self.last_update_on is None:
            return True
        today = today or timezone.localdate()
        return (today - self.last_update_on).days > settings.PROGRESS_UPDATE_OVERDUE_DAYS

    def stage_label(self) -> str:
        if self.stage == Stage.CLOSED and self.outcome:
            return f"{self.get_stage_display()} ({self.get_outcome_display()})"
        return self.get_stage_display()


class StageChangeStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    APPLIED = "applied", _("Changed by the office")


# A decision's link to the committee's minutes is shown as a link: only web addresses, so a
# "javascript:" or "data:" URL can never be stored and clicked.
WEB_LINK = URLValidator(
    schemes=["http", "https"],
    message=_("Use a web address starting with https:// or http://."),
)


class StageChangeQuerySet(models.QuerySet):
    def waiting_with_evidence(self, *, rate) -> StageChangeQuerySet:
        """Proposals waiting for the office, each initiative with what the decision rests on.

        Its benefits with the register's figures (`evidence_benefits`; `rate` is the hourly
        rate), its latest progress update (`latest_updates`, one or none) and its lessons
        (`evidence_lessons`): four queries whatever the number of proposals.
        """
        from benefits.models import Benefit

        return (
            self.filter(status=StageChangeStatus.PROPOSED)
            .select_related("initiative__department", "initiative__owner", "proposed_by")
            .prefetch_related(
                models.Prefetch(
                    "initiative__benefits",
                    queryset=Benefit.objects.with_figures(rate=rate),
                    to_attr="evidence_benefits",
                ),
                models.Prefetch(
                    "initiative__progress_updates",
                    queryset=ProgressUpdate.objects.order_by("-date", "-id")[:1],
                    to_attr="latest_updates",
                ),
                models.Prefetch(
                    "initiative__lessons",
                    queryset=Lesson.objects.select_related("author"),
                    to_attr="evidence_lessons",
                ),
            )
        )


class DecisionRecord(models.Model):
    """Where a decision stands in the municipality's records: its registry number (diarienummer)
    and the committee's minutes. Stage decisions and saved prioritisations carry both."""

    registry_number = models.CharField(
        _("registry number"),
        max_length=50,
        blank=True,
        help_text=_("The decision's registry number (diarienummer), for example KS 2026/123."),
    )
    minutes_url = models.URLField(
        _("link to the minutes"), max_length=500, blank=True, validators=[WEB_LINK]
    )

    class Meta:
        abstract = True


class StageChange(DecisionRecord):
    """A proposal, decision or direct change of an initiative's stage; never edited afterwards."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(_("from"), max_length=20, choices=Stage.choices)
    to_stage = models.CharField(_("to"), max_length=20, choices=Stage.choices)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, blank=True, default=""
    )
    reason = models.TextField(_("reason"))
    lesson_text = models.TextField(_("lesson learned"), blank=True)
    override_justification = models.TextField(_("justification for override"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=StageChangeStatus.choices)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)

    # Proposals are decided (status, decided_by/at, comment) after they are made: keep who and when.
    history = HistoricalRecords()
    objects = StageChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")

    def __str__(self) -> str:
        return f"{self.initiative.ref}: {self.from_stage} → {self.to_stage}"

    @property
    def is_pending(self) -> bool:
        return self.status == StageChangeStatus.PROPOSED


class ProgressUpdate(models.Model):
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="progress_updates"
    )
    date = models.DateField(_("date"), default=timezone.localdate, validators=limits.happened)
    health = models.CharField(_("health"), max_length=10, choices=Health.choices)
    summary = models.TextField(_("what happened"))
    next_steps = models.TextField(_("next steps"), blank=True)
    blockers = models.TextField(_("blockers"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        indexes = [models.Index(fields=["initiative", "-date", "-id"])]

    def __str__(self) -> str:
        return f"{self.initiative_id} {self.date}"


class LessonKind(models.TextChoices):
    WORKED = "worked", _("What worked")
    DID_NOT_WORK = "did_not_work", _("What did not work")
    ADVICE = "advice", _("Advice to others")


class LessonQuerySet(models.QuerySet):
    def search(self, text: str) -> LessonQuerySet:
        """Lessons whose text, or whose initiative's ref or title, contains the text."""
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(text__icontains=text)
            | Q(initiative__title__icontains=text)
            | Q(initiative__ref__icontains=text)
        )

    def for_register(self) -> LessonQuerySet:
        """The register's rows with their initiative, department and author in one query."""
        return self.select_related("initiative__department", "author")


class Lesson(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="lessons")
    kind = models.CharField(_("kind"), max_length=20, choices=LessonKind.choices)
    text = models.TextField(_("lesson"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    date = models.DateField(_("date"), default=timezone.localdate, validators=limits.happened)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = LessonQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def __str__(self) -> str:
        return self.text[:60]


class CostKind(models.TextChoices):
    INVESTMENT = "investment", _("Investment")
    RUNNING = "running", _("Running")


# The years a cost line may fall in: the dates' window (initiatives.limits).
COST_YEARS = [
    MinValueValidator(limits.EARLIEST_DATE.year),
    MaxValueValidator(limits.LATEST_DATE.year),
]


class CostLine(models.Model):
    """One year's cost of an initiative, of one kind, borne by one actor: planned and actual.

    The business case (portfolio.economics) reads them year by year. The initiative's budget
    (planned investment), running cost (planned running cost of the latest year that has one)
    and cost to date (all actual amounts) are their sums, kept on the initiative by
    initiatives.costs.cost_lines_save in the same transaction as the lines, so every list,
    export and the budget selection read one column as before.
    """

    initiative = models.ForeignKey(
        Initiative,
        on_delete=models.CASCADE,
        related_name="cost_lines",
        verbose_name=_("initiative"),
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=COST_YEARS)
    kind = models.CharField(_("kind"), max_length=20, choices=CostKind.choices)
    planned = models.PositiveBigIntegerField(
        _("planned (SEK)"), default=0, validators=limits.amount_bounds
    )
    actual = models.PositiveBigIntegerField(
        _("actual (SEK)"),
        null=True,
        blank=True,
        validators=limits.amount_bounds,
        help_text=_("Left blank until the year's outcome is known."),
    )
    # Who bears it: a department, or another organisation named in text (a region, a
    # municipal company, the state); one of the two.
    payer = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("paid by (department)"),
    )
    payer_other = models.CharField(_("paid by (other organisation)"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["year", "kind", "id"]
        verbose_name = _("cost line")
        verbose_name_plural = _("cost lines")
        constraints = [
            models.CheckConstraint(
                condition=(Q(payer__isnull=False) & Q(payer_other=""))
                | (Q(payer__isnull=True) & ~Q(payer_other="")),
                name="cost_line_one_payer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id} {self.year} {self.kind}"

    @property
    def payer_name(self) -> str:
        return self.payer.name if self.payer_id else self.payer_other
