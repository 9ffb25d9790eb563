"""The figures cache (dashboard, ranking): fast when nothing changed, never stale when something
did, and invalidated only by writes to the data it read (one version per data area)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from benefits import services
from benefits.models import Measurement
from initiatives import services as services_initiatives
from initiatives.models import Initiative, ProgressUpdate
from portfolio import cache as figures_cache
from portfolio.cache import AREAS, bump_data_version, cached, data_version, data_versions
from portfolio.models import Alignment, CouncilGoal, DataVersion, ImportBatch
from portfolio.settings import LOCAL_CACHE_MAX_ENTRIES, cache_settings
from tests.benefits.factories import TODAY, make_benefit, measure
from tests.conftest import make_initiative

URL = reverse("portfolio:dashboard")


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


# One version per data area: a write changes the version of its own area only.

RANKING_AREAS = ("initiatives", "goals")  # what portfolio.ranking.load_candidates reads


def test_every_area_has_one_version_read_in_one_query(db, django_assert_num_queries):
    data_versions()  # the rows are created on first read
    with django_assert_num_queries(1):
        versions = data_versions()
    assert sorted(versions) == sorted(AREAS)
    assert len(set(versions.values())) == len(AREAS)
    assert DataVersion.objects.count() == len(AREAS)


@pytest.fixture
def one_of_each(own_department, head, goal):
    """A row of every model whose writes change cached figures."""
    from benefits.models import PortfolioSetting
    from initiatives.models import CostLine, StageChange

    initiative = make_initiative(own_department, stage="pilot")
    benefit = make_benefit(initiative)
    measure(benefit, TODAY, 5, head)
    return {
        Initiative: initiative,
        StageChange: StageChange.objects.create(
            initiative=initiative, from_stage="idea", to_stage="pilot", reason="Klar",
            status="applied", proposed_by=head,
        ),
        type(own_department): own_department,
        Alignment: Alignment.objects.create(initiative=initiative, goal=goal, score=2),
        CouncilGoal: goal,
        type(benefit): benefit,
        Measurement: Measurement.objects.get(),
        PortfolioSetting: PortfolioSetting.current(),
        ProgressUpdate: ProgressUpdate.objects.create(
            initiative=initiative, health="green", summary="Bra", author=head
        ),
        CostLine: CostLine.objects.create(
            initiative=initiative, year=2026, kind="investment", planned=1000,
            payer=own_department,
        ),
        **_links_of(initiative, own_department),
    }  # fmt: skip


def _links_of(initiative, department) -> dict:
    """A "requires" link and a group of alternatives: read with the ranking's candidates."""
    from portfolio.models import Alternative, AlternativeGroup, Dependency

    other = make_initiative(department)
    group = AlternativeGroup.objects.create(name="Alternativ")
    return {
        Dependency: Dependency.objects.create(initiative=initiative, required=other),
        AlternativeGroup: group,
        Alternative: Alternative.objects.create(group=group, initiative=initiative),
    }


def changed_areas(before: dict) -> list[str]:
    after = data_versions()
    return [name for name in AREAS if after[name] != before[name]]


def test_a_save_changes_the_version_of_its_own_area_only(one_of_each):
    assert set(one_of_each) == set(figures_cache.model_areas())
    for model, area in figures_cache.model_areas().items():
        before = data_versions()
        one_of_each[model].save()
        # A benefit or a setting changes the benefits' plans too; a measurement does not.
        plans = ["plans"] if area == "benefits" and model is not Measurement else []
        assert changed_areas(before) == [area, *plans], model


def test_a_delete_changes_the_version_of_its_own_area_only(one_of_each):
    # Rows nothing else hangs on: deleting them cascades to no other area.
    for model in (Measurement, ProgressUpdate, Alignment):
        before = data_versions()
        one_of_each[model].delete()
        assert changed_areas(before) == [figures_cache.model_areas()[model]], model


def test_the_settings_row_created_on_first_read_changes_nothing(db):
    from benefits.models import PortfolioSetting

    before = data_versions()
    PortfolioSetting.current()
    assert data_versions() == before


def test_bumping_without_areas_changes_every_area_and_with_areas_only_those(db):
    before = data_versions()
    bump_data_version("updates")
    middle = data_versions()
    assert [name for name in AREAS if middle[name] != before[name]] == ["updates"]
    bump_data_version("benefits", plans=False)  # a measurement
    plain = data_versions()
    assert [name for name in AREAS if plain[name] != middle[name]] == ["benefits"]
    bump_data_version("benefits")  # anything else of the benefits' brings their plans
    middle = data_versions()
    assert [name for name in AREAS if middle[name] != plain[name]] == ["benefits", "plans"]
    bump_data_version()
    after = data_versions()
    assert all(after[name] != middle[name] for name in AREAS)
    with pytest.raises(ValueError, match="Unknown data areas"):
        bump_data_version("budgets")


def test_a_version_is_written_in_the_transaction_of_the_change(db):
    before = data_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        bump_data_version()
        raise RuntimeError("rolled back")
    assert data_version() == before


def test_the_versions_come_back_after_their_rows_are_gone(db):
    """A flushed table (TransactionTestCase, a restore) is no error: the rows are made again."""
    first = data_version()
    DataVersion.objects.all().delete()
    again = data_version()
    assert again != first
    assert DataVersion.objects.count() == len(AREAS)


def test_a_new_measurement_or_progress_update_keeps_the_ranking_but_not_the_dashboard(
    client_for, executive, head, hours, goal, caching
):
    ranking_before, dashboard_before = data_version(*RANKING_AREAS), data_version()
    measure(hours, TODAY, 50, head)
    services_initiatives.progress_update_create(
        initiative=hours.initiative, by=head, health="green", summary="På gång"
    )
    assert data_version(*RANKING_AREAS) == ranking_before
    assert data_version() != dashboard_before


def test_a_score_a_goal_an_initiative_or_a_department_changes_the_ranking(
    own_department, goal, caching
):
    initiative = make_initiative(own_department)
    writes = [
        lambda: Alignment.objects.create(initiative=initiative, goal=goal, score=3),
        lambda: CouncilGoal.objects.create(title="Klimat", weight=Decimal("1"), order=2),
        lambda: make_initiative(own_department),
        lambda: own_department.save(),
    ]
    for write in writes:
        before = data_version(*RANKING_AREAS)
        write()
        assert data_version(*RANKING_AREAS) != before


def test_the_ranking_stays_cached_after_a_new_measurement(
    client_for, executive, head, own_department, goal, caching
):
    initiative = make_initiative(own_department, ref="R1")
    Alignment.objects.create(initiative=initiative, goal=goal, score=2)
    benefit = make_benefit(initiative, valued_at_hourly_rate=True)
    client = client_for(executive)
    client.get(RANKING)
    measure(benefit, TODAY, 10, head)
    with CaptureQueriesContext(connection) as after_measurement:
        assert ranked_refs(client.get(RANKING)) == [("R1", 40.0)]
    assert not any("alignment" in query["sql"] for query in after_measurement.captured_queries)


def test_the_first_read_after_a_write_sees_it_in_every_area(
    client_for, executive, head, own_department, goal, caching
):
    """Each area's write, then the cached page that reads it: computed afresh, never the figures
    from before (the page is read twice before each write, so that it is in the cache)."""
    initiative = make_initiative(own_department, ref="R1", stage="pilot")
    benefit = make_benefit(initiative, valued_at_hourly_rate=True)
    client = client_for(executive)

    def cached_then(write):
        """The dashboard's figures after write(), with the page cached before it."""
        client.get(URL)
        assert "head" not in client.get(URL).context  # served from the cache
        write()
        response = client.get(URL)
        assert "head" in response.context  # computed afresh
        return response.context

    assert cached_then(lambda: make_initiative(own_department, ref="R2"))["head"].total == 2
    progress = cached_then(
        lambda: services_initiatives.progress_update_create(
            initiative=initiative, by=head, health="amber", summary="Försenad leverans"
        )
    )
    assert progress["head"].health["amber"] == 1
    assert cached_then(lambda: measure(benefit, TODAY, 10, head))["head"].measured == 1
    scored = cached_then(
        lambda: Alignment.objects.create(initiative=initiative, goal=goal, score=4)
    )
    assert [row["label"] for row in scored["by_goal"] if row["expected"]] == ["Välfärd"]
    # The ranking, cached on the initiatives and the goals.
    assert ranked_refs(client.get(RANKING)) == [("R1", 80.0), ("R2", 0.0)]
    Alignment.objects.create(initiative=Initiative.objects.get(ref="R2"), goal=goal, score=5)
    assert ranked_refs(client.get(RANKING)) == [("R2", 100.0), ("R1", 80.0)]
    own_department.name = "Omdöpt förvaltning"
    own_department.save()
    rows = client.get(RANKING).context["page"]
    assert {item.row["department__name"] for item in rows} == {"Omdöpt förvaltning"}


def test_cached_reads_only_the_versions_of_its_areas(db, caching):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert cached("probe", compute, areas=["goals"]) == 1
    bump_data_version("benefits", "updates", "initiatives")
    assert cached("probe", compute, areas=["goals"]) == 1
    bump_data_version("goals")
    assert cached("probe", compute, areas=["goals"]) == 2
    assert cached("probe-all", compute) == 3
    bump_data_version("updates")
    assert cached("probe-all", compute) == 4


def test_an_unreachable_cache_computes_instead_of_failing(db, caching, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("the cache is down")

    monkeypatch.setattr(figures_cache.cache, "get", broken)
    monkeypatch.setattr(figures_cache.cache, "set", broken)
    assert cached("probe", lambda: 42) == 42


# The bulk importers send no signals: they bump the areas they write.


def upload_and_apply(client, content: bytes, kind: str) -> None:
    response = client.post(
        reverse("portfolio:import"),
        {"kind": kind, "file": SimpleUploadedFile(f"{kind}.csv", content)},
    )
    assert response.status_code == 302, response.content[:500]
    batch = ImportBatch.objects.latest("pk")
    applied = client.post(reverse("portfolio:import_apply", args=[batch.pk]))
    assert applied.status_code == 302, applied.content[:500]


def test_an_initiatives_import_bumps_the_initiatives_and_the_goals(
    client_for, office, own_department, goal
):
    make_initiative(own_department, ref="DIG-2026-001", title="Robot", stage="pilot")
    before = data_versions()
    content = (
        f"ref,title,department,stage,goal_{goal.pk}_score\n"
        f"DIG-2026-001,Robot,{own_department.code},scaling,3\n"
    )
    upload_and_apply(client_for(office), content.encode(), "initiatives")
    assert Alignment.objects.get().score == 3
    assert sorted(changed_areas(before)) == ["goals", "initiatives"]


def test_a_benefits_import_bumps_the_benefits_only(client_for, office, own_department):
    initiative = make_initiative(own_department, ref="DIG-2026-001")
    make_benefit(initiative, title="Timmar")
    before = data_versions()
    content = f"initiative_ref,benefit_title,date,value\nDIG-2026-001,Timmar,{TODAY},5\n"
    upload_and_apply(client_for(office), content.encode(), "benefits")
    assert Measurement.objects.count() == 1
    assert changed_areas(before) == ["benefits", "plans"]  # the import may change any benefit


def test_the_progress_updates_have_an_area_of_their_own(own_department, head):
    initiative = make_initiative(own_department)
    before = data_versions()
    ProgressUpdate.objects.create(initiative=initiative, health="red", summary="Stopp", author=head)
    assert changed_areas(before) == ["updates"]


# Where the entries live: a bounded cache per process unless Redis is configured.


def test_without_redis_each_process_keeps_a_bounded_number_of_entries():
    config = cache_settings("")
    assert config["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert config["default"]["OPTIONS"]["MAX_ENTRIES"] == LOCAL_CACHE_MAX_ENTRIES == 50
    with override_settings(CACHES=config):
        local = caches.create_connection("default")
        for n in range(LOCAL_CACHE_MAX_ENTRIES * 3):
            local.set(f"entry-{n}", n)
        assert len(local._cache) <= LOCAL_CACHE_MAX_ENTRIES
        assert local.get(f"entry-{LOCAL_CACHE_MAX_ENTRIES * 3 - 1}") is not None  # newest kept


def test_the_running_settings_are_bounded_when_redis_is_not_configured():
    if django_settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        pytest.skip("REDIS_URL is set for this run: tests/portfolio/test_redis_cache.py")
    assert django_settings.CACHES["default"]["OPTIONS"]["MAX_ENTRIES"] == LOCAL_CACHE_MAX_ENTRIES
