"""What history teaches: realised against promised for due benefits, the office's page and the
hint on the benefit form."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone

from benefits.calibration import for_kind, realisation_history, summarise
from initiatives.models import Initiative, Kind
from tests.benefits.factories import TODAY, make_benefit, measure
from tests.conftest import make_department, make_initiative, make_user

PAST = TODAY - dt.timedelta(days=10)
URL = "/benefits/calibration/"


def due_benefit(initiative, ratio, by, **fields):
    """A benefit that promised 100 and whose target date has passed, measured at ratio × 100."""
    fields.setdefault("baseline_date", TODAY - dt.timedelta(days=400))
    fields.setdefault("target_date", PAST)
    fields.setdefault("target_value", Decimal("100"))
    benefit = make_benefit(initiative, **fields)
    measure(benefit, PAST, Decimal(str(ratio)) * 100, by)
    return benefit


@pytest.fixture
def rpa(own_department):
    return make_initiative(own_department, kind=Kind.RPA, title="Skolmjölksroboten")


def test_the_figures_are_median_quartiles_and_range_of_the_ratios(office, rpa):
    for index, ratio in enumerate([0.5, 0.8, 1.0, 1.2]):
        due_benefit(rpa, ratio, office, title=f"Benefit {index}")
    history = realisation_history()
    overall = history.overall
    assert overall.cases == 4
    assert overall.median == pytest.approx(0.9)
    # numpy's default (linear) percentile: 0.725 and 1.05.
    assert overall.lower_quartile == pytest.approx(0.725)
    assert overall.upper_quartile == pytest.approx(1.05)
    assert overall.lower_quartile == pytest.approx(np.percentile([0.5, 0.8, 1.0, 1.2], 25))
    assert (overall.minimum, overall.maximum) == (pytest.approx(0.5), pytest.approx(1.2))
    assert [group.key for group in history.by_kind] == ["rpa"]
    assert history.enough


def test_the_figures_are_grouped_by_kind_department_category_and_confidence(office, rpa):
    elsewhere = make_initiative(make_department("Trafikkontoret", "TK"), kind=Kind.IOT)
    due_benefit(rpa, 0.5, office, title="A", category="financial", confidence="high")
    due_benefit(rpa, 1.0, office, title="B", category="quality", confidence="high")
    due_benefit(elsewhere, 0.2, office, title="C", category="financial", confidence="low")
    history = realisation_history()

    def table(groups):
        return {group.key: (group.cases, round(group.median, 4)) for group in groups}

    assert table(history.by_kind) == {"rpa": (2, 0.75), "iot": (1, 0.2)}
    assert table(history.by_department) == {
        "Trafikkontoret": (1, 0.2),
        "Utbildningsförvaltningen": (2, 0.75),
    }
    assert table(history.by_category) == {"financial": (2, 0.35), "quality": (1, 1.0)}
    assert table(history.by_confidence) == {"high": (2, 0.75), "low": (1, 0.2)}
    # Groups in the order of their choices; departments by name.
    assert [group.key for group in history.by_kind] == ["rpa", "iot"]
    assert [group.label for group in history.by_department] == [
        "Trafikkontoret",
        "Utbildningsförvaltningen",
    ]


def test_a_lower_is_better_benefit_counts_its_improvement(office, rpa):
    benefit = make_benefit(
        rpa,
        direction="lower",
        baseline_value=Decimal("50"),
        target_value=Decimal("10"),
        baseline_date=TODAY - dt.timedelta(days=400),
        target_date=PAST,
    )
    measure(benefit, PAST, 30, office)  # 20 of the promised 40 minutes saved
    assert realisation_history().overall.median == pytest.approx(0.5)


def test_it_leaves_out_archived_not_yet_due_unmeasured_and_zero_promise_benefits(office, rpa):
    due_benefit(rpa, 0.8, office, title="Counted")
    archived = make_initiative(rpa.department, kind=Kind.RPA)
    due_benefit(archived, 0.1, office, title="Archived")
    Initiative.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    not_due = make_benefit(rpa, title="Not yet due", target_date=TODAY + dt.timedelta(days=30))
    measure(not_due, PAST, 5, office)
    make_benefit(rpa, title="Never measured", target_date=PAST)
    zero = make_benefit(rpa, title="Promised nothing", target_value=Decimal("0"), target_date=PAST)
    measure(zero, PAST, 5, office)
    history = realisation_history()
    assert history.overall.cases == 1
    assert history.overall.median == pytest.approx(0.8)
    assert not history.enough


def test_a_benefit_due_today_counts(office, rpa):
    due_benefit(rpa, 0.6, office, target_date=TODAY)
    assert realisation_history().cases == 1


def test_no_due_benefits_give_no_figures(db):
    history = realisation_history()
    assert history.overall is None
    assert history.cases == 0
    assert history.by_kind == []


def test_summarise_one_case_is_that_case():
    group = summarise("rpa", "RPA robot", [0.7])
    assert (group.median, group.lower_quartile, group.upper_quartile) == (0.7, 0.7, 0.7)


def test_for_kind_covers_only_that_kind_by_category(office, rpa):
    iot = make_initiative(rpa.department, kind=Kind.IOT)
    due_benefit(rpa, 0.5, office, title="A", category="financial")
    due_benefit(rpa, 0.7, office, title="B", category="financial")
    due_benefit(rpa, 0.9, office, title="C", category="quality")
    due_benefit(iot, 3.0, office, title="D")
    hint = for_kind(Kind.RPA)
    assert hint.overall.cases == 3
    assert hint.overall.median == pytest.approx(0.7)
    assert [(g.key, g.cases) for g in hint.by_category] == [("financial", 2), ("quality", 1)]
    assert hint.enough
    assert not for_kind(Kind.IOT).enough
    assert for_kind(Kind.TRAINING).overall is None


# The page


ROLES = ["office", "head", "executive", "no_role", "anonymous"]


@pytest.fixture
def users(office, head, executive, db):
    return {"office": office, "head": head, "executive": executive,
            "no_role": make_user(None, username="norole"), "anonymous": None}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_only_the_office_sees_the_calibration_page(client_for, users, role):
    response = client_for(users[role]).get(URL)
    expected = {"office": 200, "anonymous": 302}.get(role, 403)
    assert response.status_code == expected
    if role == "anonymous":
        assert response.url.startswith(reverse("login"))


def test_the_url_is_named(db):
    assert reverse("benefits:calibration") == URL


def test_the_page_shows_four_tables_and_the_chart(client_for, office, rpa):
    for index, ratio in enumerate([0.5, 0.8, 1.0, 1.2]):
        due_benefit(rpa, ratio, office, title=f"Benefit {index}")
    response = client_for(office).get(URL)
    html = response.text
    assert response.status_code == 200
    assert html.count("<caption") == 4
    assert 'th scope="row">RPA robot</th>' in html
    assert "90\u00a0%" in html  # the median
    assert "73\u00a0%–105\u00a0%" in html  # the middle half, rounded
    assert 'id="chart-calibration-data"' in html
    assert 'role="img"' in html
    figure = response.context["chart"]
    assert figure["data"][0]["y"] == ["RPA robot"]
    assert figure["data"][0]["x"] == [pytest.approx(0.9)]
    assert figure["data"][0]["error_x"]["array"] == [pytest.approx(0.15)]
    assert figure["data"][0]["error_x"]["arrayminus"] == [pytest.approx(0.175)]
    assert "Not enough closed benefits" not in html


def test_the_page_says_so_when_fewer_than_three_cases(client_for, office, rpa):
    due_benefit(rpa, 0.5, office, title="A")
    due_benefit(rpa, 0.7, office, title="B")
    response = client_for(office).get(URL)
    assert "Not enough closed benefits yet to say anything." in response.text
    assert "<caption" not in response.text
    assert "chart-calibration" not in response.text
    assert response.context["chart"] is None


def test_the_settings_page_links_to_it(client_for, office):
    response = client_for(office).get(reverse("benefits:settings"))
    assert f'href="{URL}"' in response.text


def test_the_page_runs_the_same_queries_for_3_and_30_benefits(
    client_for, office, django_assert_num_queries
):
    departments = [make_department() for _ in range(3)]
    kinds = list(Kind.values)

    def fill(start, stop):
        for i in range(start, stop):
            initiative = make_initiative(departments[i % 3], kind=kinds[i % len(kinds)])
            due_benefit(initiative, 0.1 * (i + 1), office, title=f"B{i}",
                        category=["financial", "quality"][i % 2])  # fmt: skip

    client = client_for(office)
    fill(0, 3)
    client.get(URL)
    with django_assert_num_queries(5) as first:
        assert client.get(URL).status_code == 200
    fill(3, 30)
    with django_assert_num_queries(len(first)):
        response = client.get(URL)
    assert response.context["calibration"].cases == 30


# The hint on the benefit form


def test_the_benefit_form_shows_what_benefits_of_the_kind_delivered(client_for, office, rpa):
    for index, ratio in enumerate([0.4, 0.64, 0.9]):
        due_benefit(rpa, ratio, office, title=f"Benefit {index}", category="financial")
    new = make_initiative(rpa.department, kind=Kind.RPA)
    response = client_for(office).get(reverse("benefits:create", args=[new.ref]))
    assert "RPA robot benefits realised a median 64\u00a0% of what was promised, 3 cases." in (
        response.text
    )
    assert 'data-testid="calibration-hint"' in response.text
    assert 'th scope="row">Financial</th>' in response.text
    edit = client_for(office).get(
        reverse("benefits:edit", args=[make_benefit(new, title="Hours").pk])
    )
    assert "RPA robot benefits realised a median 64\u00a0%" in edit.text


def test_the_benefit_form_shows_no_hint_for_a_kind_with_too_few_cases(client_for, office, rpa):
    due_benefit(rpa, 0.5, office)
    iot = make_initiative(rpa.department, kind=Kind.IOT)
    due_benefit(iot, 0.5, office)
    due_benefit(iot, 0.6, office, title="Other")
    response = client_for(office).get(reverse("benefits:create", args=[rpa.ref]))
    assert response.status_code == 200
    assert 'data-testid="calibration-hint"' not in response.text


def test_the_benefit_form_runs_the_same_queries_for_3_and_30_cases(
    client_for, office, rpa, django_assert_num_queries
):
    def fill(start, stop):
        for i in range(start, stop):
            due_benefit(rpa, 0.1 * (i + 1), office, title=f"B{i}",
                        category=["financial", "quality", "environment"][i % 3])  # fmt: skip

    client = client_for(office)
    url = reverse("benefits:create", args=[rpa.ref])
    fill(0, 3)
    client.get(url)
    # 8: one more than before for the gaining department's choices (the business case).
    with django_assert_num_queries(8) as first:
        client.get(url)
    fill(3, 30)
    with django_assert_num_queries(len(first)):
        response = client.get(url)
    assert response.context["calibration"].overall.cases == 30
