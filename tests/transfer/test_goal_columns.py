"""Goal score columns named by the goal's title (`goal: <title>`, `goal: <title> (reason)`); the
older `goal_<id>_score` / `goal_<id>_reason` headers still import."""

import csv
import io

import pytest

from portfolio.models import Alignment, CouncilGoal
from tests.conftest import make_initiative
from tests.transfer.test_export_import import confirm, download, preview, upload


@pytest.fixture
def welfare(db):
    return CouncilGoal.objects.create(title="Trygg välfärd för alla", weight=2, order=1)


@pytest.fixture
def robot(own_department, welfare):
    robot = make_initiative(own_department, ref="DIG-2026-001", title="Skolmjölksroboten")
    Alignment.objects.create(initiative=robot, goal=welfare, score=4, reason="Frigör tid")
    return robot


def imported_plan(client, text: str):
    return preview(client, upload(client, "initiatives", text.encode(), "goals.csv")).context[
        "plan"
    ]


def test_the_export_names_the_goal_columns_by_the_goals_title(client_for, office, robot):
    content = download(client_for(office), "initiatives_export", "csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert rows[0]["goal: Trygg välfärd för alla"] == "4"
    assert rows[0]["goal: Trygg välfärd för alla (reason)"] == "Frigör tid"
    assert not [header for header in rows[0] if header.startswith("goal_")]


def test_a_score_under_the_goals_title_is_imported_whatever_the_case_and_spaces(
    client_for, office, robot, welfare
):
    client = client_for(office)
    text = (
        "ref,title,department,  GOAL:  trygg VÄLFÄRD för   alla ,goal: Trygg välfärd för alla "
        "(REASON)\nDIG-2026-001,Skolmjölksroboten,UTB,5,Mer tid\n"
    )
    page = preview(client, upload(client, "initiatives", text.encode(), "goals.csv"))
    assert page.context["plan"].ok, page.context["plan"].file_errors
    confirm(client, page)
    alignment = Alignment.objects.get(initiative=robot, goal=welfare)
    assert (alignment.score, alignment.reason) == (5, "Mer tid")


def test_the_old_goal_id_headers_still_import(client_for, office, robot, welfare):
    client = client_for(office)
    text = (
        f"ref,title,department,goal_{welfare.pk}_score,goal_{welfare.pk}_reason\n"
        "DIG-2026-001,Skolmjölksroboten,UTB,2,Lite\n"
    )
    page = preview(client, upload(client, "initiatives", text.encode(), "old.csv"))
    confirm(client, page)
    alignment = Alignment.objects.get(initiative=robot, goal=welfare)
    assert (alignment.score, alignment.reason) == (2, "Lite")


def test_an_unknown_goal_title_is_a_file_error_naming_the_header(client_for, office, robot):
    plan = imported_plan(
        client_for(office), "ref,title,department,goal: Grön stad\nDIG-2026-001,X,UTB,3\n"
    )
    assert not plan.ok
    assert any("goal: grön stad" in message for message in plan.file_errors)
    assert "names no council goal" in " ".join(plan.file_errors)


def test_an_unknown_goal_in_a_reason_header_is_a_file_error_too(client_for, office, robot):
    plan = imported_plan(
        client_for(office), "ref,title,department,goal: Grön stad (reason)\nDIG-2026-001,X,UTB,r\n"
    )
    assert plan.file_errors == ["Column goal: grön stad (reason) names no council goal."]


def test_the_same_goal_by_title_and_by_id_is_a_file_error(client_for, office, robot, welfare):
    text = (
        f"ref,title,department,goal: Trygg välfärd för alla,goal_{welfare.pk}_score\n"
        "DIG-2026-001,X,UTB,3,4\n"
    )
    plan = imported_plan(client_for(office), text)
    assert plan.file_errors == [
        f"Columns goal: trygg välfärd för alla and goal_{welfare.pk}_score are the same goal's "
        "column."
    ]


def test_a_bad_score_under_a_title_header_is_named_by_that_header(client_for, office, robot):
    plan = imported_plan(
        client_for(office),
        "ref,title,department,goal: Trygg välfärd för alla\nDIG-2026-001,X,UTB,7\n",
    )
    assert [(e.row, e.column) for e in plan.errors] == [(2, "goal: trygg välfärd för alla")]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_with_title_headers_imports_back_unchanged(client_for, office, robot, fmt):
    client = client_for(office)
    content = download(client, "initiatives_export", fmt)
    page = preview(client, upload(client, "initiatives", content, f"export.{fmt}"))
    plan = page.context["plan"]
    assert plan.ok and (len(plan.creates), len(plan.updates), plan.unchanged) == (0, 0, 1)
