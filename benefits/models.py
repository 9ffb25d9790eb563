"""The benefits register: what each initiative promised, and what it has realised so far.

The derived figures of DESIGN.md live here, twice by design: as methods for one benefit (Python
Decimal arithmetic) and as queryset annotations for lists and totals (SQL). Tests hold the two to
the same numbers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from benefits.expressions import DayNumber, Divide, day_number
from initiatives import limits
from initiatives.models import Initiative, Outcome, Stage

MONEY = DecimalField(max_digits=20, decimal_places=4)


class Category(models.TextChoices):
    FINANCIAL = "financial", _("Financial")
    REDISTRIBUTION = "redistribution", _("Redistribution (freed time)")
    QUALITY = "quality", _("Quality")
    ENVIRONMENT = "environment", _("Environment")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Confidence(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Every six months")
    YEARLY = "yearly", _("Yearly")


class Realisation(models.TextChoices):
    """The closing review's verdict on a benefit after the project."""

    REALISED = "realised", _("Realised")
    PARTLY = "partly", _("Partly realised")
    NOT_REALISED = "not_realised", _("Not realised")


class FollowUp(models.TextChoices):
    """Where a benefit is in its life: promised by a running project, waiting to be handed over
    to line management at closure, followed up after the project, or done."""

    PROJECT = "project", _("In the project")
    HANDOVER = "handover", _("Waiting for hand-over")
    AFTER = "after", _("Followed up after the project")
    REVIEWED = "reviewed", _("Follow-up ended")
    STOPPED = "stopped", _("Initiative stopped")


# The follow-up after closure lasts at least this long.
FOLLOW_UP_AT_LEAST = dt.timedelta(days=365)


# How long after the last measurement (or the baseline) the next one is due.
FREQUENCY_DAYS = {
    Frequency.MONTHLY: 31,
    Frequency.QUARTERLY: 92,
    Frequency.HALF_YEARLY: 183,
    Frequency.YEARLY: 366,
}


class Gainer(models.TextChoices):
    """Who gains a benefit, in the business case's "who pays, who gains"."""

    DEPARTMENT = "department", _("A department")
    RESIDENTS = "residents", _("Residents")
    BUSINESSES = "businesses", _("Businesses")
    OTHER = "other", _("Another organisation")


class PortfolioSetting(models.Model):
    """Settings the office changes in the app; one row."""

    hourly_rate = models.DecimalField(
        _("hourly rate (SEK/h)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("450"),
        validators=[MinValueValidator(0), MaxValueValidator(100_000)],
        help_text=_("What one freed staff hour is worth when time is valued in kronor."),
    )
    # The business case (portfolio.economics): a real discount rate and how many years after the
    # base year it counts.
    discount_rate = models.DecimalField(
        _("discount rate (% a year)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("3.5"),
        validators=[MinValueValidator(0), MaxValueValidator(20)],
        help_text=_("Real rate, as in the national guidance for public investments."),
    )
    horizon_years = models.PositiveSmallIntegerField(
        _("horizon (years)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("How many years after the initiative's start year the business case counts."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("portfolio setting")
        verbose_name_plural = _("portfolio settings")

    def __str__(self) -> str:
        return str(_("Portfolio settings"))

    @classmethod
    def current(cls) -> PortfolioSetting:
        setting, _created = cls.objects.get_or_create(pk=1)
        return setting


def hourly_rate() -> Decimal:
    return PortfolioSetting.current().hourly_rate


def indicator_sign(prefix: str = ""):
    """s: +1 when higher is better, −1 when lower is better (fields reached through `prefix`)."""
    return Case(When(**{f"{prefix}direction": Direction.HIGHER}, then=Value(1)), default=Value(-1))


def signed_sek_per_unit(rate: Decimal, prefix: str = ""):
    """SEK per unit of improvement per year: the hourly rate or the benefit's own, negative for a
    dis-benefit; NULL when the benefit has no money value."""
    money_sign = Case(When(**{f"{prefix}is_disbenefit": True}, then=Value(-1)), default=Value(1))
    per_unit = Case(
        When(**{f"{prefix}valued_at_hourly_rate": True}, then=Value(rate, output_field=MONEY)),
        default=F(f"{prefix}sek_per_unit"),
        output_field=MONEY,
    )
    return money_sign * per_unit


def review_due_q(today: dt.date) -> Q:
    """Benefit.review_due() as a filter: handed over, not reviewed, follow-up period over."""
    return Q(handed_over_at__isnull=False, reviewed_at__isnull=True, follow_up_until__lte=today)


class BenefitQuerySet(models.QuerySet):
    def with_figures(self, *, rate: Decimal, today: dt.date | None = None) -> BenefitQuerySet:
        """Annotate the derived figures of DESIGN.md in SQL.

        expected/realised improvement, realisation rate, planned improvement today, behind plan,
        expected/realised SEK per year and whether a measurement is due. `rate` is the hourly rate
        (read once per request).
        """
        today = today or timezone.localdate()
        sign = indicator_sign()
        expected = ExpressionWrapper(
            sign * (F("target_value") - F("baseline_value")), output_field=MONEY
        )
        realised = ExpressionWrapper(
            sign * (F("latest_value") - F("baseline_value")), output_field=MONEY
        )
        money = signed_sek_per_unit(rate)
        today_n = day_number(today)
        baseline_n, target_n = DayNumber("baseline_date"), DayNumber("target_date")
        fraction = Case(
            When(target_date__lte=today, then=Value(Decimal(1), output_field=MONEY)),
            When(baseline_date__gte=today, then=Value(Decimal(0), output_field=MONEY)),
            default=ExpressionWrapper(
                Divide(
                    Cast(Value(today_n) - baseline_n, MONEY), Cast(target_n - baseline_n, MONEY)
                ),
                output_field=MONEY,
            ),
            output_field=MONEY,
        )
        due_after = Case(
            *[When(frequency=key, then=Value(days)) for key, days in FREQUENCY_DAYS.items()],
            default=Value(366),
        )
        last_checked = DayNumber(Coalesce("latest_measured_on", "baseline_date"))
        return self.annotate(
            expected_improvement=expected,
            realised_improvement=realised,
            planned_improvement=ExpressionWrapper(expected * fraction, output_field=MONEY),
            measurement_due_day=ExpressionWrapper(
                last_checked + due_after, output_field=models.IntegerField()
            ),
            expected_sek=ExpressionWrapper(expected * money, output_field=MONEY),
            realised_sek=ExpressionWrapper(realised * money, output_field=MONEY),
        ).annotate(
            realisation_rate=Case(
                When(target_value=F("baseline_value"), then=Value(None, output_field=MONEY)),
                default=ExpressionWrapper(
                    Divide(F("realised_improvement"), F("expected_improvement")),
                    output_field=MONEY,
                ),
                output_field=MONEY,
            ),
            behind_plan=Case(
                When(latest_value__isnull=True, then=Value(False)),
                When(realised_improvement__lt=F("planned_improvement"), then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            ),
            measurement_due=Case(
                # A benefit whose follow-up ended with its closing review is due nothing more.
                When(reviewed_at__isnull=False, then=Value(False)),
                When(
                    measurement_due_day__lt=today_n,
                    then=Value(True),
                ),
                default=Value(False),
                output_field=models.BooleanField(),
            ),
        )

    def totals(self) -> dict:
        """Summed expected and realised SEK/year of benefits with a money value (needs figures)."""
        return self.aggregate(
            expected_sek_total=Sum("expected_sek"), realised_sek_total=Sum("realised_sek")
        )

    def sum_by_initiative(self, field: str, *, rate: Decimal) -> BenefitQuerySet:
        """For a Subquery over OuterRef("pk"): the initiative's summed `field` ("expected_sek"
        or "realised_sek"), NULL when none of its benefits has a money value."""
        return (
            self.with_figures(rate=rate)
            .order_by()
            .values("initiative")
            .annotate(total=Sum(field))
            .values("total")
        )

    def after_project(self) -> BenefitQuerySet:
        """Benefits of initiatives closed as completed: realised in operations, after the
        project."""
        return self.filter(initiative__stage=Stage.CLOSED, initiative__outcome=Outcome.COMPLETED)

    def followed_up(self) -> BenefitQuerySet:
        """Benefits still followed up: their initiative is running, or closed as completed and
        the benefit has no closing review yet. A stopped initiative's benefits are not."""
        return self.filter(
            ~Q(initiative__stage=Stage.CLOSED)
            | Q(initiative__outcome=Outcome.COMPLETED, reviewed_at__isnull=True)
        )

    def search(self, text: str) -> BenefitQuerySet:
        """Benefits whose title, unit, or initiative's ref or title contains the text.

        One query, as a union of the two tables' matches rather than one OR across a join: on
        PostgreSQL each side then uses its trigram indexes (an OR across two tables makes the
        planner scan both). `.order_by()` inside: SQLite refuses ordering in a union.
        """
        initiatives = Initiative.objects.filter(Q(ref__icontains=text) | Q(title__icontains=text))
        own = self.model.objects.filter(Q(title__icontains=text) | Q(unit__icontains=text))
        via = self.model.objects.filter(initiative__in=initiatives.values("pk"))
        matches = own.order_by().values("pk").union(via.order_by().values("pk"))
        return self.filter(pk__in=matches)

    def for_register(self) -> BenefitQuerySet:
        """The register's rows with initiative, department and owner in the same query."""
        return self.select_related("initiative__department", "owner")


class Benefit(models.Model):
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="benefits", verbose_name=_("initiative")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_benefits",
        verbose_name=_("benefit owner"),
        help_text=_("The line manager who realises the benefit in operations."),
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    is_disbenefit = models.BooleanField(
        _("dis-benefit"),
        default=False,
        help_text=_("A negative effect, such as a new licence cost."),
    )
    unit = models.CharField(
        _("unit"), max_length=40, help_text=_("For example h/year, SEK/year, min per case, %.")
    )
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    measurement_method = models.TextField(_("measurement method"), blank=True)
    frequency = models.CharField(
        _("measurement frequency"),
        max_length=20,
        choices=Frequency.choices,
        default=Frequency.QUARTERLY,
    )
    baseline_value = models.DecimalField(
        _("baseline value"), max_digits=16, decimal_places=4, validators=limits.indicator_bounds
    )
    baseline_date = models.DateField(_("baseline date"), validators=limits.date_window)
    target_value = models.DecimalField(
        _("target value"), max_digits=16, decimal_places=4, validators=limits.indicator_bounds
    )
    target_date = models.DateField(_("target date"), validators=limits.date_window)
    sek_per_unit = models.DecimalField(
        _("SEK per unit and year"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=limits.sek_per_unit_bounds,
        help_text=_("What one unit of improvement is worth per year. Leave empty if not money."),
    )
    valued_at_hourly_rate = models.BooleanField(
        _("value at the hourly rate"),
        default=False,
        help_text=_("For freed time in hours: value each hour at the office's hourly rate."),
    )
    confidence = models.CharField(
        _("confidence"), max_length=10, choices=Confidence.choices, default=Confidence.MEDIUM
    )
    # The business case (portfolio.economics): how long the benefit lasts after its target date,
    # and who gains it.
    lifetime_years = models.PositiveSmallIntegerField(
        _("lifetime (years)"),
        default=5,
        validators=[MaxValueValidator(50)],
        help_text=_(
            "How many whole years after the target date the benefit lasts in the business case."
        ),
    )
    gainer = models.CharField(
        _("who gains"), max_length=20, choices=Gainer.choices, default=Gainer.DEPARTMENT
    )
    gainer_department = models.ForeignKey(
        "organisation.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gaining department"),
        help_text=_("Left blank: the initiative's own department."),
    )
    gainer_other = models.CharField(
        _("gaining organisation"),
        max_length=200,
        blank=True,
        help_text=_("When another organisation gains: its name."),
    )
    # After the project: the hand-over at closure and the closing review (services.handover,
    # services.closing_review).
    follow_up_until = models.DateField(
        _("follow up until"),
        null=True,
        blank=True,
        validators=limits.date_window,
        help_text=_(
            "When the follow-up after the project ends with a closing measurement and a review: "
            "not before the target date, and at least a year after the hand-over."
        ),
    )
    handed_over_at = models.DateTimeField(_("handed over"), null=True, editable=False)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
        verbose_name=_("handed over by"),
    )
    review_outcome = models.CharField(
        _("realisation"), max_length=20, choices=Realisation.choices, blank=True
    )
    review_text = models.TextField(_("why"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    closing_measurement = models.OneToOneField(
        "benefits.Measurement",
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
        verbose_name=_("closing measurement"),
    )
    # Kept in step with the measurements by the services, so lists and totals need no subquery.
    latest_value = models.DecimalField(max_digits=16, decimal_places=4, null=True, editable=False)
    latest_measured_on = models.DateField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["updated_at", "latest_value", "latest_measured_on"]
    )
    objects = BenefitQuerySet.as_manager()

    class Meta:
        ordering = ["initiative", "title", "id"]
        verbose_name = _("benefit")
        verbose_name_plural = _("benefits")

    def __str__(self) -> str:
        return self.title

    # The figures for one benefit, in Python; the annotations above compute the same in SQL.

    @property
    def sign(self) -> int:
        return 1 if self.direction == Direction.HIGHER else -1

    def get_expected_improvement(self) -> Decimal:
        return self.sign * (self.target_value - self.baseline_value)

    def get_realised_improvement(self) -> Decimal | None:
        if self.latest_value is None:
            return None
        return self.sign * (self.latest_value - self.baseline_value)

    def get_realisation_rate(self) -> Decimal | None:
        realised, expected = self.get_realised_improvement(), self.get_expected_improvement()
        if realised is None or expected == 0:
            return None
        return realised / expected

    def planned_fraction(self, on: dt.date) -> Decimal:
        if on >= self.target_date:
            return Decimal(1)
        if on <= self.baseline_date:
            return Decimal(0)
        return Decimal((on - self.baseline_date).days) / Decimal(
            (self.target_date - self.baseline_date).days
        )

    def get_planned_improvement(self, on: dt.date | None = None) -> Decimal:
        return self.get_expected_improvement() * self.planned_fraction(on or timezone.localdate())

    def planned_value(self, on: dt.date) -> Decimal:
        """The indicator's planned value on a date (for the chart's plan line)."""
        return self.baseline_value + self.sign * self.get_planned_improvement(on)

    def is_behind_plan(self, on: dt.date | None = None) -> bool:
        realised = self.get_realised_improvement()
        return realised is not None and realised < self.get_planned_improvement(on)

    def sek_per_unit_effective(self, rate: Decimal) -> Decimal | None:
        return rate if self.valued_at_hourly_rate else self.sek_per_unit

    def get_expected_sek(self, rate: Decimal) -> Decimal | None:
        per_unit = self.sek_per_unit_effective(rate)
        if per_unit is None:
            return None
        return (-1 if self.is_disbenefit else 1) * self.get_expected_improvement() * per_unit

    def get_realised_sek(self, rate: Decimal) -> Decimal | None:
        per_unit = self.sek_per_unit_effective(rate)
        realised = self.get_realised_improvement()
        if per_unit is None or realised is None:
            return None
        return (-1 if self.is_disbenefit else 1) * realised * per_unit

    def measurement_due_on(self) -> dt.date:
        last = self.latest_measured_on or self.baseline_date
        return last + dt.timedelta(days=FREQUENCY_DAYS.get(self.frequency, 366))

    def attach_figures(self, rate: Decimal, today: dt.date | None = None) -> Benefit:
        """Set the attributes with_figures() annotates, computed here in Python: for a page
        showing a handful of benefits, cheaper than building and compiling the SQL."""
        today = today or timezone.localdate()
        self.expected_improvement = self.get_expected_improvement()
        self.realised_improvement = self.get_realised_improvement()
        self.planned_improvement = self.get_planned_improvement(today)
        self.expected_sek = self.get_expected_sek(rate)
        self.realised_sek = self.get_realised_sek(rate)
        self.realisation_rate = self.get_realisation_rate()
        self.behind_plan = self.is_behind_plan(today)
        self.measurement_due = self.reviewed_at is None and self.measurement_due_on() < today
        return self

    def follow_up_state(self, initiative: Initiative | None = None) -> str:
        """FollowUp: the benefit's place in its life (reads the initiative's stage and outcome)."""
        initiative = initiative or self.initiative
        if initiative.stage != Stage.CLOSED:
            return FollowUp.PROJECT
        if initiative.outcome != Outcome.COMPLETED:
            return FollowUp.STOPPED
        if self.reviewed_at is not None:
            return FollowUp.REVIEWED
        if self.handed_over_at is None:
            return FollowUp.HANDOVER
        return FollowUp.AFTER

    def default_follow_up_until(self, today: dt.date | None = None) -> dt.date:
        """Until the target date, and at least a year from the hand-over."""
        today = today or timezone.localdate()
        return max(self.target_date, today + FOLLOW_UP_AT_LEAST)

    def review_due(self, today: dt.date | None = None) -> bool:
        """Handed over, not reviewed, and the follow-up period is over: time for the closing
        measurement and review (review_due_q in SQL)."""
        today = today or timezone.localdate()
        return (
            self.handed_over_at is not None
            and self.reviewed_at is None
            and self.follow_up_until is not None
            and self.follow_up_until <= today
        )

    @property
    def has_money_value(self) -> bool:
        return self.valued_at_hourly_rate or self.sek_per_unit is not None


class Measurement(models.Model):
    benefit = models.ForeignKey(
        Benefit, on_delete=models.CASCADE, related_name="measurements", verbose_name=_("benefit")
    )
    date = models.DateField(_("date"), default=timezone.localdate, validators=limits.happened)
    value = models.DecimalField(
        _("value"), max_digits=16, decimal_places=4, validators=limits.indicator_bounds
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The change from the previous measurement (or from the baseline, for the first): summed by
    # month it gives the realised curve over time in one aggregate. Kept by the services.
    delta = models.DecimalField(max_digits=16, decimal_places=4, default=0, editable=False)

    history = HistoricalRecords(excluded_fields=["delta"])

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        constraints = [
            models.UniqueConstraint(fields=["benefit", "date"], name="one_measurement_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.benefit_id} {self.date}: {self.value}"
