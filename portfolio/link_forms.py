"""The forms of an initiative's "Dependencies and alternatives": a "requires" link, a group."""

from __future__ import annotations

from django import forms
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from portfolio.models import Alternative, AlternativeGroup

# The id of the <datalist> of references the "requires" field suggests from.
REFS_LIST = "initiative-refs"


class RequiresForm(forms.Form):
    """The reference of an initiative this one requires, typed or picked from the suggestions."""

    required = forms.CharField(
        label=_("Requires the initiative"),
        max_length=100,
        help_text=_("Its reference, for example DIG-2024-003."),
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", "requires")
        super().__init__(*args, **kwargs)
        self.fields["required"].widget.attrs.update(
            {"list": REFS_LIST, "autocomplete": "off", "spellcheck": "false"}
        )

    def clean_required(self) -> str:
        # A suggestion picked may bring its title along ("DIG-2024-003 E-tjänst …"): the
        # reference is the first word.
        words = self.cleaned_data["required"].split()
        if not words:
            raise forms.ValidationError(_("Type the reference of an initiative."))
        return words[0]


def groups_with_members():
    """The groups, each with its members' initiatives (two queries for all of them)."""
    members = Alternative.objects.select_related("initiative").order_by("initiative__ref")
    return AlternativeGroup.objects.prefetch_related(Prefetch("members", queryset=members))


def _group_label(group: AlternativeGroup) -> str:
    refs = ", ".join(member.initiative.ref for member in group.members.all())
    return f"{group.name} ({refs})" if refs else group.name


class GroupForm(forms.Form):
    """Join a group of alternatives, or create one with this initiative as its first member."""

    group = forms.ModelChoiceField(
        queryset=AlternativeGroup.objects.none(),
        required=False,
        label=_("Join a group"),
        empty_label=_("— choose a group —"),
    )
    new_group = forms.CharField(
        label=_("or create a new group named"),
        required=False,
        max_length=120,
        help_text=_("For example “Nattlig tillsyn: kamera eller sensorer”."),
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", "group")
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups_with_members()
        self.fields["group"].label_from_instance = _group_label

    def clean(self) -> dict:
        cleaned = super().clean()
        group, name = cleaned.get("group"), " ".join(cleaned.get("new_group", "").split())
        cleaned["new_group"] = name
        if self.errors:
            return cleaned
        if group is None and not name:
            self.add_error("group", _("Choose a group, or name a new one."))
        elif group is not None and name:
            self.add_error("new_group", _("Choose a group or name a new one, not both."))
        return cleaned
