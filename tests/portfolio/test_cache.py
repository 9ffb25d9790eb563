"""The dashboard's cache: fast when nothing changed, never stale when something did."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from benefits import services
from portfolio.cache import data_version
from tests.benefits.factories import TODAY, make_benefit, measure
from tests.conftest import make_initiative

URL = reverse("portfolio:dashboard")


@pytest.fixture
def caching(settings):
    settings.DASHBOARD_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def hours(own_department, head):
    initiative = make_initiative(own_department, stage="pilot")
    benefit = make_benefit(initiative, valued_at_hourly_rate=True)
    measure(benefit, TODAY - dt.timedelta(days=20), 100, head)
    return benefit


def test_a_repeated_dashboard_is_served_from_the_cache(
    client_for, executive, hours, caching, django_assert_max_num_queries
):
    client = client_for(executive)
    first = client.get(URL).context["head"].realised_sek
    with django_assert_max_num_queries(9):  # session, user, role, version, form choices, save
        again = client.get(URL).context["head"].realised_sek
    assert first == again == 45_000


def test_a_new_measurement_is_on_the_next_dashboard(client_for, executive, head, hours, caching):
    client = client_for(executive)
    assert client.get(URL).context["head"].realised_sek == 45_000
    services.measurement_create(benefit=hours, date=TODAY, value=200, by=head)
    assert client.get(URL).context["head"].realised_sek == 90_000


def test_an_import_or_a_setting_changes_the_version(client_for, office, hours, caching):
    before = data_version()
    client_for(office).post(reverse("benefits:settings"), {"hourly_rate": "500"})
    assert data_version() != before
    assert client_for(office).get(URL).context["head"].realised_sek == 50_000


def test_a_filter_has_its_own_entry(client_for, executive, hours, caching, other_department):
    client = client_for(executive)
    assert client.get(URL).context["head"].total == 1
    assert client.get(URL, {"department": other_department.pk}).context["head"].total == 0
