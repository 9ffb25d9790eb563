"""The import page's XLSX templates: the importer's exact headers, an example row, drop-down
lists and instructions in the user's language; filled in, they import."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from benefits import exports as benefit_exports
from benefits.models import Benefit, Measurement
from initiatives import exports as initiative_exports
from initiatives.models import Initiative
from portfolio.models import Alignment, CouncilGoal
from tests.benefits.factories import make_benefit
from tests.conftest import make_department, make_initiative, make_user
from tests.transfer.test_export_import import confirm, preview, upload


@pytest.fixture
def goals(db):
    return [
        CouncilGoal.objects.create(title="Trygg välfärd för alla", order=1),
        CouncilGoal.objects.create(title="En grön stad", order=2),
        CouncilGoal.objects.create(title="Gammalt mål", order=3, active=False),
    ]


def template(client, kind: str, language: str = "en"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("portfolio:import_template", args=[kind]))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f'filename="template-{kind}.xlsx"' in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content))


def headers(sheet) -> list[str]:
    return [cell.value for cell in sheet[1]]


def validations(sheet) -> dict[str, object]:
    """Header -> the data validation on its column."""
    by_letter = {cell.column_letter: cell.value for cell in sheet[1]}
    found = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            letter = cell_range.coord.split(":")[0].rstrip("0123456789")
            found[by_letter[letter]] = validation
    return found


def workbook_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "role,status", [("office", 200), ("department_head", 403), ("executive", 403), (None, 403)]
)
@pytest.mark.parametrize("kind", ["initiatives", "benefits", "measurements"])
def test_only_the_office_downloads_the_templates(client_for, own_department, role, status, kind):
    user = make_user(role, own_department)
    response = client_for(user).get(reverse("portfolio:import_template", args=[kind]))
    assert response.status_code == status


def test_an_unknown_template_is_a_404(client_for, office):
    url = reverse("portfolio:import_template", args=["lessons"])
    assert client_for(office).get(url).status_code == 404


def test_the_import_page_links_to_the_three_templates(client_for, office):
    page = client_for(office).get(reverse("portfolio:import")).text
    for kind in ("initiatives", "benefits", "measurements"):
        assert f'href="{reverse("portfolio:import_template", args=[kind])}"' in page


def test_the_initiatives_template_has_the_importers_headers_with_a_pair_per_active_goal(
    client_for, office, own_department, goals
):
    sheet = template(client_for(office), "initiatives")["initiatives"]
    writable = [c for c in initiative_exports.COLUMNS if c not in initiative_exports.READ_ONLY]
    assert headers(sheet) == writable + [
        "goal: Trygg välfärd för alla",
        "goal: Trygg välfärd för alla (reason)",
        "goal: En grön stad",
        "goal: En grön stad (reason)",
    ]


def test_the_benefit_and_measurement_templates_have_the_importers_headers(client_for, office):
    client = client_for(office)
    benefits = template(client, "benefits")["benefits"]
    writable = [c for c in benefit_exports.COLUMNS if c not in benefit_exports.READ_ONLY]
    assert headers(benefits) == writable
    measurements = template(client, "measurements")["measurements"]
    assert headers(measurements) == benefit_exports.MEASUREMENT_COLUMNS


def test_the_initiatives_template_has_drop_down_lists_for_the_fixed_values(
    client_for, office, own_department, other_department, goals
):
    sheet = template(client_for(office), "initiatives")["initiatives"]
    found = validations(sheet)
    assert found["department"].type == "list" and found["department"].formula1 == '"TK,UTB"'
    assert found["kind"].formula1 == '"pilot,rpa,training,eservice,system,iot,other"'
    assert found["stage"].formula1 == '"idea,pilot,scaling,operation,closed"'
    assert found["outcome"].formula1 == '"completed,stopped"'
    assert found["must_do"].formula1 == '"yes,no"'
    score = found["goal: Trygg välfärd för alla"]
    assert (score.type, score.formula1, score.formula2) == ("whole", "0", "5")
    assert all(v.showErrorMessage for v in found.values())


def test_the_initiatives_template_has_a_sheet_of_cost_lines(
    client_for, office, own_department, other_department, goals
):
    workbook = template(client_for(office), "initiatives")
    assert workbook.sheetnames == ["initiatives", "Instructions", "cost lines"]
    sheet = workbook["cost lines"]
    assert headers(sheet) == initiative_exports.COST_LINE_COLUMNS
    assert sheet.max_row == 1  # no example line: it would name an initiative the file lacks
    found = validations(sheet)
    assert found["kind"].formula1 == '"investment,running"'
    assert found["payer_department"].formula1 == '"TK,UTB"'
    year = found["year"]
    assert (year.type, year.formula1, year.formula2) == ("whole", "1990", "2100")
    assert all(v.showErrorMessage for v in found.values())
    text = " ".join(str(c.value) for row in workbook["Instructions"].iter_rows() for c in row)
    assert "Sheet “initiatives”" in text and "Sheet “cost lines”" in text
    assert "investment = Investment" in text and "A year from 1990 to 2100." in text
    # The benefit and measurement templates keep one sheet and one table.
    benefits = template(client_for(office), "benefits")
    assert benefits.sheetnames[:2] == ["benefits", "Instructions"]
    assert "cost lines" not in benefits.sheetnames
    assert "Sheet “" not in " ".join(
        str(c.value) for row in benefits["Instructions"].iter_rows() for c in row
    )


def test_the_initiatives_template_with_cost_lines_filled_in_like_libreoffice_imports(
    client_for, office, own_department, goals
):
    client = client_for(office)
    workbook = template(client, "initiatives", "sv")
    sheet = workbook["initiatives"]
    columns = {header: index + 1 for index, header in enumerate(headers(sheet))}
    sheet.cell(row=2, column=columns["ref"], value="DIG-2027-001")  # a new one, named
    for money in ("budget", "running_cost", "cost_to_date"):
        sheet.cell(row=2, column=columns[money], value=None)  # the lines give them
    lines = workbook["cost lines"]
    for row, values in enumerate(
        [
            ("DIG-2027-001", 2027.0, "investment", 300000.0, 280000.0, "UTB", None, "Upphandling"),
            ("DIG-2027-001", 2028.0, "running", 40000.0, None, None, "Regionen", None),
        ],
        start=2,
    ):
        for column, value in enumerate(values, start=1):
            lines.cell(row=row, column=column, value=value)
    page = preview(client, upload(client, "initiatives", workbook_bytes(workbook), "filled.xlsx"))
    plan = page.context["plan"]
    assert plan.ok, (plan.file_errors, plan.errors)
    confirm(client, page)
    initiative = Initiative.objects.get(ref="DIG-2027-001")
    assert sorted(
        initiative.cost_lines.values_list(
            "year", "kind", "planned", "actual", "payer__code", "payer_other", "note"
        )
    ) == [
        (2027, "investment", 300_000, 280_000, "UTB", "", "Upphandling"),
        (2028, "running", 40_000, None, None, "Regionen", ""),
    ]
    assert (initiative.budget, initiative.running_cost, initiative.cost_to_date) == (
        300_000, 40_000, 280_000)  # fmt: skip


def test_a_cost_line_of_an_initiative_the_file_does_not_name_is_refused_by_row_and_column(
    client_for, office, own_department, goals
):
    client = client_for(office)
    workbook = template(client, "initiatives")
    lines = workbook["cost lines"]
    for column, value in enumerate(
        ("DIG-1999-404", 2027, "investment", 1000, None, "UTB"), start=1
    ):
        lines.cell(row=2, column=column, value=value)
    page = preview(client, upload(client, "initiatives", workbook_bytes(workbook), "bad.xlsx"))
    plan = page.context["plan"]
    assert not plan.ok
    assert [(e.row, e.column) for e in plan.errors] == [(2, "initiative_ref")]
    assert "DIG-1999-404" in plan.errors[0].message
    assert not Initiative.objects.exists()


def test_a_long_department_list_comes_from_a_hidden_sheet(client_for, office):
    for n in range(60):
        make_department(f"Förvaltning nummer {n}", f"FORV{n:03d}")
    workbook = template(client_for(office), "initiatives")
    department = validations(workbook["initiatives"])["department"]
    assert department.formula1 == "'lists'!$A$1:$A$60"
    assert workbook["lists"].sheet_state == "hidden"
    assert workbook["lists"]["A1"].value == "FORV000"
    assert workbook.sheetnames[-1] == "lists"


def test_the_benefits_template_suggests_units_but_allows_any(client_for, office):
    found = validations(template(client_for(office), "benefits")["benefits"])
    assert found["unit"].type == "list" and found["unit"].showErrorMessage is False
    assert "h/year" in found["unit"].formula1
    for header in ("category", "direction", "frequency", "confidence"):
        assert found[header].type == "list" and found[header].showErrorMessage, header
    assert found["is_disbenefit"].formula1 == found["valued_at_hourly_rate"].formula1 == '"yes,no"'
    assert found["category"].formula1 == '"financial,redistribution,quality,environment"'


def test_the_instructions_are_in_english_for_an_english_user(client_for, office):
    workbook = template(client_for(office), "initiatives", "en")
    assert workbook.sheetnames[:2] == ["initiatives", "Instructions"]
    text = " ".join(str(c.value) for row in workbook["Instructions"].iter_rows() for c in row)
    assert "rpa = RPA robot" in text
    assert "required" in text and "Whole kronor, from 0 to 100,000,000,000." in text
    assert "1990-01-01" in text and "2100-12-31" in text


def test_the_instructions_are_in_swedish_for_a_swedish_user(client_for, office):
    workbook = template(client_for(office), "benefits", "sv")
    sheet = workbook.worksheets[1]
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row)
    assert "higher = Högre är bättre" in text
    assert "Higher is better" not in text
    found = validations(workbook["benefits"])
    assert "h/år" in found["unit"].formula1  # unit suggestions in the user's language


def test_a_template_writes_every_text_cell_as_text(client_for, office, db):
    make_department("Formelkontoret", "=1+1")
    CouncilGoal.objects.create(title='=HYPERLINK("x")', order=1)
    workbook = template(client_for(office), "initiatives")
    cells = [c for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row]
    assert [c for c in cells if isinstance(c.value, str) and c.data_type != "s"] == []
    assert "=1+1" in validations(workbook["initiatives"])["department"].formula1


def test_the_initiatives_template_filled_in_like_libreoffice_imports(
    client_for, office, own_department, goals
):
    client = client_for(office)
    workbook = template(client, "initiatives")
    sheet = workbook["initiatives"]
    columns = {header: index + 1 for index, header in enumerate(headers(sheet))}
    # LibreOffice keeps numbers as floats, dates as date-times and a ticked box as a boolean.
    row = {"title": "Chatbot för vårdnadshavare", "kind": "pilot", "department": "UTB",
           "stage": "pilot", "planned_start": dt.datetime(2026, 2, 1),
           "planned_end": dt.datetime(2026, 11, 30), "budget": 120000.0, "must_do": True,
           "goal: Trygg välfärd för alla": 4.0,
           "goal: Trygg välfärd för alla (reason)": "Svar dygnet runt"}  # fmt: skip
    for header, value in row.items():
        sheet.cell(row=3, column=columns[header], value=value)
    page = preview(client, upload(client, "initiatives", workbook_bytes(workbook), "filled.xlsx"))
    plan = page.context["plan"]
    assert plan.ok, (plan.file_errors, plan.errors)
    assert len(plan.creates) == 2  # the example row and ours
    confirm(client, page)
    chatbot = Initiative.objects.get(title="Chatbot för vårdnadshavare")
    assert (chatbot.budget, chatbot.must_do, chatbot.planned_start) == (
        120_000, True, dt.date(2026, 2, 1))  # fmt: skip
    assert Alignment.objects.get(initiative=chatbot, goal=goals[0]).score == 4
    example = Initiative.objects.exclude(pk=chatbot.pk).get()
    assert example.owner == office and example.department == own_department


def test_the_benefit_and_measurement_templates_filled_in_import(client_for, office, own_department):
    client = client_for(office)
    robot = make_initiative(own_department, ref="DIG-2026-001", title="Skolmjölksroboten")
    benefits = template(client, "benefits")
    page = preview(client, upload(client, "benefits", workbook_bytes(benefits), "benefits.xlsx"))
    assert page.context["plan"].ok, (page.context["plan"].file_errors, page.context["plan"].errors)
    confirm(client, page)
    benefit = Benefit.objects.get(initiative=robot)
    assert (benefit.title, benefit.unit, benefit.valued_at_hourly_rate) == (
        "Freed staff hours", "h/year", True)  # fmt: skip
    measurements = template(client, "measurements")
    sheet = measurements["measurements"]
    assert headers(sheet)[:4] == ["initiative_ref", "benefit_title", "date", "value"]
    today = dt.datetime.combine(timezone.localdate(), dt.time())
    sheet["C2"], sheet["D2"] = today, 80.5  # as LibreOffice saves a date and a number
    page = preview(
        client, upload(client, "benefits", workbook_bytes(measurements), "measurements.xlsx")
    )
    assert page.context["plan"].ok, page.context["plan"].errors
    confirm(client, page)
    measurement = Measurement.objects.get(benefit=benefit)
    assert (measurement.date, measurement.value) == (today.date(), Decimal("80.5"))


def test_the_benefits_template_offers_an_existing_initiative_as_the_example(
    client_for, office, own_department
):
    robot = make_initiative(own_department, ref="DIG-2026-007")
    make_benefit(robot)
    sheet = template(client_for(office), "benefits")["benefits"]
    assert sheet["A2"].value == "DIG-2026-007"
