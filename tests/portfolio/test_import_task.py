"""The office's import applied as a background task: queued once, applied once, its state shown.

The default ImmediateBackend runs the task inside the Apply request (tests/transfer cover that
flow); here the DummyBackend keeps it queued, as the database backend does until a worker runs
it, and the tests run the task function themselves.
"""

import datetime as dt
import logging
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from initiatives.models import Initiative, StageChange
from portfolio import importing, tasks
from portfolio.models import ImportBatch
from portfolio.views import transfer
from tests.benefits.concurrency import (
    at_once,
    in_thread,
    threads_wait_for_locks,
    together_after_first,
)
from tests.conftest import make_initiative, make_user
from tests.tasks import DEFERRED, enqueued

STAGE_FILE = b"ref,title,department,stage\nDIG-2026-001,Skolmjolksroboten,UTB,scaling\n"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def robot(own_department):
    return make_initiative(
        own_department, ref="DIG-2026-001", title="Skolmjolksroboten", stage="pilot"
    )


def upload(client, content: bytes = STAGE_FILE) -> ImportBatch:
    response = client.post(
        reverse("portfolio:import"),
        {"kind": "initiatives", "file": SimpleUploadedFile("stage.csv", content)},
    )
    assert response.status_code == 302, response.content[:500]
    return ImportBatch.objects.latest("pk")


def apply(client, batch):
    return client.post(reverse("portfolio:import_apply", args=[batch.pk]))


def preview(client, batch):
    return client.get(reverse("portfolio:import_preview", args=[batch.pk]))


def poll(client, batch):
    return client.get(reverse("portfolio:import_status", args=[batch.pk]), headers=HTMX)


def polls(text: str) -> bool:
    return 'hx-trigger="every 2s"' in text


def test_a_queued_import_shows_being_applied_and_polls_until_the_task_has_run(
    client_for, office, robot, deferred
):
    client = client_for(office)
    batch = upload(client)
    response = apply(client, batch)
    assert response.status_code == 302
    assert response["Location"] == reverse("portfolio:import_preview", args=[batch.pk])
    batch.refresh_from_db()
    assert batch.task_state == "queued" and batch.task_id
    assert (batch.queued_by, batch.applied_at) == (office, None)
    assert not StageChange.objects.exists()

    page = client.get(response["Location"])
    assert "Being applied…" in page.text and polls(page.text)
    assert 'aria-live="polite"' in page.text
    assert reverse("portfolio:import_status", args=[batch.pk]) in page.text
    assert "Import now" not in page.text  # no second button while it waits
    fragment = poll(client, batch)
    assert fragment.status_code == 200
    assert "Being applied…" in fragment.text and polls(fragment.text)
    assert "<html" not in fragment.text

    assert tasks.apply_import.call(batch.pk)["status"] == "done"
    fragment = poll(client, batch)
    assert not polls(fragment.text)
    assert '<dd data-testid="result-stage_changes">1</dd>' in fragment.text
    page = preview(client, batch)
    assert not polls(page.text) and "Being applied…" not in page.text
    assert page.context["batch"].result == {
        "created": 0, "updated": 1, "unchanged": 0, "stage_changes": 1
    }  # fmt: skip
    assert '<dd data-testid="result-updated">1</dd>' in page.text
    batch.refresh_from_db()
    assert (batch.task_state, batch.applied_by) == ("done", office)
    assert Initiative.objects.get(pk=robot.pk).stage == "scaling"


def test_the_task_run_twice_applies_once(client_for, office, robot, deferred):
    client = client_for(office)
    batch = upload(client)
    apply(client, batch)
    first = tasks.apply_import.call(batch.pk)
    version = Initiative.objects.get(pk=robot.pk).version
    assert tasks.apply_import.call(batch.pk) == {"status": "nothing to do"}
    assert first["status"] == "done"
    assert StageChange.objects.count() == 1
    assert Initiative.objects.get(pk=robot.pk).version == version
    assert ImportBatch.objects.get(pk=batch.pk).task_state == "done"


def test_a_second_run_that_finds_the_batch_applied_writes_nothing_and_leaves_it_done(
    client_for, office, robot, deferred
):
    # Two workers took the same task before either claimed it: both claim, one applies.
    client = client_for(office)
    batch = upload(client)
    apply(client, batch)
    claimed_by_the_second = importing.import_start(batch.pk)
    assert tasks.apply_import.call(batch.pk)["status"] == "done"
    with mock.patch.object(importing, "import_start", return_value=claimed_by_the_second):
        assert tasks.apply_import.call(batch.pk) == {"status": "already applied"}
    assert StageChange.objects.count() == 1
    assert ImportBatch.objects.get(pk=batch.pk).task_state == "done"


def test_a_second_click_while_queued_is_told_so_and_queues_nothing(
    client_for, office, robot, deferred
):
    client = client_for(office)
    batch = upload(client)
    apply(client, batch)
    with enqueued() as queued:
        again = apply(client, batch)
    assert again.status_code == 409
    assert "already being imported" in again.text and polls(again.text)
    assert queued == []
    tasks.apply_import.call(batch.pk)
    assert apply(client, batch).status_code == 409  # applied: "already imported at …"
    assert StageChange.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_applies_at_once_queue_one_task_and_write_once(tmp_path, office, robot):
    client = Client()
    client.force_login(office)
    batch = upload(client)
    clients = [Client(), Client()]
    for each in clients:
        each.force_login(office)
        each.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # Both requests have read the batch (not yet queued) before either goes on.
    with (
        override_settings(TASKS=DEFERRED),
        threads_wait_for_locks(tmp_path),
        together_after_first(transfer, "get_object_or_404"),
        enqueued() as queued,
    ):
        responses = at_once(*[lambda c=each: apply(c, batch) for each in clients])
        # The worker's run, and a retry of it.
        runs = at_once(
            lambda: tasks.apply_import.call(batch.pk), lambda: tasks.apply_import.call(batch.pk)
        )
        (changes, version, state) = in_thread(
            lambda: (
                StageChange.objects.count(),
                Initiative.objects.get(pk=robot.pk).version,
                ImportBatch.objects.get(pk=batch.pk).task_state,
            )
        )
    assert sorted(r.status_code for r in responses) == [302, 409], responses
    assert "already being imported" in next(r for r in responses if r.status_code == 409).text
    assert len(queued) == 1
    assert sorted(run["status"] for run in runs) in (
        ["done", "nothing to do"],
        ["already applied", "done"],
    ), runs
    assert (changes, version, state) == (1, 2, "done")


def test_an_apply_refused_by_the_task_is_shown_and_nothing_is_written(
    client_for, office, robot, deferred
):
    client = client_for(office)
    batch = upload(client)
    apply(client, batch)
    # The initiative was archived after the preview, before the worker ran the task.
    Initiative.objects.filter(pk=robot.pk).update(archived_at=timezone.now())
    assert tasks.apply_import.call(batch.pk) == {"status": "failed", "failure": "plan"}
    batch.refresh_from_db()
    assert (batch.task_state, batch.task_failure, batch.applied_at) == ("failed", "plan", None)
    fragment = poll(client, batch)
    assert not polls(fragment.text)
    assert "The file has errors; nothing was imported." in fragment.text
    assert "archived: restore it first" in fragment.text
    page = preview(client, batch)
    assert "The file has errors; nothing was imported." in page.text
    assert "archived: restore it first" in page.text
    robot.refresh_from_db()
    assert robot.stage == "pilot" and not StageChange.objects.exists()


def test_an_unexpected_error_is_logged_shown_as_a_failure_and_the_file_can_be_applied_again(
    client_for, office, robot, deferred, caplog
):
    client = client_for(office)
    batch = upload(client)
    apply(client, batch)
    broken = mock.patch.object(
        importing.importer("initiatives"), "apply", side_effect=RuntimeError("disk full")
    )
    with broken, caplog.at_level(logging.ERROR, logger="portfolio.tasks"):
        result = tasks.apply_import.call(batch.pk)
    assert result == {"status": "failed", "failure": "unexpected"}
    assert "disk full" in caplog.text
    page = preview(client, batch)
    assert "unexpected error; nothing was written" in page.text
    assert "disk full" not in page.text
    assert "Import now" in page.text
    assert not StageChange.objects.exists()
    assert apply(client, batch).status_code == 302  # queued again
    tasks.apply_import.call(batch.pk)
    assert StageChange.objects.count() == 1
    assert ImportBatch.objects.get(pk=batch.pk).task_failure == ""


def test_with_the_immediate_backend_an_unexpected_error_is_a_clear_page_not_a_500(
    client_for, office, robot
):
    client = client_for(office)
    batch = upload(client)
    broken = mock.patch.object(
        importing.importer("initiatives"), "apply", side_effect=RuntimeError("disk full")
    )
    with broken:
        response = apply(client, batch)
    assert response.status_code == 503
    assert "unexpected error; nothing was written" in response.text
    assert not StageChange.objects.exists()


def test_a_task_lost_for_an_hour_may_be_queued_again(client_for, office, robot, deferred):
    client = client_for(office)
    batch = upload(client)
    apply(client, batch)
    ImportBatch.objects.filter(pk=batch.pk).update(
        queued_at=timezone.now() - ImportBatch.TASK_LOST_AFTER - dt.timedelta(minutes=1)
    )
    page = preview(client, batch)
    assert not polls(page.text) and "has not run" in page.text and "Import now" in page.text
    assert apply(client, batch).status_code == 302
    assert polls(preview(client, batch).text)


def test_the_recent_imports_show_a_queued_import(client_for, office, robot, deferred):
    client = client_for(office)
    apply(client, upload(client))
    assert "Being applied…" in client.get(reverse("portfolio:import")).text


def test_the_status_without_htmx_is_the_preview(client_for, office, robot):
    client = client_for(office)
    batch = upload(client)
    response = client.get(reverse("portfolio:import_status", args=[batch.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("portfolio:import_preview", args=[batch.pk])


@pytest.mark.parametrize("role", ["head", "executive", None])
def test_only_the_office_polls_an_import(client_for, users_by_role, office, robot, role, deferred):
    batch = upload(client_for(office))
    user = users_by_role[role] if role else make_user(None)
    client = client_for(user)
    assert poll(client, batch).status_code == 403
    assert client.get(reverse("portfolio:import_status", args=[batch.pk])).status_code == 403
    assert apply(client, batch).status_code == 403


def test_another_office_user_cannot_poll_someone_elses_upload(client_for, office, robot):
    batch = upload(client_for(office))
    assert poll(client_for(make_user("office")), batch).status_code == 404


@pytest.mark.parametrize("count", [5, 300])
def test_polling_makes_the_same_queries_for_a_small_or_large_file(
    client_for, office, own_department, count, deferred, django_assert_num_queries
):
    rows = "".join(f"NEW-{n:04d},Initiative {n},UTB\n" for n in range(count))
    client = client_for(office)
    batch = upload(client, ("ref,title,department\n" + rows).encode())
    assert apply(client, batch).status_code == 302
    # session, user and role; the batch (its rows not read)
    with django_assert_num_queries(4):
        fragment = poll(client, batch)
    assert polls(fragment.text)


@pytest.mark.django_db(transaction=True)
def test_with_the_database_backend_the_worker_applies_the_import(client_for, office, robot):
    # As in production: TASKS_BACKEND=database and `manage.py db_worker` beside gunicorn.
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        client = client_for(office)
        batch = upload(client)
        assert apply(client, batch).status_code == 302
        assert polls(poll(client, batch).text)
        assert not StageChange.objects.exists()
        call_command("db_worker", "--batch", "--no-startup-delay")
        assert not polls(poll(client, batch).text)
    assert ImportBatch.objects.get(pk=batch.pk).task_state == "done"
    assert StageChange.objects.count() == 1
