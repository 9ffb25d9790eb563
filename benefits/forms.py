from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from benefits.models import (
    FOLLOW_UP_AT_LEAST,
    Benefit,
    Category,
    Confidence,
    Gainer,
    Measurement,
    PortfolioSetting,
    Realisation,
)
from initiatives import limits
from initiatives.forms import DateInput
from organisation.models import Department
from organisation.numbers import LocalizedDecimalField, NumberInput
from portfolio.htmx import order_by_column

SORTS = {
    "title": "title",
    "initiative": "initiative__ref",
    "department": "initiative__department__name",
    "category": "category",
    "expected_sek": "expected_sek",
    "realised_sek": "realised_sek",
    "realisation_rate": "realisation_rate",
    "latest": "latest_measured_on",
}

# The register shows by default what the office decides on: initiative, benefit, owner, money
# and how far realised, plan; these come on request ("Columns"), the rest is on the detail page.
REGISTER_OPTIONAL_COLUMNS = [
    ("department", _("Department")),
    ("category", _("Category")),
    ("confidence", _("Confidence")),
    ("latest", _("Latest measurement")),
]


def _people():
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name")


def _person_label(user) -> str:
    return user.get_full_name() or user.username


class BenefitForm(forms.ModelForm):
    class Meta:
        model = Benefit
        fields = [
            "title",
            "description",
            "owner",
            "category",
            "is_disbenefit",
            "unit",
            "direction",
            "measurement_method",
            "frequency",
            "baseline_value",
            "baseline_date",
            "target_value",
            "target_date",
            "sek_per_unit",
            "valued_at_hourly_rate",
            "confidence",
            "lifetime_years",
            "gainer",
            "gainer_department",
            "gainer_other",
        ]
        widgets = {
            "baseline_date": DateInput(),
            "target_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "measurement_method": forms.Textarea(attrs={"rows": 2}),
            "sek_per_unit": NumberInput(unit=pgettext_lazy("unit", "SEK")),
        }
        field_classes = {
            "baseline_value": LocalizedDecimalField,
            "target_value": LocalizedDecimalField,
            "sek_per_unit": LocalizedDecimalField,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _people()
        self.fields["owner"].label_from_instance = _person_label
        # The values are in the indicator's unit: the one typed (after an error) or saved.
        unit = (self.data.get(self.add_prefix("unit")) if self.is_bound else None) or (
            self.instance.unit
        )
        for name in ("baseline_value", "target_value"):
            self.fields[name].widget.unit = str(unit or "").strip()[:40]
        # The business case's fields may be left out (a form or client from before them): the
        # saved value, or the default, stays.
        for name in ("lifetime_years", "gainer"):
            self.fields[name].required = False
        self.fields["gainer_department"].queryset = Department.objects.active()
        self.fields["gainer_department"].empty_label = _("The initiative's own department")

    def clean(self):
        cleaned = super().clean()
        baseline, target = cleaned.get("baseline_date"), cleaned.get("target_date")
        if baseline and target and target < baseline:
            self.add_error("target_date", _("The target date cannot be before the baseline date."))
        if cleaned.get("valued_at_hourly_rate") and cleaned.get("sek_per_unit") is not None:
            self.add_error(
                "sek_per_unit",
                _("Either value the time at the hourly rate or give SEK per unit, not both."),
            )
        per_unit = cleaned.get("sek_per_unit")
        if per_unit is not None and per_unit < 0:
            self.add_error("sek_per_unit", _("Use a positive value; mark a dis-benefit instead."))
        for name in ("lifetime_years", "gainer"):
            if cleaned.get(name) in (None, ""):
                cleaned[name] = getattr(self.instance, name)
        gainer = cleaned.get("gainer")
        if gainer == Gainer.OTHER and not (cleaned.get("gainer_other") or "").strip():
            self.add_error("gainer_other", _("Name the organisation that gains."))
        # Only what the choice uses is kept: a department for a department, a name for another
        # organisation.
        if gainer != Gainer.DEPARTMENT:
            cleaned["gainer_department"] = None
        if gainer != Gainer.OTHER:
            cleaned["gainer_other"] = ""
        return cleaned


class MeasurementForm(forms.ModelForm):
    class Meta:
        model = Measurement
        fields = ["date", "value", "note"]
        widgets = {"date": DateInput()}
        field_classes = {"value": LocalizedDecimalField}

    def __init__(self, *args, benefit: Benefit, **kwargs):
        super().__init__(*args, **kwargs)
        self.benefit = benefit
        self.fields["value"].widget.unit = benefit.unit

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date < self.benefit.baseline_date:
            self.add_error(
                "date",
                _("A measurement cannot be before the baseline date (%(date)s).")
                % {"date": self.benefit.baseline_date.isoformat()},
            )
        if date > timezone.localdate():
            self.add_error("date", _("A measurement cannot be in the future."))
        # Whether the date is taken is decided by services.measurement_create, under a lock: a
        # check here could pass for two people saving at once, and would refuse the same
        # measurement sent twice, which the service records once.
        return date


class BenefitFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("All departments"),
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories")), *Category.choices]
    )
    confidence = forms.ChoiceField(
        label=_("Confidence"),
        required=False,
        choices=[("", _("Any confidence")), *Confidence.choices],
    )
    behind = forms.ChoiceField(
        label=_("Plan"),
        required=False,
        choices=[("", _("All")), ("yes", _("Behind plan")), ("no", _("On or ahead of plan"))],
    )
    owner = forms.ModelChoiceField(
        label=_("Benefit owner"), queryset=_people(), required=False, empty_label=_("Anyone")
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(key, key) for key in SORTS] + [(f"-{key}", key) for key in SORTS],
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].label_from_instance = _person_label

    def filter(self, queryset):
        """Apply the valid filters; invalid values are ignored, never a 500."""
        data = self.cleaned_data if self.is_valid() else {}
        if text := (data.get("q") or "").strip():
            queryset = queryset.search(text)
        if data.get("department"):
            queryset = queryset.filter(initiative__department=data["department"])
        if data.get("category"):
            queryset = queryset.filter(category=data["category"])
        if data.get("confidence"):
            queryset = queryset.filter(confidence=data["confidence"])
        if data.get("behind") in ("yes", "no"):
            queryset = queryset.filter(behind_plan=data["behind"] == "yes")
        if data.get("owner"):
            queryset = queryset.filter(owner=data["owner"])
        sort = data.get("sort") or "initiative"
        return queryset.order_by(order_by_column(sort, SORTS), "initiative__ref", "title", "id")

    @property
    def current_sort(self) -> str:
        return (self.cleaned_data.get("sort") if self.is_valid() else "") or "initiative"


class HourlyRateForm(forms.ModelForm):
    class Meta:
        model = PortfolioSetting
        fields = ["hourly_rate"]
        widgets = {"hourly_rate": NumberInput(unit=_("SEK/h"))}
        field_classes = {"hourly_rate": LocalizedDecimalField}

    def clean_hourly_rate(self):
        rate = self.cleaned_data["hourly_rate"]
        if rate <= 0:
            raise forms.ValidationError(_("The hourly rate must be above zero."))
        return rate


class SettingsForm(HourlyRateForm):
    """The settings page: the hourly rate and the business case's discount rate and horizon."""

    class Meta(HourlyRateForm.Meta):
        fields = ["hourly_rate", "discount_rate", "horizon_years"]
        widgets = {
            **HourlyRateForm.Meta.widgets,
            "discount_rate": NumberInput(unit="%"),
            "horizon_years": NumberInput(unit=_("years")),
        }
        field_classes = {
            **HourlyRateForm.Meta.field_classes,
            "discount_rate": LocalizedDecimalField,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out of a post (a form from before them), they keep their saved values.
        for name in ("discount_rate", "horizon_years"):
            self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        for name in ("discount_rate", "horizon_years"):
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = getattr(self.instance, name)
        return cleaned


class HandOverForm(forms.Form):
    """One benefit's hand-over at closure: who follows it up in line management, until when."""

    owner = forms.TypedChoiceField(
        label=_("Benefit owner"),
        coerce=int,
        help_text=_("The line manager who realises the benefit in operations."),
        error_messages={"required": _("Choose who follows the benefit up after the project.")},
    )
    follow_up_until = forms.DateField(
        label=_("Follow up until"),
        widget=DateInput(),
        validators=limits.date_window,
        error_messages={"required": _("Give the date the follow-up ends.")},
    )

    def __init__(self, *args, benefit: Benefit, people: list, **kwargs):
        """`people`: the active users, read once for every benefit's form on the page."""
        self.benefit = benefit
        self.people = {person.pk: person for person in people}
        kwargs.setdefault(
            "initial",
            {"owner": benefit.owner_id, "follow_up_until": benefit.default_follow_up_until()},
        )
        super().__init__(*args, prefix=f"b{benefit.pk}", **kwargs)
        self.fields["owner"].choices = [("", "---------")] + [
            (person.pk, _person_label(person)) for person in people
        ]

    @staticmethod
    def people() -> list:
        return list(_people())

    def clean_owner(self):
        return self.people[self.cleaned_data["owner"]]

    def clean_follow_up_until(self):
        until = self.cleaned_data["follow_up_until"]
        today = timezone.localdate()
        if until < self.benefit.target_date:
            raise forms.ValidationError(
                _("The follow-up cannot end before the benefit's target date (%(date)s).")
                % {"date": formats.date_format(self.benefit.target_date, "SHORT_DATE_FORMAT")}
            )
        if until < today + FOLLOW_UP_AT_LEAST:
            raise forms.ValidationError(
                _("Follow the benefit up for at least a year: until %(date)s or later.")
                % {"date": formats.date_format(today + FOLLOW_UP_AT_LEAST, "SHORT_DATE_FORMAT")}
            )
        return until


class ClosingReviewForm(MeasurementForm):
    """The closing measurement and the realisation review that end the follow-up."""

    outcome = forms.ChoiceField(
        label=_("Was the benefit realised?"),
        choices=Realisation.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the benefit was realised.")},
    )
    review_text = forms.CharField(
        label=_("Why"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What made the difference: what others planning a similar benefit should know."
        ),
        error_messages={"required": _("Say in a sentence or two why.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].label = _("Date of the closing measurement")
        self.fields["value"].label = _("Closing value")
