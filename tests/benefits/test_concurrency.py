"""Two people saving at once, and one person clicking twice: one row, and a clear answer."""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from benefits import services
from benefits.forms import MeasurementForm
from benefits.models import Benefit, Measurement
from tests.benefits.concurrency import at_once, in_thread, threads_wait_for_locks, together_after
from tests.benefits.factories import TODAY, make_benefit, measure
from tests.conftest import make_user

HTMX = {"HX-Request": "true"}


@pytest.fixture
def benefit(own_initiative):
    return make_benefit(own_initiative)


@pytest.fixture
def colleague(own_department):
    return make_user("department_head", own_department, username="colleague")


def post_measurement(client, benefit, value, *, htmx=True, note="", on=TODAY):
    prefix = f"m{benefit.pk}"
    data = {f"{prefix}-date": on.isoformat(), f"{prefix}-value": value, f"{prefix}-note": note}
    headers = {**HTMX, "HX-Target": f"benefit-{benefit.pk}"} if htmx else {}
    return client.post(
        reverse("benefits:measurement_create", args=[benefit.pk]), data, headers=headers
    )


def logged_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-javascript"])
def test_a_measurement_saved_after_the_form_was_checked_is_named_and_the_input_kept(
    client_for, head, colleague, benefit, htmx
):
    # The form was valid when checked; by the time the measurement is written, the date is
    # taken: what the second of two simultaneous requests sees once the first one has saved.
    original = MeasurementForm.is_valid

    def valid_then_taken(form):
        valid = original(form)
        measure(benefit, TODAY, 42, colleague)
        return valid

    with mock.patch.object(MeasurementForm, "is_valid", valid_then_taken):
        response = post_measurement(client_for(head), benefit, "11", htmx=htmx, note="mine")
    assert response.status_code == 422
    text = response.text.replace("\xa0", " ")
    expected = "There is already a measurement on this date: 42 h/year, recorded by {}."
    assert expected.format(colleague.get_full_name()) in text
    assert 'value="11"' in text and "mine" in text
    assert ("<html" in text) is not htmx
    assert Measurement.objects.get().value == 42


def test_a_measurement_inserted_after_the_check_by_a_writer_without_the_lock_is_named(
    head, colleague, benefit
):
    # A writer that does not take the benefit's lock (a bulk import) inserts the same date
    # between the service's check and its insert: the unique constraint refuses the insert,
    # and the service answers with the row that is there instead of a 500.
    measure(benefit, TODAY, 42, colleague)
    real_check, missed = services._measurement_on, []

    def check_too_early(benefit, date):
        if not missed:
            missed.append(True)
            return None
        return real_check(benefit, date)

    with mock.patch.object(services, "_measurement_on", check_too_early):
        with pytest.raises(services.MeasurementExists) as taken:
            services.measurement_create(benefit=benefit, date=TODAY, value=Decimal(11), by=head)
    assert (taken.value.existing.value, taken.value.existing.recorded_by) == (42, colleague)
    assert Measurement.objects.get().value == 42


def test_the_same_measurement_sent_twice_is_recorded_once_and_both_succeed(
    client_for, head, benefit
):
    client = client_for(head)
    first = post_measurement(client, benefit, "120", htmx=False, note="Q3")
    second = post_measurement(client, benefit, "120", htmx=False, note="Q3")
    assert (first.status_code, second.status_code) == (302, 302)
    assert Measurement.objects.get().value == 120
    assert Measurement.history.count() == 1


def test_the_service_answers_a_taken_date_with_the_existing_measurement(head, colleague, benefit):
    measure(benefit, TODAY, 42, colleague)
    with pytest.raises(services.MeasurementExists) as taken:
        services.measurement_create(benefit=benefit, date=TODAY, value=Decimal(11), by=head)
    assert taken.value.existing.value == 42
    assert taken.value.existing.recorded_by == colleague


@pytest.mark.django_db(transaction=True)
def test_two_people_recording_the_same_date_at_once_get_one_row_and_a_clear_answer(
    own_initiative, head, colleague, tmp_path
):
    benefit = make_benefit(own_initiative)
    clients = [logged_in(head), logged_in(colleague)]
    with threads_wait_for_locks(tmp_path), together_after(MeasurementForm, "is_valid"):
        responses = at_once(
            lambda: post_measurement(clients[0], benefit, "11"),
            lambda: post_measurement(clients[1], benefit, "22"),
        )
        stored = in_thread(lambda: list(Measurement.objects.select_related("recorded_by")))
    assert sorted(response.status_code for response in responses) == [200, 422]
    (measurement,) = stored
    refused = next(response for response in responses if response.status_code == 422)
    value = "11" if measurement.value == 11 else "22"
    name = measurement.recorded_by.get_full_name()
    assert f"There is already a measurement on this date: {value} h/year, recorded by {name}." in (
        refused.text
    )


@pytest.mark.django_db(transaction=True)
def test_two_measurements_on_different_dates_at_once_keep_the_latest_value_right(
    own_initiative, head, colleague, tmp_path
):
    # Without the lock each writer recomputes the benefit's latest value from the measurements
    # it sees, and the one that does not see the other's can leave a stale latest value.
    benefit = make_benefit(own_initiative)
    clients = [logged_in(head), logged_in(colleague)]
    with threads_wait_for_locks(tmp_path), together_after(MeasurementForm, "is_valid"):
        responses = at_once(
            lambda: post_measurement(clients[0], benefit, "11", on=TODAY - dt.timedelta(days=1)),
            lambda: post_measurement(clients[1], benefit, "22"),
        )
        stored = in_thread(lambda: Benefit.objects.get(pk=benefit.pk))
    assert [response.status_code for response in responses] == [200, 200]
    assert (stored.latest_value, stored.latest_measured_on) == (22, TODAY)


def test_deleting_a_measurement_twice_deletes_it_once(head, benefit):
    measure(benefit, TODAY - dt.timedelta(days=10), 10, head)
    measure(benefit, TODAY, 20, head)
    clicked_once, clicked_twice = (Measurement.objects.get(value=20) for _ in range(2))
    deleted = [
        services.measurement_delete(measurement=clicked, by=head)
        for clicked in (clicked_once, clicked_twice)
    ]
    assert Measurement.history.filter(history_type="-").count() == 1
    assert deleted == [True, False]
    benefit.refresh_from_db()
    assert (benefit.latest_value, benefit.latest_measured_on) == (10, TODAY - dt.timedelta(10))


BENEFIT_DATA = {
    "title": "Freed hours", "category": "redistribution", "unit": "h/year",
    "direction": "higher", "frequency": "quarterly", "baseline_value": "0",
    "baseline_date": "2026-01-01", "target_value": "300", "target_date": "2027-01-01",
    "valued_at_hourly_rate": "on", "confidence": "medium",
}  # fmt: skip


def test_adding_the_same_benefit_twice_adds_it_once_and_says_so(client_for, head, own_initiative):
    client = client_for(head)
    url = reverse("benefits:create", args=[own_initiative.ref])
    assert client.post(url, BENEFIT_DATA).status_code == 302
    second = client.post(url, BENEFIT_DATA)
    assert second.status_code == 422
    assert "This initiative already has a benefit called “Freed hours”." in second.text
    assert 'value="300"' in second.text
    assert Benefit.objects.filter(initiative=own_initiative).count() == 1


def test_saving_a_benefit_twice_records_one_change(client_for, head, own_initiative):
    benefit = make_benefit(own_initiative)
    client = client_for(head)
    url = reverse("benefits:edit", args=[benefit.pk])
    for _ in range(2):
        assert client.post(url, {**BENEFIT_DATA, "title": "Renamed"}).status_code == 302
    assert benefit.history.count() == 2  # created, renamed


def test_a_benefit_may_keep_its_own_title_when_edited(client_for, head, own_initiative):
    benefit = make_benefit(own_initiative, title="Freed hours")
    response = client_for(head).post(
        reverse("benefits:edit", args=[benefit.pk]), {**BENEFIT_DATA, "target_value": "350"}
    )
    assert response.status_code == 302
    benefit.refresh_from_db()
    assert benefit.target_value == 350


def test_setting_the_hourly_rate_twice_records_one_change(client_for, office):
    client = client_for(office)
    for _ in range(2):
        response = client.post(reverse("benefits:settings"), {"hourly_rate": "500"})
        assert response.status_code == 302
    from benefits.models import PortfolioSetting

    assert PortfolioSetting.history.filter(hourly_rate=500).count() == 1
