"""What an imported cell may hold: empty means not given, names as well as codes, the model's
bounds, no NUL; every problem named by row and column."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from benefits import importers as benefit_importers
from benefits.models import Benefit, Measurement
from initiatives import importers as initiative_importers
from initiatives.models import Initiative
from portfolio.models import Alignment, CouncilGoal, ImportBatch
from portfolio.tabular import Sheet
from tests.benefits.factories import TODAY, make_benefit, measure
from tests.conftest import make_initiative

BASELINE = TODAY - dt.timedelta(days=200)
TARGET = TODAY + dt.timedelta(days=200)


@pytest.fixture
def goal(db):
    return CouncilGoal.objects.create(title="Välfärd", weight=2, order=1)


@pytest.fixture
def robot(own_department, head, goal):
    """An initiative with every optional field set to something other than its default."""
    robot = make_initiative(
        own_department,
        ref="DIG-2026-001",
        title="Skolmjölksroboten",
        summary="Sammanfattning",
        kind="rpa",
        owner=head,
        stage="closed",
        outcome="completed",
        planned_start=dt.date(2025, 1, 1),
        planned_end=dt.date(2025, 6, 30),
        budget=380_000,
        running_cost=20_000,
        cost_to_date=100_000,
        must_do=True,
        hypothesis="Hypotes",
        stop_criteria="Stopp",
        tags="RPA, skola",
    )
    Alignment.objects.create(initiative=robot, goal=goal, score=4, reason="Frigör tid")
    return robot


@pytest.fixture
def hours(robot, head):
    benefit = make_benefit(
        robot,
        title="Timmar",
        description="Beskrivning",
        owner=head,
        is_disbenefit=True,
        direction="lower",
        measurement_method="Tidrapport",
        frequency="monthly",
        sek_per_unit=Decimal("450"),
        confidence="high",
    )
    measure(benefit, TODAY, 120, head)
    Measurement.objects.filter(benefit=benefit).update(note="Anteckning")
    return benefit


def plan_of(client, kind: str, content: str, name="file.csv"):
    response = client.post(
        reverse("portfolio:import"),
        {"kind": kind, "file": SimpleUploadedFile(name, content.encode())},
    )
    assert response.status_code == 302, response.content[:500]
    return client.get(response["Location"])


def apply(client, page):
    batch = page.context["batch"]
    client.post(reverse("portfolio:import_apply", args=[batch.pk]))
    return ImportBatch.objects.get(pk=batch.pk)


INITIATIVE_COLUMNS = [
    "summary",
    "kind",
    "owner",
    "stage",
    "outcome",
    "planned_start",
    "planned_end",
    "budget",
    "running_cost",
    "cost_to_date",
    "must_do",
    "hypothesis",
    "stop_criteria",
    "tags",
    "goal_score",
    "goal_reason",
]


@pytest.mark.parametrize("column", INITIATIVE_COLUMNS)
def test_an_empty_optional_initiative_cell_changes_nothing(client_for, office, robot, goal, column):
    column = column.replace("goal_", f"goal_{goal.pk}_")
    client = client_for(office)
    before = Initiative.objects.filter(pk=robot.pk).values().get()
    page = plan_of(
        client,
        "initiatives",
        f"ref,title,department,{column}\nDIG-2026-001,Skolmjölksroboten,UTB,\n",
    )
    plan = page.context["plan"]
    assert plan.ok, plan.errors
    assert (len(plan.updates), plan.unchanged) == (0, 1)
    apply(client, page)
    assert Initiative.objects.filter(pk=robot.pk).values().get() == before
    assert Alignment.objects.values_list("score", "reason").get() == (4, "Frigör tid")


def test_empty_optional_cells_give_a_new_initiative_the_defaults(client_for, office, robot):
    client = client_for(office)
    columns = ",".join(c for c in INITIATIVE_COLUMNS if not c.startswith("goal"))
    blanks = "," * (len(INITIATIVE_COLUMNS) - 3)
    page = plan_of(client, "initiatives", f"ref,title,department,{columns}\nNY-1,Ny,UTB,{blanks}\n")
    assert page.context["plan"].ok, page.context["plan"].errors
    apply(client, page)
    new = Initiative.objects.get(ref="NY-1")
    assert (new.kind, new.stage, new.owner, new.must_do, new.budget) == (
        "other",
        "idea",
        None,
        False,
        None,
    )


BENEFIT_COLUMNS = [
    "description",
    "owner",
    "is_disbenefit",
    "direction",
    "measurement_method",
    "frequency",
    "sek_per_unit",
    "valued_at_hourly_rate",
    "confidence",
]


@pytest.mark.parametrize("column", BENEFIT_COLUMNS)
def test_an_empty_optional_benefit_cell_changes_nothing(client_for, office, hours, column):
    client = client_for(office)
    before = Benefit.objects.filter(pk=hours.pk).values().get()
    page = plan_of(
        client,
        "benefits",
        "initiative_ref,title,category,unit,baseline_value,baseline_date,target_value,"
        f"target_date,{column}\nDIG-2026-001,Timmar,redistribution,h/year,0,{BASELINE},400,"
        f"{TARGET},\n",
    )
    plan = page.context["plan"]
    assert plan.ok, plan.errors
    assert (len(plan.updates), plan.unchanged) == (0, 1)
    apply(client, page)
    assert Benefit.objects.filter(pk=hours.pk).values().get() == before


def test_an_empty_measurement_note_keeps_the_note(client_for, office, hours):
    client = client_for(office)
    page = plan_of(
        client,
        "benefits",
        f"initiative_ref,benefit_title,date,value,note\nDIG-2026-001,Timmar,{TODAY},130,\n",
    )
    assert page.context["plan"].changed_measurements == 1
    apply(client, page)
    assert Measurement.objects.values_list("value", "note").get() == (Decimal(130), "Anteckning")


def test_the_preview_counts_new_and_changed_measurements(client_for, office, hours):
    client = client_for(office)
    page = plan_of(
        client,
        "benefits",
        "initiative_ref,benefit_title,date,value\n"
        f"DIG-2026-001,Timmar,{TODAY},130\n"  # changed from 120
        f"DIG-2026-001,Timmar,{TODAY - dt.timedelta(days=10)},110\n"  # new
        f"DIG-2026-001,Timmar,{TODAY - dt.timedelta(days=20)},100\n",  # new
    )
    assert '<dd data-testid="measurements">3</dd>' in page.text
    batch = apply(client, page)
    assert batch.result["measurements"] == 3
    hours.refresh_from_db()
    assert (hours.latest_value, hours.latest_measured_on) == (Decimal(130), TODAY)
    deltas = list(Measurement.objects.order_by("date").values_list("delta", flat=True))
    assert deltas == [Decimal(100), Decimal(10), Decimal(20)]


@pytest.mark.parametrize(
    "column,cell,expected",
    [
        ("department", " utb ", "UTB"),
        ("department", "UTBILDNINGSFÖRVALTNINGEN", "UTB"),
        ("department", " Trafikkontoret", "TK"),
        ("kind", "RPA", "rpa"),
        ("kind", "rpa robot", "rpa"),
        ("kind", "RPA-robot", "rpa"),
        ("kind", "e-tjänst", "eservice"),
        ("stage", "Scaling", "scaling"),
        ("stage", "uppskalning", "scaling"),
    ],
)
def test_an_initiative_cell_may_name_a_department_or_choice_by_code_or_name(
    client_for, office, own_department, other_department, column, cell, expected
):
    client = client_for(office)
    page = plan_of(
        client,
        "initiatives",
        f"ref,title,department,{column}\nNY-1,Ny,UTB,{cell}\n"
        if column != "department"
        else f"ref,title,department\nNY-1,Ny,{cell}\n",
    )
    assert page.context["plan"].ok, page.context["plan"].errors
    apply(client, page)
    new = Initiative.objects.select_related("department").get(ref="NY-1")
    assert (new.department.code if column == "department" else getattr(new, column)) == expected


def test_an_outcome_may_be_named_in_swedish(client_for, office, robot):
    client = client_for(office)
    page = plan_of(
        client,
        "initiatives",
        "ref,title,department,stage,outcome\nNY-1,Ny,UTB,Avslutad,genomförd\n",
    )
    assert page.context["plan"].ok, page.context["plan"].errors
    apply(client, page)
    assert Initiative.objects.values_list("stage", "outcome").get(ref="NY-1") == (
        "closed",
        "completed",
    )


@pytest.mark.parametrize(
    "column,cell,expected",
    [
        ("category", "Omfördelning (frigjord tid)", "redistribution"),
        ("category", "QUALITY", "quality"),
        ("category", "environment ", "environment"),
        ("direction", "Lägre är bättre", "lower"),
        ("direction", "lower is better", "lower"),
        ("confidence", "låg", "low"),
        ("confidence", "Low", "low"),
        ("frequency", "Varje halvår", "half_yearly"),
        ("frequency", "every six months", "half_yearly"),
        ("frequency", "YEARLY", "yearly"),
    ],
)
def test_a_benefit_choice_may_be_named_by_code_or_swedish_or_english_name(
    client_for, office, robot, column, cell, expected
):
    client = client_for(office)
    values = {"category": "quality", column: cell}
    columns = ",".join(values)
    page = plan_of(
        client,
        "benefits",
        f"initiative_ref,title,unit,baseline_value,baseline_date,target_value,target_date,"
        f"{columns}\nDIG-2026-001,Ny,%,1,{BASELINE},2,{TARGET},{','.join(values.values())}\n",
    )
    assert page.context["plan"].ok, page.context["plan"].errors
    apply(client, page)
    assert getattr(Benefit.objects.get(title="Ny"), column) == expected


@pytest.mark.parametrize(
    "header,cell,column,message",
    [
        ("planned_start", "9999-12-31", "planned_start", "less than or equal to 2100-12-31"),
        ("planned_end", "0001-01-01", "planned_end", "greater than or equal to 1990-01-01"),
        ("budget", "1000000000000", "budget", "less than or equal to 100000000000"),
        ("title", "x" * 201, "title", "at most 200 characters"),
        ("tags", "a" * 301, "tags", "at most 300 characters"),
        ("goal_score", "6", "goal_", "whole number from 0 to 5"),
        ("goal_reason", "r" * 301, "goal_", "at most 300 characters"),
    ],
)
def test_an_initiative_cell_outside_the_models_bounds_is_named_by_row_and_column(
    client_for, office, robot, goal, header, cell, column, message
):
    header = header.replace("goal_", f"goal_{goal.pk}_")
    first = header if header != "title" else "summary"
    client = client_for(office)
    page = plan_of(
        client,
        "initiatives",
        f"ref,title,department,{first}\nOK-1,Ok,UTB,\nNY-1,Ny,UTB,{cell}\n"
        if header != "title"
        else f"ref,title,department\nOK-1,Ok,UTB\nNY-1,{cell},UTB\n",
    )
    errors = [(e.row, e.column, e.message) for e in page.context["plan"].errors]
    assert len(errors) == 1, errors
    assert errors[0][0] == 3 and errors[0][1].startswith(column) and message in errors[0][2]
    apply(client, page)
    assert not Initiative.objects.filter(ref__in=["OK-1", "NY-1"]).exists()


@pytest.mark.parametrize(
    "column,cell,message",
    [
        ("baseline_value", "-999999999999", "greater than or equal to -10000000000"),
        ("target_value", "1,23456", "no more than 4 decimal places"),
        ("baseline_date", "1900-01-01", "greater than or equal to 1990-01-01"),
        ("target_date", "2200-01-01", "less than or equal to 2100-12-31"),
        ("sek_per_unit", "100000000", "less than or equal to 10000000"),
        ("sek_per_unit", "-5", "mark a dis-benefit instead"),
        ("unit", "u" * 41, "at most 40 characters"),
    ],
)
def test_a_benefit_cell_outside_the_models_bounds_is_named_by_row_and_column(
    client_for, office, robot, column, cell, message
):
    values = {
        "initiative_ref": "DIG-2026-001",
        "title": "Ny",
        "category": "quality",
        "unit": "%",
        "baseline_value": "1",
        "baseline_date": str(BASELINE),
        "target_value": "2",
        "target_date": str(TARGET),
        "sek_per_unit": "",
    }
    values[column] = f'"{cell}"'
    client = client_for(office)
    page = plan_of(client, "benefits", ",".join(values) + "\n" + ",".join(values.values()) + "\n")
    errors = [(e.row, e.column, e.message) for e in page.context["plan"].errors]
    assert len(errors) == 1 and errors[0][:2] == (2, column) and message in errors[0][2], errors
    apply(client, page)
    assert not Benefit.objects.filter(title="Ny").exists()


@pytest.mark.parametrize(
    "cell,message",
    [
        (str(TODAY + dt.timedelta(days=1)), "cannot be in the future"),
        ("1989-12-31", "greater than or equal to 1990-01-01"),
    ],
)
def test_a_measurement_date_outside_its_window_is_named_by_row_and_column(
    client_for, office, hours, cell, message
):
    client = client_for(office)
    page = plan_of(
        client,
        "benefits",
        f"initiative_ref,benefit_title,date,value\nDIG-2026-001,Timmar,{cell},1\n",
    )
    errors = [(e.row, e.column, e.message) for e in page.context["plan"].errors]
    assert len(errors) == 1 and errors[0][:2] == (2, "date") and message in errors[0][2], errors


INITIATIVE_TEXT = [
    "ref",
    "title",
    "summary",
    "hypothesis",
    "stop_criteria",
    "tags",
    "kind",
    "department",
    "owner",
    "goal_reason",
]


@pytest.mark.parametrize("column", INITIATIVE_TEXT)
def test_a_nul_in_any_initiative_cell_is_named_by_row_and_column(robot, goal, column):
    column = column.replace("goal_", f"goal_{goal.pk}_")
    values = {"ref": "NY-1", "title": "Ny", "department": "UTB", column: "a\x00b"}
    parsed = initiative_importers.parse({"": Sheet("", list(values), [(7, values)])})
    assert [(e.row, e.column) for e in parsed.errors] == [(7, column)]
    assert "NUL" in parsed.errors[0].message and "\x00" not in parsed.errors[0].message
    assert parsed.rows["initiatives"] == []


BENEFIT_TEXT = [
    "initiative_ref",
    "title",
    "description",
    "unit",
    "measurement_method",
    "owner",
    "category",
]


@pytest.mark.parametrize("column", BENEFIT_TEXT)
def test_a_nul_in_any_benefit_cell_is_named_by_row_and_column(robot, column):
    values = {
        "initiative_ref": "DIG-2026-001",
        "title": "Ny",
        "category": "quality",
        "unit": "%",
        "baseline_value": 1,
        "baseline_date": BASELINE,
        "target_value": 2,
        "target_date": TARGET,
        "description": "",
        "measurement_method": "",
        "owner": "",
    }
    values[column] = "a\x00b"
    parsed = benefit_importers.parse({"benefits": Sheet("benefits", list(values), [(4, values)])})
    assert [(e.row, e.column) for e in parsed.errors] == [(4, column)]
    assert parsed.rows["benefits"] == []


@pytest.mark.parametrize("column", ["initiative_ref", "benefit_title", "note"])
def test_a_nul_in_any_measurement_cell_is_named_by_row_and_column(hours, column):
    values = {
        "initiative_ref": "DIG-2026-001",
        "benefit_title": "Timmar",
        "date": TODAY,
        "value": 1,
        "note": "",
    }
    values[column] = "a\x00b"
    parsed = benefit_importers.parse({"": Sheet("", list(values), [(9, values)])})
    assert [(e.row, e.column) for e in parsed.errors] == [(9, column)]
