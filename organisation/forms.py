"""Forms of the organisation's administration: departments."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from organisation.models import Department


def _label(department: Department) -> str:
    return f"{department.name} ({department.code})"


class DepartmentFilterForm(forms.Form):
    """The list's filter, from the query string."""

    archived = forms.BooleanField(label=_("Show archived departments"), required=False)


class DepartmentForm(forms.Form):
    """Name, short code and, for a unit (enhet), the top-level department it belongs to.

    One level only: the parent's choices are top-level departments in use, never the department
    itself; a department with units of its own gets no parent (the service checks it again)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.CharField(
        label=_("Short code"),
        max_length=20,
        help_text=_("Unique, for example UTB. Stored in capitals."),
    )
    parent = forms.ModelChoiceField(
        label=_("Part of"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("— none: a top-level department —"),
        help_text=_("For a unit (enhet): the department (förvaltning) it belongs to."),
    )

    def __init__(self, *args, department: Department | None = None, **kwargs):
        if department is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": department.name,
                "code": department.code,
                "parent": department.parent_id,
            }
        super().__init__(*args, **kwargs)
        self.department = department
        parents = Department.objects.active().filter(parent__isnull=True)
        if department is not None:
            parents = parents.exclude(pk=department.pk)
            if department.parent_id:
                # An archived parent stays selectable for the department that already has it.
                parents = parents | Department.objects.filter(pk=department.parent_id)
        self.fields["parent"].queryset = parents.order_by("name")
        self.fields["parent"].label_from_instance = _label

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Give the department a name."))
        return name

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper()
        if not code:
            raise forms.ValidationError(_("Give the department a short code."))
        if any(character.isspace() for character in code):
            raise forms.ValidationError(
                _("A short code has no spaces; use a hyphen, for example KS-IT.")
            )
        return code


class DepartmentMergeForm(forms.Form):
    """The department to merge into; `confirm` is set by the confirm step's button."""

    target = forms.ModelChoiceField(
        label=_("Merge into"),
        queryset=Department.objects.none(),
        empty_label=_("— choose a department —"),
        help_text=_(
            "Its initiatives, members and units move there, and this department is archived."
        ),
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, source: Department, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        self.fields["target"].queryset = (
            Department.objects.active().exclude(pk=source.pk).order_by("name")
        )
        self.fields["target"].label_from_instance = _label
        self.fields["target"].error_messages["invalid_choice"] = _(
            "Choose a department in use other than this one."
        )
