"""The notification pages: each person sees only their own; the e-mail page is the office's;
a constant number of queries however many notifications there are."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings

from notifications import rules
from notifications.models import Delivery, Frequency, Kind, Notification, Recipient
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

ROLES = ["office", "department_head", "executive", None]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url", "office_only", "allowed"),
    [
        ("get", "/notifications/", False, 200),
        ("get", "/notifications/count/", False, 200),
        ("get", "/notifications/settings/", False, 200),
        ("post", "/notifications/read/", False, 302),
        ("get", "/notifications/e-mails/", True, 200),
        ("post", "/notifications/e-mails/{delivery}/retry/", True, 302),
    ],
)
def test_who_may_do_what(client_for, role, method, url, office_only, allowed):
    user = make_user(role)
    delivery = Delivery.objects.create(recipient=user, address="x@kommun.example", status="failed")
    response = getattr(client_for(user), method)(url.format(delivery=delivery.pk))
    # Without a role one still has one's own notifications: a benefit owner in line management
    # is reminded of the benefits they own.
    if office_only and role != "office":
        assert response.status_code == 403
    else:
        assert response.status_code == allowed


def test_a_person_lists_and_marks_only_their_own(city, client_for):
    rules.collect()
    owner, head = city["owner"], city["head"]
    mine = Notification.objects.get(recipient=owner)
    theirs = Notification.objects.get(recipient=head)
    client = client_for(owner)
    page = client.get("/notifications/")
    assert "Skolskjuts-RPA" in page.text
    assert page.context["unread"] == 1
    assert client.get("/notifications/count/").text.strip() != ""
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert client.post(f"/notifications/{mine.pk}/read/").status_code == 302
    assert Notification.objects.get(pk=mine.pk).read_at is not None
    assert client.get("/notifications/count/").text.strip() == ""


def test_mark_all_read_touches_only_ones_own(city, client_for):
    rules.collect()
    client_for(city["office"]).post("/notifications/read/")
    assert not Notification.objects.filter(recipient=city["office"], read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=city["owner"], read_at__isnull=True).exists()


def test_settings_keep_the_choice_and_offer_what_the_role_gets(city, client_for):
    client = client_for(city["head"])
    page = client.get("/notifications/settings/")
    assert set(page.context["form"].fields) == {
        "language",
        "update_overdue",
        "handover_waiting",
        "measurement_due",
        "review_due",
    }
    response = client.post(
        "/notifications/settings/",
        {
            "language": "en",
            "update_overdue": "weekly",
            "handover_waiting": "immediately",
            "measurement_due": "never",
            "review_due": "weekly",
        },
    )
    assert response.status_code == 302
    chosen = Recipient.objects.get(user=city["head"])
    assert chosen.language == "en"
    assert chosen.frequency(Kind.UPDATE_OVERDUE) == Frequency.WEEKLY
    assert chosen.frequency(Kind.MEASUREMENT_DUE) == Frequency.NEVER


def test_settings_refuse_an_unknown_choice_and_keep_what_was_typed(city, client_for):
    response = client_for(city["head"]).post(
        "/notifications/settings/",
        {"language": "en", "update_overdue": "hourly", "measurement_due": "never"},
    )
    assert response.status_code == 422
    assert response.context["form"]["measurement_due"].value() == "never"
    assert not Recipient.objects.filter(user=city["head"]).exists()


def test_the_language_switch_and_the_account_page_set_the_language_of_emails(city, client_for):
    client = client_for(city["owner"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert Recipient.objects.get(user=city["owner"]).language == "en"
    client.post(
        "/organisation/users/me/",
        {"first_name": "A", "last_name": "B", "email": "owner@kommun.example", "language": "sv"},
    )
    assert Recipient.objects.get(user=city["owner"]).language == "sv"


def test_the_list_costs_the_same_queries_for_few_and_many(
    city, client_for, django_assert_num_queries
):
    rules.collect()
    client = client_for(city["office"])
    client.get("/notifications/")  # warm the session and the user's role
    few = Notification.objects.filter(recipient=city["office"]).count()

    def count_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get("/notifications/").status_code == 200
        return len(captured)

    before = count_queries()
    import datetime as dt

    from django.utils import timezone

    for weeks in range(1, 12):
        rules.collect(timezone.localdate() + dt.timedelta(weeks=weeks))
    assert Notification.objects.filter(recipient=city["office"]).count() > few * 5
    assert count_queries() == before


def test_the_office_sees_failed_emails(city, client_for):
    rules.collect()
    Delivery.objects.create(
        recipient=city["head"],
        address="head@kommun.example",
        status="failed",
        attempts=2,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )
    page = client_for(city["office"]).get("/notifications/e-mails/")
    assert "Connection unexpectedly closed" in page.text
    assert client_for(city["head"]).post("/notifications/e-mails/1/retry/").status_code == 403


@pytest.mark.django_db(transaction=True)  # the worker closes its database connection when done
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_the_task_waits_in_the_database_until_a_worker_runs_it(city, smtp):
    from django_tasks_db.models import DBTaskResult

    from notifications.tasks import send_reminders

    result = send_reminders.enqueue()
    assert DBTaskResult.objects.filter(pk=result.id, status="READY").exists()
    assert len(smtp) == 0
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"
    assert len(smtp) == 4


@pytest.mark.parametrize("url", ["/notifications/e-mails/", "/notifications/settings/"])
def test_the_email_and_settings_pages_cost_the_same_queries_for_few_and_many(city, client_for, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(city["office"])
    client.get(url)  # warm the session and the user's role

    def add(count: int, status: str) -> None:
        Delivery.objects.bulk_create(
            Delivery(
                recipient=city["head"], address="head@kommun.example", status=status, attempts=1
            )
            for _ in range(count)
        )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    add(2, "failed")
    add(2, "sent")
    few = queries()
    add(60, "failed")
    add(60, "sent")
    assert queries() == few
