"""Optional columns of a wide table, chosen by the reader and kept in the query string.

A table shows by default the columns its readers decide on and fits a 1,280-pixel screen; the
others are offered as checkboxes ("Columns") inside the page's filter form, so the choice travels
in the query string (`?col=stage&col=goals`) like a filter: shareable, bookmarkable, kept by the
sort links and the pages, and working without JavaScript. Every column's data is loaded whether
shown or not, so choosing columns never adds a query; except a column whose data needs queries of
its own that most readers never want (the ranking's calibrated expected SEK/year): its view loads
it only when chosen, still in a fixed number of queries.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

PARAMETER = "col"


class ColumnChoiceForm(forms.Form):
    """The optional columns as checkboxes; unknown values in the query string are ignored."""

    col = forms.MultipleChoiceField(
        label=_("Show these columns too"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, data, *, choices: list[tuple[str, str]]) -> None:
        known = {key for key, _label in choices}
        picked = [value for value in data.getlist(PARAMETER) if value in known] if data else []
        super().__init__({PARAMETER: picked})
        self.fields[PARAMETER].choices = choices
        self.chosen = frozenset(picked)
