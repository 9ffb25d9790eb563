"""Applying an import: exactly once, never to an archived initiative, all or nothing."""

import contextlib
import datetime as dt
import sqlite3
import threading

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from benefits.models import Measurement
from initiatives.models import Initiative, StageChange
from portfolio.models import ImportBatch
from portfolio.views import transfer
from tests.benefits.concurrency import together_after_first
from tests.benefits.factories import TODAY, make_benefit
from tests.conftest import make_initiative

STAGE_FILE = b"ref,title,department,stage\nDIG-2026-001,Skolmjolksroboten,UTB,scaling\n"


@pytest.fixture
def robot(own_department):
    return make_initiative(
        own_department, ref="DIG-2026-001", title="Skolmjolksroboten", stage="pilot"
    )


def upload(client, content: bytes, kind="initiatives", name="stage.csv") -> ImportBatch:
    response = client.post(
        reverse("portfolio:import"), {"kind": kind, "file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 302, response.content[:500]
    return ImportBatch.objects.latest("pk")


def apply(client, batch):
    return client.post(reverse("portfolio:import_apply", args=[batch.pk]))


def test_applying_a_batch_again_answers_409_with_who_applied_it_and_writes_nothing(
    client_for, office, robot
):
    client = client_for(office)
    batch = upload(client, STAGE_FILE)
    assert apply(client, batch).status_code == 302
    history = robot.history.count()
    again = apply(client, batch)
    assert again.status_code == 409
    applied = timezone.localtime(ImportBatch.objects.get(pk=batch.pk).applied_at)
    assert f"already imported at {applied:%H:%M} by {office.get_full_name()}" in again.text
    assert StageChange.objects.filter(initiative=robot).count() == 1
    assert robot.history.count() == history


def test_the_result_shows_the_counts_written(client_for, office, robot):
    client = client_for(office)
    batch = upload(client, STAGE_FILE)
    page = client.get(apply(client, batch)["Location"])
    assert page.context["batch"].result == {
        "created": 0, "updated": 1, "unchanged": 0, "stage_changes": 1
    }  # fmt: skip
    assert '<dd data-testid="result-updated">1</dd>' in page.text
    assert '<dd data-testid="result-stage_changes">1</dd>' in page.text


def test_a_stage_change_by_import_keeps_its_history(client_for, office, robot):
    client = client_for(office)
    apply(client, upload(client, STAGE_FILE))
    change = StageChange.objects.get(initiative=robot)
    assert (change.from_stage, change.to_stage) == ("pilot", "scaling")
    assert change.history.get().history_user == office


@contextlib.contextmanager
def threads_use_a_database_file(tmp_path):
    """SQLite's in-memory test database makes a second writer fail at once instead of waiting
    for the first (as a database file does): threads opened inside get a file copy of it."""
    if connection.vendor != "sqlite":
        yield
        return
    path = tmp_path / "db.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    connection.connection.backup(copy)
    copy.close()
    settings = connections.settings["default"]
    in_memory, settings["NAME"] = settings["NAME"], str(path)
    try:
        yield
    finally:
        settings["NAME"] = in_memory


def in_threads(*calls):
    """Run each call in a thread of its own; its result, or the exception it raised."""
    results = [None] * len(calls)

    def run(index, call):
        try:
            results[index] = call()
        except Exception as error:  # asserted on below
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_applies_at_once_write_once_and_the_second_gets_409(tmp_path, office, robot):
    client = Client()
    client.force_login(office)
    batch = upload(client, STAGE_FILE)
    clients = [Client(), Client()]
    for each in clients:
        each.force_login(office)
        each.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # Both requests have read the batch (not yet applied) before either goes on.
    with (
        threads_use_a_database_file(tmp_path),
        together_after_first(transfer, "get_object_or_404"),
    ):
        responses = in_threads(*[lambda c=each: apply(c, batch) for each in clients])
        (changes, versions) = in_threads(
            lambda: (StageChange.objects.count(), Initiative.objects.get(pk=robot.pk).version)
        )[0]
    assert sorted(r.status_code for r in responses) == [302, 409], responses
    assert "already imported at" in next(r for r in responses if r.status_code == 409).text
    assert (changes, versions) == (1, 2)


def test_a_row_changing_an_archived_initiative_is_an_error_and_nothing_is_written(
    client_for, office, robot, own_department
):
    robot.archived_at = timezone.now()
    robot.save()
    client = client_for(office)
    content = STAGE_FILE + b",Ny e-tjanst,UTB,idea\n"
    batch = upload(client, content)
    plan = client.get(reverse("portfolio:import_preview", args=[batch.pk])).context["plan"]
    assert [(e.row, e.column) for e in plan.errors] == [(2, "ref")]
    assert "DIG-2026-001 is archived: restore it first" in plan.errors[0].message
    response = apply(client, batch)
    assert response.status_code == 422
    assert "archived: restore it first" in response.text
    assert not Initiative.objects.filter(title="Ny e-tjanst").exists()
    robot.refresh_from_db()
    assert robot.stage == "pilot" and not StageChange.objects.exists()


def test_an_initiative_archived_after_the_preview_is_not_changed_by_the_apply(
    client_for, office, robot
):
    client = client_for(office)
    batch = upload(client, STAGE_FILE)
    assert client.get(reverse("portfolio:import_preview", args=[batch.pk])).context["plan"].ok
    Initiative.objects.filter(pk=robot.pk).update(archived_at=timezone.now())
    response = apply(client, batch)
    assert response.status_code == 422
    assert "archived: restore it first" in response.text
    robot.refresh_from_db()
    assert robot.stage == "pilot"
    assert ImportBatch.objects.get(pk=batch.pk).applied_at is None


def test_an_unchanged_row_of_an_archived_initiative_is_no_error(client_for, office, robot):
    robot.archived_at = timezone.now()
    robot.save()
    client = client_for(office)
    batch = upload(
        client, b"ref,title,department,stage\nDIG-2026-001,Skolmjolksroboten,UTB,pilot\n"
    )
    plan = client.get(reverse("portfolio:import_preview", args=[batch.pk])).context["plan"]
    assert plan.ok and plan.unchanged == 1


def test_a_measurement_for_an_archived_initiative_is_an_error(client_for, office, robot):
    make_benefit(robot, title="Timmar")
    robot.archived_at = timezone.now()
    robot.save()
    client = client_for(office)
    content = f"initiative_ref,benefit_title,date,value\nDIG-2026-001,Timmar,{TODAY},5\n"
    batch = upload(client, content.encode(), kind="benefits", name="m.csv")
    plan = client.get(reverse("portfolio:import_preview", args=[batch.pk])).context["plan"]
    assert [(e.row, e.column) for e in plan.errors] == [(2, "initiative_ref")]
    assert apply(client, batch).status_code == 422
    assert not Measurement.objects.exists()


def test_a_benefit_row_for_an_archived_initiative_is_an_error(client_for, office, robot):
    robot.archived_at = timezone.now()
    robot.save()
    client = client_for(office)
    content = (
        "initiative_ref,title,category,unit,baseline_value,baseline_date,target_value,"
        f"target_date\nDIG-2026-001,Ny nytta,quality,%,1,{TODAY},2,{TODAY + dt.timedelta(1)}\n"
    )
    batch = upload(client, content.encode(), kind="benefits", name="b.csv")
    plan = client.get(reverse("portfolio:import_preview", args=[batch.pk])).context["plan"]
    assert [(e.row, e.column) for e in plan.errors] == [(2, "initiative_ref")]
    assert "archived" in plan.errors[0].message


def test_goal_scores_and_changes_written_by_an_import_keep_who_and_when(client_for, office, robot):
    from portfolio.models import Alignment, CouncilGoal

    goal = CouncilGoal.objects.create(title="Välfärd")
    client = client_for(office)
    header = f"ref,title,department,budget,goal_{goal.pk}_score\n"
    apply(client, upload(client, (header + "DIG-2026-001,Skolmjolksroboten,UTB,5,3\n").encode()))
    apply(client, upload(client, (header + "DIG-2026-001,Skolmjolksroboten,UTB,6,4\n").encode()))
    alignment = Alignment.objects.get()
    history = alignment.history.order_by("pk")
    assert [(h.score, h.history_type, h.history_user) for h in history] == [
        (3, "+", office), (4, "~", office)
    ]  # fmt: skip
    assert [(h.budget, h.version) for h in robot.history.order_by("pk")][-2:] == [(5, 2), (6, 3)]
    assert robot.history.latest().history_user == office
