from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
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
    # How the selection was found (prioritisation.Selection.record()): optimal, or the best set
    # found within the solver's time with how far below the optimum it may be at most.
    selection_method = models.JSONField(_("how the selection was found"), default=dict, blank=True)
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
    Confirmed, it is applied by a background task (portfolio.tasks); `task_state` says where that
    is, so that the page can show it and a second click does not queue it again.
    """

    class Kind(models.TextChoices):
        INITIATIVES = "initiatives", _("Initiatives with goal scores")
        BENEFITS = "benefits", _("Benefits with measurements")

    class TaskState(models.TextChoices):
        NONE = "", _("not asked")
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    class Failure(models.TextChoices):
        # The labels are what the page shows, in the reader's language (a worker has none).
        NONE = "", ""
        PLAN = "plan", _("The file has errors; nothing was imported.")
        UNEXPECTED = (
            "unexpected",
            _(
                "The import stopped on an unexpected error; nothing was written. Try again, or "
                "ask the administrator to look in the log."
            ),
        )

    # A task queued or running for longer than this is taken as lost (a worker stopped, its
    # queue emptied): the office may queue the batch again; the apply step still writes once.
    TASK_LOST_AFTER = dt.timedelta(hours=1)

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
    task_state = models.CharField(
        _("import state"), max_length=10, choices=TaskState.choices, default="", blank=True
    )
    task_failure = models.CharField(
        _("why the import failed"), max_length=20, choices=Failure.choices, default="", blank=True
    )
    task_id = models.CharField(_("task"), max_length=64, blank=True, editable=False)
    queued_at = models.DateTimeField(_("import asked for"), null=True, blank=True)
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("import asked for by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.filename

    @property
    def pending(self) -> bool:
        """Queued or running, and not lost: the page shows "Being applied…" and polls."""
        return (
            self.applied_at is None
            and self.task_state in (self.TaskState.QUEUED, self.TaskState.RUNNING)
            and self.queued_at is not None
            and self.queued_at > timezone.now() - self.TASK_LOST_AFTER
        )

    @property
    def lost(self) -> bool:
        """Queued or running for too long: the worker probably never ran it."""
        return (
            self.applied_at is None
            and self.task_state in (self.TaskState.QUEUED, self.TaskState.RUNNING)
            and not self.pending
        )


class DataVersion(models.Model):
    """A token per data area that changes on every write to that area (portfolio/cache.py).

    Cached figures are keyed on the tokens of the areas they read, so a cache entry can never
    outlive the data it came from, and a write elsewhere leaves it alone; the tokens live in the
    database so that every app server sees the same ones.
    """

    area = models.CharField(max_length=20, unique=True)
    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.area}: {self.token}"


class FigureTotal(models.Model):
    """One of the dashboard's sums for one slice of the portfolio, kept current on write.

    A slice is a department and a council goal (0: every initiative; a goal: the initiatives
    that serve it, a score of 1 or more). `key` names the figure: "benefits", "expected",
    "stage:pilot", "plan_ramp:2026-05" … (portfolio.figures). Every write that changes what an
    initiative contributes applies the difference here in the same transaction, so the first
    read after a write costs what any read costs.
    """

    department_id = models.IntegerField()
    goal_id = models.IntegerField(default=0)
    key = models.CharField(max_length=40)
    value = models.DecimalField(max_digits=28, decimal_places=6, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["department_id", "goal_id", "key"], name="one_total_per_slice_and_key"
            )
        ]
        indexes = [models.Index(fields=["goal_id", "department_id"])]

    def __str__(self) -> str:
        return f"{self.department_id}/{self.goal_id} {self.key} = {self.value}"


class InitiativeFigures(models.Model):
    """What one initiative contributes to the totals, as last applied: the next write subtracts
    it and adds the new contribution. Also the per-initiative figures lists read (expected
    SEK/year, the gap behind plan)."""

    initiative = models.OneToOneField(
        "initiatives.Initiative", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    department_id = models.IntegerField(null=True)
    goals = models.JSONField(default=list)
    contribution = models.JSONField(default=dict)
    expected_sek = models.DecimalField(max_digits=24, decimal_places=4, null=True)
    gap = models.DecimalField(max_digits=24, decimal_places=6, null=True, db_index=True)
    behind = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"figures of {self.initiative_id}"


class FiguresState(models.Model):
    """The one row that says for which day the date-dependent totals (behind plan) hold and
    with which hourly rate; every writer of the totals locks it first."""

    as_of = models.DateField(null=True)
    hourly_rate = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    rebuilt_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"figures as of {self.as_of}"


class Computation(models.Model):
    """A result too slow for a request (the efficient frontier, a large sensitivity run, a budget
    selection over many candidates), computed
    by a background task (portfolio.tasks.run_computation) and read by the page that polls it.

    One row per (kind, key): the key is a hash of everything the result depends on, the
    parameters and the versions of the data areas it reads (portfolio.cache), so two clicks or
    two people asking the same thing share one computation, and changed data gives a new key.
    """

    class Kind(models.TextChoices):
        FRONTIER = "frontier", _("efficient frontier")
        SENSITIVITY = "sensitivity", _("sensitivity analysis")
        BUDGET = "budget", _("selection within a budget")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    # Queued or running longer than this, the worker has most likely stopped: it may be asked again.
    LOST_AFTER = dt.timedelta(minutes=15)

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    key = models.CharField(_("key"), max_length=64, editable=False)
    # The normalised parameters the task computes from (filters, weights, options): plain values.
    params = models.JSONField(_("parameters"), default=dict, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    result = models.JSONField(_("result"), null=True, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(_("task"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("asked for at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked for by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("computation")
        verbose_name_plural = _("computations")
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="one_computation_per_kind_and_key")
        ]
        indexes = [models.Index(fields=["kind", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.key[:12]} {self.status}"

    @property
    def pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def failed(self) -> bool:
        return self.status == self.Status.FAILED

    @property
    def lost(self) -> bool:
        """Still pending long after it was asked for: the worker may be stopped."""
        return self.pending and self.created_at < timezone.now() - self.LOST_AFTER


class Dependency(models.Model):
    """A "requires" link: `initiative` can be chosen only together with `required`, or when
    `required` is already in operation (DESIGN.md, "Prioritisation economics").

    Never an initiative on itself, one link a pair, and never a circle (A requires B requires A):
    a circle could never be started, so `clean()` refuses the link that would close one.
    """

    initiative = models.ForeignKey(
        Initiative,
        on_delete=models.CASCADE,
        related_name="dependencies",
        verbose_name=_("initiative"),
    )
    required = models.ForeignKey(
        Initiative,
        on_delete=models.CASCADE,
        related_name="dependents",
        verbose_name=_("requires"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("requires link")
        verbose_name_plural = _("requires links")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "required"], name="one_requires_link_per_pair"
            ),
            models.CheckConstraint(
                condition=~models.Q(initiative=models.F("required")),
                name="requires_not_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id} requires {self.required_id}"

    def clean(self) -> None:
        if self.initiative_id is None or self.required_id is None:
            return
        if self.initiative_id == self.required_id:
            raise ValidationError(
                {"required": _("An initiative cannot require itself.")}, code="itself"
            )
        both = Initiative.objects.filter(pk__in=[self.initiative_id, self.required_id])
        found = {
            pk: (ref, archived)
            for pk, ref, archived in both.values_list("pk", "ref", "archived_at")
        }
        refs = {pk: ref for pk, (ref, _archived) in found.items()}
        names = {"ref": refs.get(self.initiative_id), "required": refs.get(self.required_id)}
        if found.get(self.required_id, (None, None))[1] is not None:
            raise ValidationError(
                {"required": _("%(required)s is archived: it cannot be required.") % names},
                code="archived",
            )
        same = Dependency.objects.filter(
            initiative_id=self.initiative_id, required_id=self.required_id
        ).exclude(pk=self.pk)
        if same.exists():
            raise ValidationError(
                {"required": _("%(ref)s already requires %(required)s.") % names},
                code="duplicate",
            )
        chain = requirement_chain(self.required_id, self.initiative_id, without=self.pk)
        if chain:
            refs.update(Initiative.objects.filter(pk__in=chain).values_list("pk", "ref"))
            names["chain"] = " → ".join(refs[pk] for pk in chain)
            raise ValidationError(
                {
                    "required": _(
                        "%(ref)s cannot require %(required)s: %(required)s already requires "
                        "%(ref)s (%(chain)s), and a circle of requirements could never be "
                        "started."
                    )
                    % names
                },
                code="circle",
            )


def requirement_chain(start_id: int, goal_id: int, *, without: int | None = None) -> list[int]:
    """The shortest chain of "requires" links from start to goal (their ids, both ends
    included), or [] when start does not require goal, directly or through others. One query."""
    links = Dependency.objects.exclude(pk=without) if without else Dependency.objects.all()
    graph: dict[int, list[int]] = {}
    for initiative_id, required_id in links.values_list("initiative_id", "required_id"):
        graph.setdefault(initiative_id, []).append(required_id)
    came_from = {start_id: None}
    queue = [start_id]
    for current in queue:  # breadth first: the queue grows while it is walked
        if current == goal_id:
            chain = []
            while current is not None:
                chain.append(current)
                current = came_from[current]
            return chain[::-1]
        for following in graph.get(current, ()):
            if following not in came_from:
                came_from[following] = current
                queue.append(following)
    return []


class AlternativeGroup(models.Model):
    """Initiatives that are alternatives to one another: at most one of them is chosen.

    A group means something from two members on; with fewer it is kept (the office builds it one
    initiative at a time) but constrains nothing, and it is deleted when its last member leaves.
    """

    name = models.CharField(_("name"), max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("group of alternatives")
        verbose_name_plural = _("groups of alternatives")
        constraints = [
            models.UniqueConstraint(Lower("name"), name="alternative_group_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.name = " ".join(self.name.split())
        if not self.name:
            raise ValidationError({"name": _("Give the group a name.")}, code="required")
        taken = AlternativeGroup.objects.filter(name__iexact=self.name).exclude(pk=self.pk)
        if taken.exists():
            raise ValidationError(
                {
                    "name": _(
                        "There is already a group called “%(name)s”: choose it in the list instead."
                    )
                    % {"name": self.name}
                },
                code="duplicate",
            )


class Alternative(models.Model):
    """An initiative's place in a group of alternatives; an initiative is in one group at most."""

    group = models.ForeignKey(
        AlternativeGroup,
        on_delete=models.CASCADE,
        related_name="members",
        verbose_name=_("group of alternatives"),
    )
    initiative = models.OneToOneField(
        Initiative,
        on_delete=models.CASCADE,
        related_name="alternative",
        verbose_name=_("initiative"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("alternative")
        verbose_name_plural = _("alternatives")

    def __str__(self) -> str:
        return f"{self.initiative_id} in {self.group_id}"

    def clean(self) -> None:
        if self.initiative_id is None:
            return
        current = (
            Alternative.objects.filter(initiative_id=self.initiative_id)
            .exclude(pk=self.pk)
            .select_related("group", "initiative")
            .first()
        )
        if current is not None:
            raise ValidationError(
                {
                    "initiative": _(
                        "%(ref)s is already in the group “%(name)s”; it can be in one group "
                        "only. Leave that group first."
                    )
                    % {"ref": current.initiative.ref, "name": current.group.name}
                },
                code="one_group",
            )
