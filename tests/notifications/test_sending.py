"""The digests, sent to a real SMTP server on 127.0.0.1 and read back: who gets what, in which
language, with which links, and never twice."""

from __future__ import annotations

import datetime as dt
import threading
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from notifications import rules, sending
from notifications.models import Delivery, DeliveryStatus, Frequency, Kind, Notification, Recipient
from tests.benefits.concurrency import at_once, in_thread, threads_wait_for_locks
from tests.notifications.conftest import body, free_port, smtp_settings, subject

BASE = "https://portfolj.kommun.example"


def choose(user, language: str = "", **frequencies: str) -> None:
    Recipient.objects.update_or_create(
        user=user, defaults={"language": language, "frequencies": frequencies}
    )


@pytest.mark.django_db
def test_one_digest_per_person_with_a_link_for_each_item_and_to_the_settings(city, smtp):
    report = sending.run()
    assert report.sent == len(smtp) == 4  # office, head, owner, benefit owner; executive: opt-in
    assert smtp.to("executive@kommun.example") == []
    (office_mail,) = smtp.to("office@kommun.example")
    text = body(office_mail)
    assert f"{BASE}/initiatives/stage-proposals/" in text
    assert f"{BASE}/initiatives/{city['pilot'].ref}/" in text
    assert f"{BASE}/portfolio/start/" in text
    assert f"{BASE}/notifications/settings/" in text
    html = body(office_mail, "text/html")
    assert f'href="{BASE}/notifications/settings/"' in html
    assert f'href="{BASE}/initiatives/{city["pilot"].ref}/"' in html
    (benefit_mail,) = smtp.to("benefit_owner@kommun.example")
    # The benefit owner's link leads to their own list, which needs no role.
    assert f"{BASE}/benefits/mine/#benefit-{city['benefit'].pk}" in body(benefit_mail)
    assert "Frigjorda timmar" in body(benefit_mail)
    assert office_mail["From"] == "portfolj@kommun.example"


@pytest.mark.django_db
def test_each_digest_is_in_the_recipients_language(city, smtp):
    choose(city["owner"], "en")
    choose(city["head"], "sv")
    sending.run()
    (english,) = smtp.to("owner@kommun.example")
    (swedish,) = smtp.to("head@kommun.example")
    assert subject(english) == "Digitalization portfolio: 1 thing to follow up"
    assert "no progress update since" in body(english)
    assert subject(swedish).startswith("Digitaliseringsportfölj")
    assert "Skolskjuts-RPA" in body(swedish)
    assert "no progress update since" not in body(swedish)


@pytest.mark.django_db
def test_a_second_run_sends_nothing_again(city, smtp):
    sending.run()
    sent = len(smtp)
    report = sending.run()
    assert (report.notifications, report.deliveries, report.sent) == (0, 0, 0)
    assert len(smtp) == sent


@pytest.mark.django_db
def test_only_in_the_app_means_no_email_but_the_notification_is_listed(city, smtp):
    choose(city["owner"], update_overdue=Frequency.NEVER)
    sending.run()
    assert smtp.to("owner@kommun.example") == []
    notification = Notification.objects.get(recipient=city["owner"])
    assert notification.email_skipped and notification.delivery is None


@pytest.mark.django_db
def test_weekly_collects_into_one_email_a_week(city, smtp):
    choose(
        city["office"],
        proposal_waiting=Frequency.WEEKLY,
        pilot_overdue=Frequency.WEEKLY,
        portfolio_summary=Frequency.WEEKLY,
    )
    now = timezone.now()
    sending.run(now)
    (first,) = smtp.to("office@kommun.example")
    assert "waits for a decision" in body(first) or "väntar på beslut" in body(first)
    # Three days on, a new proposal: weekly waits; a week after the first digest, it comes.
    Notification.objects.filter(recipient=city["office"]).delete()
    sending.run(now + dt.timedelta(days=3))
    assert len(smtp.to("office@kommun.example")) == 1
    sending.run(now + dt.timedelta(days=7))
    assert len(smtp.to("office@kommun.example")) == 2


@pytest.mark.django_db
def test_a_failed_send_is_kept_visible_and_retried_and_never_lost(city, client_for, smtp):
    down = free_port()  # nothing listens there
    now = timezone.now()
    with smtp_settings(down):
        report = sending.run(now)
    assert report.sent == 0 and report.failed == 4
    failed = Delivery.objects.get(recipient=city["office"])
    assert failed.status == DeliveryStatus.FAILED and failed.attempts == 1
    assert "Connection" in failed.last_error or "refused" in failed.last_error.lower()
    assert failed.notifications.count() == 3  # the notifications stay with it, and in the app
    page = client_for(city["office"]).get("/notifications/e-mails/")
    assert "office@kommun.example" in page.text
    # Before the retry time nothing is sent; after it, each e-mail once.
    sending.run(now + dt.timedelta(minutes=1))
    assert len(smtp) == 0
    sending.run(now + dt.timedelta(minutes=6))
    assert len(smtp) == 4
    assert len(smtp.to("office@kommun.example")) == 1
    assert Delivery.objects.get(pk=failed.pk).status == DeliveryStatus.SENT


@pytest.mark.django_db
def test_after_five_failures_it_waits_for_the_office(city, client_for, smtp):
    now = timezone.now()
    with smtp_settings(free_port()):
        for hours in (0, 1, 3, 12, 40):
            sending.run(now + dt.timedelta(hours=hours))
    delivery = Delivery.objects.get(recipient=city["office"])
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.GAVE_UP, 5)
    sending.run(now + dt.timedelta(days=10))
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.GAVE_UP
    response = client_for(city["office"]).post(f"/notifications/e-mails/{delivery.pk}/retry/")
    assert response.status_code == 302
    sending.run(timezone.now() + dt.timedelta(seconds=1))
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_email_once(city, smtp, tmp_path):
    barrier = threading.Barrier(2, timeout=10)
    collect = rules.collect

    def collect_then_wait(*args, **kwargs):
        result = collect(*args, **kwargs)
        barrier.wait()  # both workers have collected; now both claim and send
        return result

    with threads_wait_for_locks(tmp_path), mock.patch.object(rules, "collect", collect_then_wait):
        reports = at_once(sending.run, sending.run)
        deliveries = in_thread(lambda: Delivery.objects.count())
    assert not [report for report in reports if isinstance(report, Exception)], reports
    assert sum(report.sent for report in reports) == 4 == deliveries
    for name in ("office", "head", "owner", "benefit_owner"):
        assert len(smtp.to(f"{name}@kommun.example")) == 1, name


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_delivery_send_it_once(city, smtp, tmp_path):
    rules.collect()
    (delivery_id, *_rest) = sending.claim()
    barrier = threading.Barrier(2, timeout=10)
    original = sending.due_deliveries

    def due_then_wait(now):
        barrier.wait()  # both past the check that it is due, before either takes it
        return original(now)

    with (
        threads_wait_for_locks(tmp_path),
        mock.patch.object(sending, "due_deliveries", due_then_wait),
    ):
        results = at_once(lambda: sending.send(delivery_id), lambda: sending.send(delivery_id))
    assert sorted(results) == [False, True]
    assert len(smtp) == 1


@pytest.mark.django_db
def test_the_command_runs_it_and_says_what_it_did(city, smtp, capsys):
    with translation.override("en"):
        call_command("send_reminders")
    out = capsys.readouterr().out
    assert "4 sent" in out and len(smtp) == 4


@pytest.mark.django_db
def test_people_without_an_address_or_inactive_are_not_emailed(city, smtp):
    city["head"].email = ""
    city["head"].save()
    sending.run()
    assert len(smtp) == 3
    assert Notification.objects.filter(recipient=city["head"], email_skipped=True).count() == 1


@pytest.mark.django_db
def test_the_executive_digest_is_emailed_when_asked_for(city, smtp):
    choose(city["executive"], "en", executive_digest=Frequency.IMMEDIATELY)
    sending.run()
    (digest,) = smtp.to("executive@kommun.example")
    assert "2 initiatives" in body(digest)
    assert f"{BASE}/portfolio/dashboard/" in body(digest)
    assert Notification.objects.get(recipient=city["executive"]).kind == Kind.EXECUTIVE_DIGEST


@pytest.mark.django_db
def test_in_app_only_lists_and_sends_nothing(city, smtp, capsys):
    call_command("send_reminders", in_app_only=True)
    assert Notification.objects.count() == 7 and len(smtp) == 0
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_a_long_digest_lists_thirty_items_and_counts_the_rest(city, smtp):
    from tests.conftest import make_initiative, make_update

    for n in range(40):
        initiative = make_initiative(city["utb"], title=f"Försenat {n}", owner=city["owner"])
        make_update(initiative, city["owner"], days_ago=60)
    choose(city["owner"], "en")
    sending.run()
    (digest,) = smtp.to("owner@kommun.example")
    assert subject(digest) == "Digitalization portfolio: 41 things to follow up"
    assert body(digest).count("\n* ") == sending.MAX_ITEMS
    assert "and 11 more in the app" in body(digest)
