"""The figures cache (dashboard, ranking): fast when nothing changed, never stale when something
did."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from benefits import services
from initiatives import services as services_initiatives
from portfolio.cache import data_version
from portfolio.models import Alignment, CouncilGoal
from tests.benefits.factories import TODAY, make_benefit, measure
from tests.conftest import make_initiative

URL = reverse("portfolio:dashboard")


@pytest.fixture
def caching(settings):
    settings.FIGURES_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


def realised(response) -> str:
    return re.search(r'data-testid="realised-total">([^<]*)<', response.content.decode()).group(1)


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
    first = client.get(URL)
    with django_assert_max_num_queries(9):  # session, user, role, version, form choices, save
        again = client.get(URL)
    assert first.context["head"].realised_sek == 45_000
    assert "head" not in again.context  # nothing was computed or rendered again
    assert realised(again) == realised(first)
    assert re.sub(r"\D", "", realised(again)) == "45000"


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


# The ranking's candidate matrix is cached the same way.

RANKING = reverse("portfolio:ranking")


@pytest.fixture
def goal(db):
    return CouncilGoal.objects.create(title="Välfärd", weight=Decimal("1"), order=1)


def ranked_refs(response) -> list[tuple[str, float]]:
    return [(item.row["ref"], item.score) for item in response.context["page"]]


def test_a_repeated_ranking_reads_the_candidates_from_the_cache(
    client_for, executive, own_department, goal, caching, django_assert_num_queries
):
    for n in range(3):
        Alignment.objects.create(
            initiative=make_initiative(own_department, ref=f"R{n}"), goal=goal, score=n + 1
        )
    client = client_for(executive)
    first = ranked_refs(client.get(RANKING))
    with CaptureQueriesContext(connection) as cold:
        client.get(RANKING, {"stage": "idea"})
    with CaptureQueriesContext(connection) as warm:
        again = ranked_refs(client.get(RANKING))
    assert first == again == [("R2", 60.0), ("R1", 40.0), ("R0", 20.0)]
    # The initiatives and their scores come from the cache, for one query reading the version.
    assert len(warm) == len(cold) - 2
    assert any("alignment" in query["sql"] for query in cold.captured_queries)
    assert not any("alignment" in query["sql"] for query in warm.captured_queries)


def test_a_new_score_or_an_archived_initiative_is_in_the_next_ranking(
    client_for, office, own_department, goal, caching
):
    first = make_initiative(own_department, ref="R1")
    second = make_initiative(own_department, ref="R2")
    Alignment.objects.create(initiative=first, goal=goal, score=2)
    client = client_for(office)
    assert ranked_refs(client.get(RANKING)) == [("R1", 40.0), ("R2", 0.0)]
    client.post(
        reverse("portfolio:alignment_set", args=["R2", goal.pk]),
        {f"g{goal.pk}-score": "5", f"g{goal.pk}-reason": "Kärnuppdrag"},
    )
    assert ranked_refs(client.get(RANKING)) == [("R2", 100.0), ("R1", 40.0)]
    services_initiatives.initiative_archive(initiative=second, by=office)
    assert ranked_refs(client.get(RANKING)) == [("R1", 40.0)]


def test_cached_candidates_are_shown_in_the_language_of_the_request(
    client_for, executive, own_department, goal, caching
):
    make_initiative(own_department, ref="R1", stage="idea")
    client = client_for(executive)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get(RANKING).context["page"][0].row["stage_label"] == "Idea"
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "sv"
    assert client.get(RANKING).context["page"][0].row["stage_label"] == "Idé"
