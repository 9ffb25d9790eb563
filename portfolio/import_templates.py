"""Downloadable XLSX templates for the import: initiatives (with a sheet of cost lines),
benefits and measurements.

Each has the exact headers its importer reads (initiatives.importers, benefits.importers), one
example row, drop-down lists (data validation) for the columns with fixed values, and an
instructions sheet in the user's language: what each column holds, whether it is required, the
values allowed and the limits of initiatives/limits.py. Cells are written as portfolio.tabular
writes an export (text always as text), so that a filled-in template imports like an export.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from benefits.importers import MEASUREMENT_REQUIRED
from benefits.importers import REQUIRED as BENEFIT_REQUIRED
from benefits.models import Benefit, Category, Confidence, Direction, Frequency, Measurement
from initiatives import exports as initiative_exports
from initiatives import limits
from initiatives.importers import COST_LINE_REQUIRED
from initiatives.models import CostKind, CostLine, Initiative, Kind, Outcome, Stage
from portfolio.models import CouncilGoal
from portfolio.tabular import _cell, _text

KINDS = ("initiatives", "benefits", "measurements")
DATA_ROWS = 5000  # rows the drop-down lists cover below the header
INLINE_LIST_MAX = 255  # Excel's limit on a list written into the validation itself
LISTS_SHEET = "lists"


@dataclass
class Column:
    header: str
    meaning: str
    required: bool = False
    allowed: str = ""
    choices: list[str] | None = None  # a drop-down list
    strict: bool = True  # refuse other values (False: the list is a suggestion)
    whole: tuple[int, int] | None = None  # a whole number between these
    example: object = None


def _amount() -> str:
    return _("Whole kronor, from 0 to %(max)s.") % {
        "max": number_format(limits.AMOUNT_MAX, force_grouping=True)
    }


def _dates() -> str:
    return _("A date, YYYY-MM-DD, from %(first)s to %(last)s.") % {
        "first": limits.EARLIEST_DATE.isoformat(),
        "last": limits.LATEST_DATE.isoformat(),
    }


def _indicator() -> str:
    bound = number_format(limits.INDICATOR_MAX, force_grouping=True)
    return _("A number from −%(max)s to %(max)s, at most 4 decimals.") % {"max": bound}


def _length(model: type[models.Model], name: str) -> str:
    length = model._meta.get_field(name).max_length
    return _("Text, at most %(max)s characters.") % {"max": length} if length else _("Text.")


def _choices(choices) -> str:
    return "; ".join(f"{code} = {label}" for code, label in choices)


def _booleans() -> list[str]:
    return [_("yes"), _("no")]


def initiative_columns(goals, department_codes: list[str], username: str) -> list[Column]:
    today = timezone.localdate()
    yes, no = _booleans()
    columns = [
        Column("ref", _("The initiative's reference. A known one updates that initiative; left "
                        "blank, a new one gets a generated reference."),
               allowed=_length(Initiative, "ref"), example=""),
        Column("title", _("The initiative's name."), True, _length(Initiative, "title"),
               example=_("Example: a robot that files the school milk subsidy claims")),
        Column("summary", _("The problem it solves and what it does."), allowed=_("Text."),
               example=_("Forty school kitchens file their claims by hand every month.")),
        Column("kind", _("What kind of initiative it is."), allowed=_choices(Kind.choices),
               choices=list(Kind.values), example=Kind.RPA),
        Column("department", _("The department that owns it: its short code (or full name)."),
               True, _("A department's code; the list shows them."), choices=department_codes,
               example=department_codes[0] if department_codes else ""),
        Column("owner", _("The accountable person: a user name in the app."),
               allowed=_("A user name of an active user."), example=username),
        Column("stage", _("Where it is, from small to large."), allowed=_choices(Stage.choices),
               choices=list(Stage.values), example=Stage.IDEA),
        Column("outcome", _("Only for a closed initiative. Close one as stopped in the app, "
                            "with its lesson."), allowed=_choices(Outcome.choices),
               choices=list(Outcome.values), example=""),
        Column("planned_start", _("When it starts."), allowed=_dates(),
               example=dt.date(today.year, 1, 15)),
        Column("planned_end", _("When it ends; not before the start."), allowed=_dates(),
               example=dt.date(today.year, 12, 31)),
        Column("budget", _("One-off cost (SEK)."), allowed=_amount(), example=250000),
        Column("running_cost", _("Running cost (SEK per year)."), allowed=_amount(),
               example=20000),
        Column("cost_to_date", _("Spent so far (SEK)."), allowed=_amount(), example=0),
        Column("must_do", _("A legal requirement: always selected in the prioritisation."),
               allowed=f"{yes} / {no}", choices=[yes, no], example=no),
        Column("hypothesis", _("For pilots: what the pilot is meant to show."),
               allowed=_("Text."), example=""),
        Column("stop_criteria", _("For pilots: when to stop it."), allowed=_("Text."),
               example=""),
        Column("tags", _("Comma-separated words to filter by."), allowed=_length(Initiative,
               "tags"), example=_("RPA, schools")),
    ]  # fmt: skip
    for goal in goals:
        score, reason = initiative_exports.goal_columns([goal])
        columns.append(
            Column(score, _("How much the initiative serves the goal “%(goal)s”: 0 none to 5 "
                            "decisive.") % {"goal": goal.title},
                   allowed=_("A whole number from 0 to 5."), whole=(0, 5), example=3)
        )  # fmt: skip
        columns.append(
            Column(reason, _("One line on why it has that score."),
                   allowed=_("Text, at most %(max)s characters.") % {"max": 300},
                   example=_("Frees staff time for the pupils."))
        )  # fmt: skip
    return columns


def cost_line_columns(department_codes: list[str]) -> list[Column]:
    """The sheet "cost lines" of the initiatives template: the columns the export writes."""
    first, last = limits.EARLIEST_DATE.year, limits.LATEST_DATE.year
    columns = [
        Column("initiative_ref", _("The reference of the initiative the line belongs to: an "
                                   "existing one, or one given a reference on the first sheet."),
               allowed=_("An initiative's reference.")),
        Column("year", _("The year the cost falls in."),
               allowed=_("A year from %(first)s to %(last)s.") % {"first": first, "last": last},
               whole=(first, last)),
        Column("kind", _("A one-off investment or a running cost."),
               allowed=_choices(CostKind.choices), choices=list(CostKind.values)),
        Column("planned", _("The planned cost that year (SEK)."), allowed=_amount()),
        Column("actual", _("The actual cost that year (SEK); blank until it is known."),
               allowed=_amount()),
        Column("payer_department", _("The department that pays: its short code."),
               allowed=_("A department's code; the list shows them."),
               choices=department_codes),
        Column("payer_other", _("Another organisation that pays, when no department does."),
               allowed=_length(CostLine, "payer_other")),
        Column("note", _("A short note."), allowed=_length(CostLine, "note")),
    ]  # fmt: skip
    for column in columns:
        column.required = column.header in COST_LINE_REQUIRED
    return columns


UNITS = [  # English, Swedish, Finnish
    ("h/year", "h/år", "h/vuosi"),
    ("SEK/year", "kr/år", "kr/vuosi"),
    ("min per case", "min per ärende", "min per asia"),
    ("t CO2e/year", "t CO2e/år", "t CO2e/vuosi"),
    ("%", "%", "%"),
    ("kWh/year", "kWh/år", "kWh/vuosi"),
    ("cases/year", "ärenden/år", "asiaa/vuosi"),
    ("days", "dagar", "päivää"),
]


def _units() -> list[str]:
    # Units are free text: a suggestion in the user's language, never a rule.
    from django.utils.translation import get_language

    column = {"sv": 1, "fi": 2}.get((get_language() or "")[:2], 0)
    return [units[column] for units in UNITS]


def benefit_columns(ref: str, username: str) -> list[Column]:
    today = timezone.localdate()
    yes, no = _booleans()
    units = _units()
    required = BENEFIT_REQUIRED
    columns = [
        Column("initiative_ref", _("The reference of the initiative the benefit belongs to."),
               allowed=_("An existing initiative's reference."), example=ref),
        Column("title", _("The benefit's name; with the reference, it identifies the benefit."),
               allowed=_length(Benefit, "title"), example=_("Freed staff hours")),
        Column("description", _("What changes, for whom."), allowed=_("Text."), example=""),
        Column("owner", _("The line manager who realises the benefit: a user name in the app."),
               allowed=_("A user name of an active user."), example=username),
        Column("category", _("What kind of benefit."), allowed=_choices(Category.choices),
               choices=list(Category.values), example=Category.REDISTRIBUTION),
        Column("is_disbenefit", _("A negative effect (counts negative)."),
               allowed=f"{yes} / {no}", choices=[yes, no], example=no),
        Column("unit", _("The indicator's unit. The list holds suggestions; any unit may be "
                         "written."), allowed=_length(Benefit, "unit"), choices=units,
               strict=False, example=units[0]),
        Column("direction", _("Whether a higher or a lower value is better."),
               allowed=_choices(Direction.choices), choices=list(Direction.values),
               example=Direction.HIGHER),
        Column("measurement_method", _("How the value is measured."), allowed=_("Text."),
               example=_("Time reports of the kitchen staff.")),
        Column("frequency", _("How often it is measured."), allowed=_choices(Frequency.choices),
               choices=list(Frequency.values), example=Frequency.QUARTERLY),
        Column("baseline_value", _("The value before the change."), allowed=_indicator(),
               example=0),
        Column("baseline_date", _("When the baseline was measured."), allowed=_dates(),
               example=dt.date(today.year, 1, 1)),
        Column("target_value", _("The value aimed at."), allowed=_indicator(), example=1500),
        Column("target_date", _("When the target should be reached; not before the baseline."),
               allowed=_dates(), example=dt.date(today.year + 1, 12, 31)),
        Column("sek_per_unit", _("Kronor per unit of improvement and year, for a money value. "
                                 "Leave blank when the time is valued at the hourly rate."),
               allowed=_("A number from 0 to %(max)s, at most 2 decimals.")
               % {"max": number_format(limits.SEK_PER_UNIT_MAX, force_grouping=True)},
               example=None),
        Column("valued_at_hourly_rate", _("Value freed hours at the hourly rate."),
               allowed=f"{yes} / {no}", choices=[yes, no], example=yes),
        Column("confidence", _("How sure the estimate is."), allowed=_choices(Confidence.choices),
               choices=list(Confidence.values), example=Confidence.MEDIUM),
    ]  # fmt: skip
    for column in columns:
        column.required = column.header in required
    return columns


def measurement_columns(ref: str) -> list[Column]:
    columns = [
        Column("initiative_ref", _("The reference of the initiative."),
               allowed=_("An existing initiative's reference."), example=ref),
        Column("benefit_title", _("The title of the benefit, as on the benefit."),
               allowed=_("An existing benefit's title (or one in the same file)."),
               example=_("Freed staff hours")),
        Column("date", _("When it was measured; one measurement per benefit and date."),
               allowed=_("A date, YYYY-MM-DD, from %(first)s to today.")
               % {"first": limits.EARLIEST_DATE.isoformat()},
               example=timezone.localdate()),
        Column("value", _("The measured value, in the benefit's unit."), allowed=_indicator(),
               example=120),
        Column("note", _("A short note."), allowed=_length(Measurement, "note"),
               example=_("First quarter.")),
    ]  # fmt: skip
    for column in columns:
        column.required = column.header in MEASUREMENT_REQUIRED
    return columns


# The workbook ------------------------------------------------------------------------------------


def _write(sheet, row: int, column: int, value):
    cell = sheet.cell(row=row, column=column, value=_cell(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    elif isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    return cell


class _Lists:
    """The hidden sheet that holds the drop-down lists too long to write into a validation."""

    def __init__(self, workbook: Workbook):
        self.workbook, self.sheet, self.used = workbook, None, 0

    def formula(self, values: list[str]) -> str:
        inline = ",".join(values)
        if len(inline) + 2 <= INLINE_LIST_MAX and not any(
            "," in value or '"' in value for value in values
        ):
            return f'"{inline}"'
        if self.sheet is None:
            self.sheet = self.workbook.create_sheet(LISTS_SHEET)
            self.sheet.sheet_state = "hidden"
        self.used += 1
        for row, value in enumerate(values, start=1):
            _write(self.sheet, row, self.used, value)
        letter = get_column_letter(self.used)
        return f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${len(values)}"


def _validation(column: Column, lists: _Lists) -> DataValidation | None:
    if column.choices:
        validation = DataValidation(
            type="list", formula1=lists.formula(column.choices), allow_blank=True
        )
        validation.showErrorMessage = column.strict
    elif column.whole:
        low, high = column.whole
        validation = DataValidation(
            type="whole", operator="between", formula1=str(low), formula2=str(high),
            allow_blank=True,
        )  # fmt: skip
        validation.showErrorMessage = True
    else:
        return None
    validation.errorTitle = column.header[:32]
    validation.error = column.allowed[:255]
    return validation


def _data_sheet(workbook: Workbook, name: str, columns: list[Column], lists: _Lists) -> None:
    sheet = workbook.create_sheet(name)
    bold = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        _write(sheet, 1, index, column.header).font = bold
        if column.example not in (None, ""):
            _write(sheet, 2, index, column.example)
        letter = get_column_letter(index)
        width = max(len(column.header), len(_text(column.example)), 8)
        sheet.column_dimensions[letter].width = min(width, 50) + 2
        validation = _validation(column, lists)
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{DATA_ROWS + 1}")
    sheet.freeze_panes = "A2"


def _instructions(
    workbook: Workbook, title: str, intro: list[str], sheets: list[tuple[str, list[Column]]]
):
    """The instructions: the intro, then a table of each data sheet's columns (headed by the
    sheet's name when there is more than one)."""
    sheet = workbook.create_sheet(_("Instructions")[:31])
    _write(sheet, 1, 1, title).font = Font(bold=True, size=14)
    row = 2
    for line in intro:
        _write(sheet, row, 1, line)
        row += 1
    wrap = Alignment(wrap_text=True, vertical="top")
    for name, columns in sheets:
        row += 1
        if len(sheets) > 1:
            _write(sheet, row, 1, _("Sheet “%(name)s”") % {"name": name}).font = Font(
                bold=True, size=12
            )
            row += 1
        headings = [_("Column"), _("Required"), _("What it holds"), _("Allowed values")]
        for index, heading in enumerate(headings, start=1):
            _write(sheet, row, index, heading).font = Font(bold=True)
        for column in columns:
            row += 1
            values = [column.header, _("required") if column.required else _("optional"),
                      column.meaning, column.allowed]  # fmt: skip
            for index, value in enumerate(values, start=1):
                _write(sheet, row, index, value).alignment = wrap
        row += 1
    for letter, width in zip("ABCD", (34, 12, 60, 60), strict=True):
        sheet.column_dimensions[letter].width = width


def _intro(kind: str) -> list[str]:
    common = [
        _("Fill in one row per item on the first sheet and delete or overwrite the example row. "
          "Keep the headers as they are; columns may be left out, except the required ones."),
        _("An empty cell means “not given”: it never clears a value already in the app."),
        _("Upload the file on the import page: you see every problem by row and column before "
          "anything is written, and then all rows are written together, or none."),
    ]  # fmt: skip
    if kind == "initiatives":
        common.append(
            _("Each council goal has a score column and a reason column, named by the goal.")
        )
        common.append(
            _("The sheet “cost lines” is optional: one line per initiative, year and kind of "
              "cost, naming its initiative by reference (give a new initiative a reference on "
              "the first sheet to give it lines). The lines given for an initiative replace all "
              "its saved lines, and its budget, running cost and cost to date become their sums.")
        )  # fmt: skip
    elif kind == "benefits":
        common.append(_("Import the initiatives first: a benefit belongs to one. Choose "
                        "“Benefits with measurements” on the import page."))  # fmt: skip
    else:
        common.append(_("Import the benefits first, or put a “benefits” sheet in the same file. "
                        "Choose “Benefits with measurements” on the import page."))  # fmt: skip
    return common


def template_workbook(kind: str, *, user, departments: list[str], goals: list[CouncilGoal],
                      example_ref: str) -> bytes:  # fmt: skip
    """The template of this kind (one of KINDS), as XLSX bytes."""
    username = user.get_username()
    if kind == "initiatives":
        name, title = "initiatives", _("Template: initiatives")
        columns = initiative_columns(goals, departments, username)
    elif kind == "benefits":
        name, title = "benefits", _("Template: benefits")
        columns = benefit_columns(example_ref, username)
    else:
        name, title = "measurements", _("Template: measurements")
        columns = measurement_columns(example_ref)
    sheets = [(name, columns)]
    if kind == "initiatives":  # after the instructions, which stay second
        sheets.append((initiative_exports.COST_LINE_SHEET, cost_line_columns(departments)))
    workbook = Workbook()
    workbook.remove(workbook.active)
    lists = _Lists(workbook)
    _data_sheet(workbook, name, columns, lists)
    _instructions(workbook, title, _intro(kind), sheets)
    for extra_name, extra_columns in sheets[1:]:
        _data_sheet(workbook, extra_name, extra_columns, lists)
    if lists.sheet is not None:  # last, after the instructions
        position = workbook.sheetnames.index(LISTS_SHEET)
        workbook.move_sheet(lists.sheet, offset=len(workbook.sheetnames) - 1 - position)
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
