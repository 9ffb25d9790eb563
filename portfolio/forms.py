from decimal import Decimal

from django import forms
from django.forms.renderers import Jinja2, TemplatesSetting
from django.template import TemplateDoesNotExist
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from initiatives.forms import minutes_url_field, registry_number_field
from initiatives.models import Kind, Stage
from organisation.models import Department
from organisation.numbers import LocalizedDecimalField, LocalizedIntegerField, format_number
from portfolio.models import Alignment, CouncilGoal
from portfolio.prioritisation import SAATY_SCALE


class FormRenderer(Jinja2):
    """Django's form renderer on Jinja2, with each field wrapped in one element so forms lay out
    as a column (portfolio/jinja2/forms/field.html).

    Django ships its widget templates for Jinja2 too; they render about four times faster than
    the same templates in the Django template language, and a page with twenty-odd inline form
    fields (an initiative's page for the office) spent most of its time there.

    Templates that exist only for the Django template language (the admin's widgets,
    admin/widgets/*.html, or a third-party widget's) are rendered by the project's Django template
    engine (settings.TEMPLATES) instead: the app's own forms stay on Jinja2, the admin works.
    """

    field_template_name = "forms/field.html"

    def __init__(self) -> None:
        super().__init__()
        self.fallback = TemplatesSetting()

    def get_template(self, template_name: str):
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self.fallback.get_template(template_name)


MAX_RUNNING_YEARS = 30


class RankingForm(forms.Form):
    """Filters and weights of the ranking, from the query string: shareable, works without JS."""

    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("All departments"),
    )
    stage = forms.ChoiceField(
        label=_("Stage"),
        required=False,
        choices=[("", _("All open stages")), *[c for c in Stage.choices if c[0] != Stage.CLOSED]],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Kind.choices]
    )
    budget = LocalizedIntegerField(
        label=_("Available budget (SEK)"),
        required=False,
        min_value=0,
        max_value=10**13,
        unit=pgettext_lazy("unit", "SEK"),
    )

    # How the budget's selection counts (DESIGN.md, "Prioritisation economics").
    objective = forms.ChoiceField(
        label=_("Choose by"),
        required=False,
        choices=[("score", _("Summed strategic score")), ("npv", _("Summed net present value"))],
        help_text=_("The other one is shown beside."),
    )
    running_years = forms.IntegerField(
        label=_("Running cost counted for (years)"),
        required=False,
        min_value=0,
        max_value=MAX_RUNNING_YEARS,
        help_text=_(
            "Each candidate costs what is left of its budget (never what is already spent), "
            "plus its running cost a year times this many years."
        ),
    )
    include_operation = forms.BooleanField(
        label=_("Initiatives in operation are candidates too"), required=False
    )
    tie_key = forms.ChoiceField(
        label=_("Within a shared rank, order by"),
        required=False,
        choices=[
            ("", _("Title")),
            ("npv", _("Net present value")),
            ("per_million", _("Score per remaining million")),
            ("expected", _("Expected SEK/year")),
        ],
        help_text=_("Changes the order within a shared rank only, never the rank itself."),
    )
    only_chosen = forms.BooleanField(label=_("Only the chosen"), required=False)

    def __init__(self, *args, goals: list[CouncilGoal], **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = goals
        if self.is_bound:
            # A weight left out of the query string arrives as the saved weight written by
            # Python ("1.000", views/ranking.py), which in Swedish could also mean a thousand:
            # that exact text is the saved weight, written again in the page's language.
            self.data = self.data.copy()
            for goal in goals:
                if self.data.get(f"w_{goal.pk}") == str(goal.weight):
                    self.data[f"w_{goal.pk}"] = format_number(goal.weight)
        for goal in goals:
            self.fields[f"w_{goal.pk}"] = LocalizedDecimalField(
                label=goal.title,
                required=False,
                min_value=0,
                max_digits=8,
                decimal_places=3,
                initial=goal.weight,
            )

    def clean(self):
        cleaned = super().clean()
        weights = [self._weight(cleaned, goal) for goal in self.goals]
        if self.goals and not any(w > 0 for w in weights):
            raise forms.ValidationError(_("At least one goal needs a weight above zero."))
        return cleaned

    @staticmethod
    def _weight(cleaned: dict, goal: CouncilGoal) -> Decimal:
        value = cleaned.get(f"w_{goal.pk}")
        return goal.weight if value is None else value

    def weights(self) -> list[float]:
        """The weights to rank by: the typed ones when valid, else the goals' saved weights."""
        if self.is_bound and self.is_valid():
            return [float(self._weight(self.cleaned_data, goal)) for goal in self.goals]
        return [float(goal.weight) for goal in self.goals]

    def weight_fields(self):
        return [self[f"w_{goal.pk}"] for goal in self.goals]

    def filter(self, initiatives):
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("department"):
            initiatives = initiatives.filter(department=data["department"])
        if data.get("stage"):
            initiatives = initiatives.filter(stage=data["stage"])
        if data.get("kind"):
            initiatives = initiatives.filter(kind=data["kind"])
        return initiatives

    def filters(self) -> dict:
        """The filters as plain values, for a saved decision."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        department = data.get("department")
        return {
            "department": department.code if department else "",
            "stage": data.get("stage") or "",
            "kind": data.get("kind") or "",
        }

    def budget_value(self) -> int | None:
        if self.is_bound and self.is_valid():
            return self.cleaned_data.get("budget")
        return None

    def option(self, name: str):
        """A budget or ordering option as typed when valid, else its default."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        value = data.get(name)
        defaults = {"objective": "score", "running_years": 0, "tie_key": ""}
        return value if value not in (None, "") else defaults.get(name, value or False)

    def budget_options(self) -> dict:
        """How the budget's selection counts, as plain values (a task's parameters, a saved
        decision)."""
        return {
            "objective": self.option("objective"),
            "running_years": self.option("running_years"),
            "include_operation": bool(self.option("include_operation")),
        }


class SensitivityForm(forms.Form):
    """The sensitivity analysis's options. Draws are capped: time grows with draws × candidates,
    and past a few thousand draws the 5th–95th percentile range no longer moves."""

    MAX_DRAWS = 2000

    delta = forms.IntegerField(
        label=_("Perturbation ± (%)"), min_value=0, max_value=100, initial=20, required=False
    )
    draws = forms.IntegerField(
        label=_("Draws"),
        min_value=10,
        max_value=MAX_DRAWS,
        initial=1000,
        required=False,
        error_messages={
            "max_value": _(
                "At most %(limit_value)s draws: more would take long and barely change the rank "
                "ranges."
            ),
            "min_value": _("At least %(limit_value)s draws, or the rank ranges mean little."),
        },
    )
    top_k = forms.IntegerField(
        label=_("Top K"), min_value=1, max_value=1000, initial=10, required=False
    )

    def values(self) -> tuple[float, int, int]:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        delta = data.get("delta")
        draws = data.get("draws")
        top_k = data.get("top_k")
        return (
            (20 if delta is None else delta) / 100,
            draws or 1000,
            top_k or 10,
        )


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was decided, by whom (for example the executive committee), and why."),
    )
    registry_number = registry_number_field()
    minutes_url = minutes_url_field()


class DecisionRecordForm(forms.Form):
    """What may be added to a saved decision afterwards: the minutes come after the meeting."""

    registry_number = registry_number_field()
    minutes_url = minutes_url_field()


class GoalForm(forms.ModelForm):
    class Meta:
        model = CouncilGoal
        fields = ["title", "description", "weight", "order", "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"weight": LocalizedDecimalField}


class AlignmentForm(forms.ModelForm):
    class Meta:
        model = Alignment
        fields = ["score", "reason"]
        widgets = {
            "score": forms.Select(choices=[(n, str(n)) for n in range(6)]),
            "reason": forms.TextInput(),
        }


# What each step of Saaty's scale means, for the first goal compared with the second: the number
# alone says nothing to someone who has not read Saaty.
SAATY_MORE = {
    1: _("equally important"),
    3: _("somewhat more important"),
    5: _("much more important"),
    7: _("very much more important"),
    9: _("extremely more important"),
}
SAATY_LESS = {
    3: _("somewhat less important"),
    5: _("much less important"),
    7: _("very much less important"),
    9: _("extremely less important"),
}


def saaty_choices():
    choices = []
    for value in SAATY_SCALE:
        step = round(1 / value) if value < 1 else round(value)
        text = f"1/{step}" if value < 1 else str(step)
        meaning = (SAATY_LESS if value < 1 else SAATY_MORE).get(step, _("between"))
        choices.append((text, f"{text} – {meaning}"))
    return choices


class AHPForm(forms.Form):
    """One select per pair of goals: how much more important the first is than the second."""

    def __init__(self, *args, goals: list[CouncilGoal], **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = goals
        self.pairs = []
        for i, first in enumerate(goals):
            for j in range(i + 1, len(goals)):
                second = goals[j]
                name = f"p_{first.pk}_{second.pk}"
                self.fields[name] = forms.ChoiceField(
                    label=_("%(first)s compared with %(second)s")
                    % {"first": first.title, "second": second.title},
                    choices=saaty_choices(),
                    initial="1",
                )
                self.pairs.append((i, j, name))

    def judgements(self) -> dict[tuple[int, int], float]:
        result = {}
        for i, j, name in self.pairs:
            text = self.cleaned_data[name]
            value = 1 / float(text[2:]) if text.startswith("1/") else float(text)
            result[(i, j)] = value
        return result


class DashboardFilterForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("All departments"),
    )
    goal = forms.ModelChoiceField(
        label=_("Council goal"),
        queryset=CouncilGoal.objects.active(),
        required=False,
        empty_label=_("All goals"),
    )
    calibrated = forms.BooleanField(
        label=_("Show calibrated figures"),
        required=False,
        help_text=_("Beside the promised expected SEK/year: what similar benefits have delivered."),
    )

    def values(self) -> dict:
        """The filters (what `dashboard.filter_initiatives` takes); all or none."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {"department": data.get("department"), "goal": data.get("goal")}

    def show_calibrated(self) -> bool:
        """Whether the reader asked for the calibrated figures; a bad filter beside it does not
        turn them off."""
        if not self.is_bound:
            return False
        self.is_valid()
        return bool(self.cleaned_data.get("calibrated"))


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[
            ("initiatives", _("Initiatives with goal scores")),
            ("benefits", _("Benefits with measurements")),
        ],
        widget=forms.RadioSelect,
        initial="initiatives",
    )
    file = forms.FileField(
        label=_("File (XLSX or CSV)"),
        help_text=_(
            "An exported file imports back unchanged, and so does a filled-in template: its "
            "headers are the ones the import reads."
        ),
    )


# The first-run setup (portfolio/setup.py, portfolio/views/setup.py) ------------------------------


class SetupNameForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the organisation"),
        max_length=200,
        help_text=_("For example Stockholms stad or Region Uppsala; shown on pages and exports."),
    )


class SetupDepartmentsForm(forms.Form):
    lines = forms.CharField(
        label=_("Departments, one per line"),
        required=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text=_(
            "Type or paste one department per line: “Name”, or “Name;CODE”. A column pasted "
            "from a spreadsheet works too, and so do two columns (name and code). A code is "
            "made from the name when there is none."
        ),
    )


GOAL_ROWS = 3  # blank rows for the office's own goals; more can be added on the goals page


class SetupGoalsForm(forms.Form):
    """The demo city's three goals as suggestions to tick, and rows for the council's own."""

    def __init__(self, *args, suggestions: list[tuple[str, str, Decimal]], has_goals: bool,
                 **kwargs):  # fmt: skip
        super().__init__(*args, **kwargs)
        self.suggestions, self.has_goals = suggestions, has_goals
        for index, (title, description, _weight) in enumerate(suggestions):
            self.fields[f"suggestion_{index}"] = forms.BooleanField(
                label=title, help_text=description, required=False
            )
        for row in range(1, GOAL_ROWS + 1):
            self.fields[f"title_{row}"] = forms.CharField(
                label=_("Title"), max_length=200, required=False
            )
            self.fields[f"description_{row}"] = forms.CharField(
                label=_("Description"), required=False, max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )  # fmt: skip
            self.fields[f"weight_{row}"] = LocalizedDecimalField(
                label=_("Weight"), required=False, min_value=0, max_value=1000, max_digits=8,
                decimal_places=3, initial=1,
            )  # fmt: skip

    def suggestion_fields(self):
        return [self[f"suggestion_{index}"] for index in range(len(self.suggestions))]

    def goal_rows(self):
        return [
            (row, [self[f"title_{row}"], self[f"description_{row}"], self[f"weight_{row}"]])
            for row in range(1, GOAL_ROWS + 1)
        ]

    def clean(self):
        cleaned = super().clean()
        seen = {}
        for index, (title, _description, _weight) in enumerate(self.suggestions):
            if cleaned.get(f"suggestion_{index}"):
                seen[title.casefold()] = title
        for row in range(1, GOAL_ROWS + 1):
            title = (cleaned.get(f"title_{row}") or "").strip()
            if not title:
                if cleaned.get(f"description_{row}"):
                    self.add_error(f"title_{row}", _("Give the goal a title."))
                continue
            if title.casefold() in seen:
                self.add_error(f"title_{row}", _("This goal is already in the list."))
            seen[title.casefold()] = title
        if not seen and not self.has_goals and not self.errors:
            raise forms.ValidationError(_("Tick or write at least one goal."))
        return cleaned

    def drafts(self) -> list[dict]:
        """The goals to add, as title, description and weight."""
        drafts = []
        for index, (title, description, weight) in enumerate(self.suggestions):
            if self.cleaned_data.get(f"suggestion_{index}"):
                drafts.append({"title": title, "description": description, "weight": weight})
        for row in range(1, GOAL_ROWS + 1):
            title = (self.cleaned_data.get(f"title_{row}") or "").strip()
            if title:
                weight = self.cleaned_data.get(f"weight_{row}")
                drafts.append({
                    "title": title,
                    "description": (self.cleaned_data.get(f"description_{row}") or "").strip(),
                    "weight": Decimal(1) if weight is None else weight,
                })  # fmt: skip
        return drafts
