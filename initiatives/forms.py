from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from benefits.models import Benefit, hourly_rate
from initiatives.merge import initiative_rule_errors
from initiatives.models import (
    WEB_LINK,
    Health,
    Initiative,
    Kind,
    Lesson,
    LessonKind,
    Outcome,
    ProgressUpdate,
    Stage,
)
from organisation import permissions
from organisation.models import Department
from organisation.numbers import LocalizedIntegerField, NumberInput
from portfolio.htmx import order_by_column

SORTS = {
    "ref": "ref",
    "title": "title",
    "department": "department__name",
    "owner": "owner__first_name",
    "stage": "stage",
    "kind": "kind",
    "health": "health",
    "last_update": "last_update_on",
    "expected_sek": "expected_sek",
    "realised_sek": "realised_sek",
    # No longer columns of the list, still sort keys so that saved links keep working.
    "planned_end": "planned_end",
    "budget": "budget",
}


SORT_COLUMNS = [
    ("ref", _("Ref")),
    ("title", _("Title")),
    ("department", _("Department")),
    ("owner", _("Owner")),
    ("stage", _("Stage")),
    ("health", _("Health")),
    ("last_update", _("Last update")),
    ("expected_sek", _("Expected SEK/year")),
    ("realised_sek", _("Realised SEK/year")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def with_benefit_money(initiatives, *, rate: Decimal):
    """Annotate each initiative's summed expected and realised SEK/year, as the benefits register
    and the dashboard compute them (Benefit.with_figures), in two subqueries: NULL without a benefit
    with a money value."""
    benefits = Benefit.objects.filter(initiative=OuterRef("pk"))
    return initiatives.annotate(
        expected_sek=Subquery(benefits.sum_by_initiative("expected_sek", rate=rate)),
        realised_sek=Subquery(benefits.sum_by_initiative("realised_sek", rate=rate)),
    )


OPEN_STAGES = [(value, label) for value, label in Stage.choices if value != Stage.CLOSED]

SHOW_OPEN, SHOW_CLOSED, SHOW_ARCHIVED, SHOW_ALL = "open", "closed", "archived", "all"
SHOW_CHOICES = [
    (SHOW_OPEN, pgettext_lazy("initiatives to show", "Open")),
    (SHOW_CLOSED, pgettext_lazy("initiatives to show", "Closed")),
    (SHOW_ARCHIVED, pgettext_lazy("initiatives to show", "Archived")),
    (SHOW_ALL, pgettext_lazy("initiatives to show", "All")),
]
SHOWN = {
    SHOW_OPEN: lambda initiatives: initiatives.open(),
    SHOW_CLOSED: lambda initiatives: initiatives.active().filter(stage=Stage.CLOSED),
    SHOW_ARCHIVED: lambda initiatives: initiatives.archived(),
    SHOW_ALL: lambda initiatives: initiatives,
}


class InitiativeFilters(forms.Form):
    """The filters the initiative list and the check-in share, read from the query string."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("All departments"),
    )
    # Closed is not a stage to filter on: "Show: closed" asks for those.
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("All stages")), *OPEN_STAGES]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Kind.choices]
    )
    health = forms.ChoiceField(
        label=_("Health"),
        required=False,
        choices=[("", _("Any status")), *Health.choices, ("none", _("No update yet"))],
    )

    def narrow(self, queryset):
        """Apply the valid filters (needs with_health()); invalid values are ignored, not a 500."""
        data = self.cleaned_data if self.is_valid() else {}
        queryset = queryset.search(data.get("q") or "")
        if data.get("department"):
            queryset = queryset.filter(department=data["department"])
        if data.get("stage"):
            queryset = queryset.filter(stage=data["stage"])
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("health") == "none":
            queryset = queryset.filter(health__isnull=True)
        elif data.get("health"):
            # A closed initiative shows no health, so no colour finds it.
            queryset = queryset.filter(health=data["health"]).exclude(stage=Stage.CLOSED)
        return queryset


class InitiativeFilterForm(InitiativeFilters):
    """The list's filters: open initiatives unless `show` asks for closed or archived ones."""

    show = forms.ChoiceField(label=_("Show"), required=False, choices=SHOW_CHOICES)
    sort = forms.ChoiceField(
        required=False,
        choices=[(key, key) for key in SORTS] + [(f"-{key}", key) for key in SORTS],
        widget=forms.HiddenInput,
    )

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(self._with_show(data, user), *args, **kwargs)
        self.fields["show"].initial = SHOW_OPEN
        if not permissions.can_see_archived(user):
            self.fields["show"].choices = [
                choice for choice in SHOW_CHOICES if choice[0] != SHOW_ARCHIVED
            ]

    @staticmethod
    def _with_show(data, user):
        """The query string with `show` filled in, so the form shows what the list shows.

        Links from before `show` existed keep working: `?stage=closed` shows the closed ones and
        the office's `?archived=on` the archived ones.
        """
        if data is None:
            return None
        data = data.copy()
        if data.get("stage") == Stage.CLOSED:
            data.pop("stage")
            if data.get("show") in (None, "", SHOW_OPEN, SHOW_ALL):
                data["show"] = SHOW_CLOSED
        if not data.get("show"):
            asks_archived = data.get("archived") and permissions.can_see_archived(user)
            data["show"] = SHOW_ARCHIVED if asks_archived else SHOW_OPEN
        return data

    def filter(self, queryset, *, rate: Decimal | None = None):
        """The list: filtered, narrowed to what `show` asks for, with its money, sorted."""
        queryset = self.narrow(queryset)
        data = self.cleaned_data if self.is_valid() else {}
        queryset = SHOWN[data.get("show") or SHOW_OPEN](queryset)
        queryset = with_benefit_money(queryset, rate=hourly_rate() if rate is None else rate)
        sort = data.get("sort") or "ref"
        return queryset.order_by(order_by_column(sort, SORTS), "ref")

    @property
    def current_sort(self) -> str:
        return (self.cleaned_data.get("sort") if self.is_valid() else "") or "ref"


class CheckInFilterForm(InitiativeFilters):
    """The check-in's filters: the list's, over the open initiatives the user may update."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        departments = Department.objects.all()
        if not permissions.is_office(user):
            departments = departments.filter(pk__in=permissions.department_ids(user))
        self.fields["department"].queryset = departments


def shown_value(field: forms.Field, value) -> str:
    """A form value as a person reads it: a department or owner by name, a kind by its label."""
    if value in (None, ""):
        return "—"
    if isinstance(field, forms.ModelChoiceField):
        if not hasattr(value, "_meta"):
            try:
                value = field.to_python(value)
            except ValidationError:
                return str(value)
        return field.label_from_instance(value) if value is not None else "—"
    if isinstance(field, forms.BooleanField):
        return str(_("yes") if value else _("no"))
    if isinstance(field, forms.ChoiceField):
        return str(dict(field.choices).get(value, value))
    if isinstance(value, (dt.date, int)):
        return formats.localize(value)
    return str(value)


KEEP_THEIRS, KEEP_YOURS = "theirs", "yours"


class InitiativeForm(forms.ModelForm):
    """Create or edit an initiative.

    An edit posts the version it was opened on. After an edit conflict the form comes back opened
    on the saved version, and `conflicts` names the fields both people changed: each gets a
    `choose_<field>` choice (keep the saved value or use yours) that must be made before it saves.
    """

    conflicts = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Initiative
        fields = [
            "ref",
            "title",
            "summary",
            "kind",
            "department",
            "owner",
            "planned_start",
            "planned_end",
            "budget",
            "running_cost",
            "cost_to_date",
            "must_do",
            "hypothesis",
            "stop_criteria",
            "tags",
            "version",
        ]
        widgets = {
            "planned_start": DateInput(),
            "planned_end": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "hypothesis": forms.Textarea(attrs={"rows": 3}),
            "stop_criteria": forms.Textarea(attrs={"rows": 3}),
            "version": forms.HiddenInput(),
            "budget": NumberInput(unit=pgettext_lazy("unit", "SEK")),
            "running_cost": NumberInput(unit=_("SEK/year")),
            "cost_to_date": NumberInput(unit=pgettext_lazy("unit", "SEK")),
        }
        # Whole kronor typed as people write them: "1 234 567" in Swedish, "1,234,567" in English.
        field_classes = {
            "budget": LocalizedIntegerField,
            "running_cost": LocalizedIntegerField,
            "cost_to_date": LocalizedIntegerField,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["ref"].required = False
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name")
        )
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username
        # Departments in use, and the initiative's own even if it has been archived since.
        in_use = Department.objects.active()
        if self.instance.pk:
            in_use = in_use | Department.objects.filter(pk=self.instance.department_id)
        if not permissions.is_office(user):
            in_use = in_use.filter(id__in=permissions.department_ids(user))
        self.fields["department"].queryset = in_use
        if self.instance.pk:
            # The ref names the initiative in links and exports; it is fixed once created.
            del self.fields["ref"]
            # Once created, its money is its cost lines' sums, edited as lines (initiatives.costs).
            for name in ("budget", "running_cost", "cost_to_date"):
                del self.fields[name]
            self._add_choices()
        else:
            del self.fields["version"]
            del self.fields["conflicts"]
            # A department head of one department need not choose it.
            own = permissions.department_ids(user)
            if not permissions.is_office(user) and len(own) == 1:
                self.initial.setdefault("department", next(iter(own)))

    def _add_choices(self) -> None:
        raw = self.data.get("conflicts", "") if self.is_bound else self.initial.get("conflicts", "")
        wanted = {name.strip() for name in str(raw or "").split(",")}
        self.conflict_fields = [name for name in self.edited_fields if name in wanted]
        for name in self.conflict_fields:
            field = self.fields[name]
            theirs = shown_value(field, getattr(self.instance, name))
            yours = shown_value(field, self[name].value())
            self.fields[f"choose_{name}"] = forms.ChoiceField(
                label=field.label,
                choices=[
                    (KEEP_THEIRS, _("Keep the saved value: %(value)s") % {"value": theirs}),
                    (KEEP_YOURS, _("Use yours: %(value)s") % {"value": yours}),
                ],
                widget=forms.RadioSelect,
                help_text=_("Someone else changed this too. Choose which value to keep."),
                error_messages={"required": _("Choose which value to keep.")},
            )

    def clean_ref(self) -> str:
        return (self.cleaned_data.get("ref") or "").strip().upper()

    def clean_tags(self) -> str:
        tags = [tag.strip() for tag in self.cleaned_data.get("tags", "").split(",")]
        return ", ".join(dict.fromkeys(tag for tag in tags if tag))

    def clean(self):
        cleaned = super().clean()
        # The rules hold for what would be saved: where the user chose the saved value, that.
        # (The instance still holds the saved values here; the posted ones are set after clean.)
        kept = {
            name: getattr(self.instance, name)
            for name in getattr(self, "conflict_fields", [])
            if cleaned.get(f"choose_{name}") == KEEP_THEIRS
        }
        for name, message in initiative_rule_errors({**cleaned, **kept}).items():
            self.add_error(name, message)
        return cleaned

    @property
    def edited_fields(self) -> list[str]:
        return [
            name
            for name in self._meta.fields
            if name in self.fields and name not in {"ref", "version"}
        ]

    @property
    def conflict_choices(self) -> list[forms.BoundField]:
        return [self[f"choose_{name}"] for name in getattr(self, "conflict_fields", [])]

    def values_to_save(self) -> dict[str, object]:
        """The value of every field the user edits, leaving out those where they chose to keep
        the saved value."""
        return {
            name: self.cleaned_data[name]
            for name in self.edited_fields
            if self.cleaned_data.get(f"choose_{name}") != KEEP_THEIRS
        }


class WebLinkField(forms.URLField):
    """A link to a decision's minutes: http or https only (a "javascript:" link is refused)."""

    default_validators = [WEB_LINK]
    default_error_messages = {"invalid": WEB_LINK.message}

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)


def registry_number_field() -> forms.CharField:
    return forms.CharField(
        label=_("Registry number"),
        required=False,
        max_length=50,
        help_text=_("The decision's registry number (diarienummer), for example KS 2026/123."),
    )


def minutes_url_field() -> WebLinkField:
    return WebLinkField(
        label=_("Link to the minutes"),
        required=False,
        help_text=_("The committee's minutes: a web address starting with https://."),
    )


class StageChangeForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("New stage"), choices=Stage.choices)
    outcome = forms.ChoiceField(
        label=_("Outcome (when closing)"),
        choices=[("", "—"), *Outcome.choices],
        required=False,
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    lesson_text = forms.CharField(
        label=_("Lesson learned"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when closing as stopped: what should others learn from this?"),
    )

    override_justification = forms.CharField(
        label=_("Justification for overriding the evidence rule"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Only when leaving the pilot stage without a measured benefit. It is recorded in "
            "the stage history."
        ),
    )

    def __init__(self, *args, initiative: Initiative, may_override: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.initiative = initiative
        if not may_override:
            del self.fields["override_justification"]
        else:
            # The office's direct change is a decision (often the committee's): it can carry the
            # registry number and minutes. A department head's proposal is not one yet.
            self.fields["registry_number"] = registry_number_field()
            self.fields["minutes_url"] = minutes_url_field()

    def clean(self):
        cleaned = super().clean()
        to_stage = cleaned.get("to_stage")
        outcome = cleaned.get("outcome") or ""
        if to_stage == Stage.CLOSED and not outcome:
            self.add_error("outcome", _("Say whether the initiative was completed or stopped."))
        if to_stage and to_stage != Stage.CLOSED and outcome:
            cleaned["outcome"] = ""
        if (
            to_stage == Stage.CLOSED
            and outcome == Outcome.STOPPED
            and not (cleaned.get("lesson_text") or "").strip()
        ):
            self.add_error(
                "lesson_text",
                _("Closing as stopped needs a lesson learned: a stopped pilot is a result too."),
            )
        if to_stage and to_stage == self.initiative.stage:
            self.add_error("to_stage", _("The initiative is already at this stage."))
        return cleaned


class StageDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("decline", _("Decline"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    registry_number = registry_number_field()
    minutes_url = minutes_url_field()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "decline" and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", _("Say why the proposal is declined."))
        return cleaned


class ProgressUpdateForm(forms.ModelForm):
    class Meta:
        model = ProgressUpdate
        fields = ["date", "health", "summary", "next_steps", "blockers"]
        widgets = {
            "date": DateInput(),
            "health": forms.RadioSelect,
            "summary": forms.Textarea(attrs={"rows": 2}),
            "next_steps": forms.Textarea(attrs={"rows": 2}),
            "blockers": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Radio buttons need no "---------" choice: none is checked until the user picks one.
        self.fields["health"].choices = Health.choices


class LessonForm(forms.ModelForm):
    class Meta:
        model = Lesson
        fields = ["kind", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class LessonSearchForm(forms.Form):
    q = forms.CharField(label=_("Search lessons"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *LessonKind.choices]
    )

    def filter(self, queryset):
        data = self.cleaned_data if self.is_valid() else {}
        queryset = queryset.search(data.get("q") or "")
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        return queryset
