"""The cost lines' form: one row a line, edited together on the initiative's page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from initiatives import limits
from initiatives.costs import LineValues
from initiatives.models import COST_YEARS, CostKind
from organisation.models import Department
from organisation.numbers import LocalizedIntegerField, NumberInput

# How many lines one initiative may have: a year a kind a payer over decades is far below this.
MAX_LINES = 200


class CostLineForm(forms.Form):
    # A text field with a numeric keyboard, as every number here (organisation.numbers).
    year = forms.IntegerField(
        label=_("Year"),
        validators=COST_YEARS,
        widget=forms.TextInput(attrs={"class": "year", "inputmode": "numeric"}),
    )
    # A blank first choice: an empty extra row must post nothing, or it would count as typed.
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *CostKind.choices])
    planned = LocalizedIntegerField(
        label=_("Planned (SEK)"),
        required=False,
        min_value=0,
        max_value=limits.AMOUNT_MAX,
        widget=NumberInput(unit=pgettext_lazy("unit", "SEK")),
    )
    actual = LocalizedIntegerField(
        label=_("Actual (SEK)"),
        required=False,
        min_value=0,
        max_value=limits.AMOUNT_MAX,
        widget=NumberInput(unit=pgettext_lazy("unit", "SEK")),
    )
    payer = forms.ModelChoiceField(
        label=_("Paid by"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("Another organisation (name it)"),
    )
    payer_other = forms.CharField(label=_("Other organisation"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["payer"].queryset = departments

    def clean(self):
        data = super().clean()
        if data.get("payer") is None and not (data.get("payer_other") or "").strip():
            self.add_error(
                "payer_other",
                _("Choose the department that pays, or name the other organisation."),
            )
        if data.get("payer") is not None:
            data["payer_other"] = ""
        if data.get("planned") is None and data.get("actual") is None and not self.errors:
            self.add_error("planned", _("Give a planned or an actual amount."))
        return data

    def values(self) -> LineValues:
        data = self.cleaned_data
        return LineValues(
            year=data["year"],
            kind=data["kind"],
            planned=data.get("planned") or 0,
            actual=data.get("actual"),
            payer_id=data["payer"].pk if data.get("payer") else None,
            payer_other=(data.get("payer_other") or "").strip(),
            note=(data.get("note") or "").strip(),
        )


class BaseCostLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, departments=None, **kwargs):
        self.departments = departments
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "departments": self.departments}

    def lines(self) -> list[LineValues]:
        """The lines to keep: every filled row not marked for removal."""
        # A blank extra row was not validated and has no cleaned data: nothing to keep.
        return [
            form.values()
            for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form)
        ]


CostLineFormSet = forms.formset_factory(
    CostLineForm,
    formset=BaseCostLineFormSet,
    extra=2,
    can_delete=True,
    max_num=MAX_LINES,
    validate_max=True,
    absolute_max=MAX_LINES,
)


def initial_lines(lines) -> list[dict]:
    return [
        {
            "year": line.year,
            "kind": line.kind,
            "planned": line.planned,
            "actual": line.actual,
            "payer": line.payer_id,
            "payer_other": line.payer_other,
            "note": line.note,
        }
        for line in lines
    ]
