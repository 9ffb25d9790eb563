import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from benefits.models import Benefit, Measurement, PortfolioSetting
from tests.benefits.factories import TODAY, make_benefit, measure
from tests.conftest import make_department, make_initiative, make_user

ROLES = ["office", "head", "executive", "no_role", "anonymous"]


@pytest.fixture
def users(office, head, executive, db):
    return {"office": office, "head": head, "executive": executive,
            "no_role": make_user(None, username="norole"), "anonymous": None}  # fmt: skip


@pytest.fixture
def benefits(own_initiative, other_initiative):
    return {"own": make_benefit(own_initiative), "other": make_benefit(other_initiative)}


def expected(role: str, allowed: set[str], ok: int) -> int:
    if role == "anonymous":
        return 302
    return ok if role in allowed else 403


BENEFIT_DATA = {
    "title": "Freed hours", "category": "redistribution", "unit": "h/year",
    "direction": "higher", "frequency": "quarterly", "baseline_value": "0",
    "baseline_date": "2026-01-01", "target_value": "300", "target_date": "2027-01-01",
    "valued_at_hourly_rate": "on", "confidence": "medium",
}  # fmt: skip


@pytest.mark.parametrize("department", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
def test_adding_a_benefit_follows_the_matrix(
    client_for, users, own_initiative, other_initiative, role, department
):
    initiative = own_initiative if department == "own" else other_initiative
    allowed = {"office", "head"} if department == "own" else {"office"}
    response = client_for(users[role]).post(
        reverse("benefits:create", args=[initiative.ref]), BENEFIT_DATA
    )
    assert response.status_code == expected(role, allowed, 302)
    assert Benefit.objects.filter(initiative=initiative).exists() == (role in allowed)


@pytest.mark.parametrize("department", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
def test_editing_a_benefit_follows_the_matrix(client_for, users, benefits, role, department):
    benefit = benefits[department]
    allowed = {"office", "head"} if department == "own" else {"office"}
    client = client_for(users[role])
    url = reverse("benefits:edit", args=[benefit.pk])
    assert client.get(url).status_code == expected(role, allowed, 200)
    response = client.post(url, {**BENEFIT_DATA, "title": "Renamed"})
    assert response.status_code == expected(role, allowed, 302)
    benefit.refresh_from_db()
    assert (benefit.title == "Renamed") == (role in allowed)


@pytest.mark.parametrize("department", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
def test_recording_a_measurement_follows_the_matrix(client_for, users, benefits, role, department):
    benefit = benefits[department]
    allowed = {"office", "head"} if department == "own" else {"office"}
    prefix = f"m{benefit.pk}"
    response = client_for(users[role]).post(
        reverse("benefits:measurement_create", args=[benefit.pk]),
        {f"{prefix}-date": TODAY.isoformat(), f"{prefix}-value": "120"},
    )
    assert response.status_code == expected(role, allowed, 302)
    assert Measurement.objects.filter(benefit=benefit).exists() == (role in allowed)


@pytest.mark.parametrize("department", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
def test_a_benefit_owner_records_its_measurements_but_edits_nothing_else(
    client_for, users, benefits, role, department
):
    """The matrix's third dimension: as the benefit's owner, any role may record its
    measurements (a line manager in another department, an executive); editing the benefit
    stays with the initiative's rights. Without a role too: a line manager who only follows up
    the benefits they own records them from "My benefits"."""
    benefit = benefits[department]
    if users[role] is not None:
        benefit.owner = users[role]
        benefit.save()
    may_measure = {"office", "head", "executive", "no_role"}
    may_edit = {"office", "head"} if department == "own" else {"office"}
    client = client_for(users[role])
    prefix = f"m{benefit.pk}"
    response = client.post(
        reverse("benefits:measurement_create", args=[benefit.pk]),
        {f"{prefix}-date": TODAY.isoformat(), f"{prefix}-value": "120"},
    )
    assert response.status_code == expected(role, may_measure, 302)
    assert Measurement.objects.filter(benefit=benefit).exists() == (role in may_measure)
    edit = client.get(reverse("benefits:edit", args=[benefit.pk]))
    assert edit.status_code == expected(role, may_edit, 200)
    if role == "no_role":
        assert response.url == "/benefits/mine/"
        assert client.get(benefit.initiative.get_absolute_url()).status_code == 403
        page = client.get(reverse("benefits:mine"))
        (item,) = page.context["items"]
        assert item["benefit"].pk == benefit.pk and item["can_measure"]
    elif role in may_measure:
        page = client.get(benefit.initiative.get_absolute_url())
        card = next(c for c in page.context["benefit_cards"] if c["benefit"].pk == benefit.pk)
        assert card["can_measure"] and card["can_edit"] == (role in may_edit)


def test_owning_the_benefit_of_an_archived_initiative_records_nothing(
    client_for, executive, benefits
):
    from django.utils import timezone

    benefit = benefits["other"]
    benefit.owner = executive
    benefit.save()
    benefit.initiative.archived_at = timezone.now()
    benefit.initiative.save()
    prefix = f"m{benefit.pk}"
    client_for(executive).post(
        reverse("benefits:measurement_create", args=[benefit.pk]),
        {f"{prefix}-date": TODAY.isoformat(), f"{prefix}-value": "120"},
    )
    assert not Measurement.objects.filter(benefit=benefit).exists()


def test_a_head_sees_the_benefits_they_own_elsewhere_on_the_check_in(
    client_for, head, other_initiative
):
    benefit = make_benefit(other_initiative, title="Färre samtal", owner=head)
    page = client_for(head).get(reverse("initiatives:check_in"))
    assert benefit.pk in {item["benefit"].pk for item in page.context["due_benefits"]}


@pytest.mark.parametrize("department", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
def test_opening_the_measurement_form_follows_the_matrix(
    client_for, users, benefits, role, department
):
    benefit = benefits[department]
    allowed = {"office", "head"} if department == "own" else {"office"}
    response = client_for(users[role]).get(
        reverse("benefits:measurement_create", args=[benefit.pk])
    )
    assert response.status_code == expected(role, allowed, 200)


def test_the_measurement_form_is_loaded_into_the_card_when_opened(client_for, head, benefits):
    benefit = benefits["own"]
    url = reverse("benefits:measurement_create", args=[benefit.pk])
    client = client_for(head)
    page = client.get(benefit.initiative.get_absolute_url()).text
    assert f'name="m{benefit.pk}-value"' not in page and f'hx-get="{url}"' in page
    fragment = client.get(url, headers={"HX-Request": "true", "HX-Target": f"measure-{benefit.pk}"})
    assert fragment.text.lstrip().startswith(f'<form id="measure-{benefit.pk}"')
    assert f'hx-target="#benefit-{benefit.pk}"' in fragment.text
    assert f'name="m{benefit.pk}-value"' in fragment.text and "<html" not in fragment.text
    whole = client.get(url)  # without JavaScript: a page, posting the ordinary way
    assert "<html" in whole.text and "hx-post" not in whole.text
    assert f'name="m{benefit.pk}-value"' in whole.text


@pytest.mark.parametrize("role", ROLES)
def test_only_the_office_sets_the_hourly_rate(client_for, users, role):
    response = client_for(users[role]).post(reverse("benefits:settings"), {"hourly_rate": "500"})
    assert response.status_code == expected(role, {"office"}, 302)
    assert (PortfolioSetting.current().hourly_rate == 500) == (role == "office")


@pytest.mark.parametrize("role", ROLES)
def test_everyone_with_a_role_reads_the_register(client_for, users, benefits, role):
    response = client_for(users[role]).get(reverse("benefits:register"))
    assert response.status_code == expected(role, {"office", "head", "executive"}, 200)


def test_a_measurement_added_inline_updates_the_figures_and_the_chart(client_for, head, benefits):
    benefit = benefits["own"]
    prefix = f"m{benefit.pk}"
    response = client_for(head).post(
        reverse("benefits:measurement_create", args=[benefit.pk]),
        {f"{prefix}-date": TODAY.isoformat(), f"{prefix}-value": "300", f"{prefix}-note": "Q3"},
        headers={"HX-Request": "true", "HX-Target": f"benefit-{benefit.pk}"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<article id="benefit-{benefit.pk}"')
    assert "75 %" in response.text.replace("\xa0", " ")  # 300 of 400
    chart = json.loads(
        response.text.split(f'<script id="chart-{benefit.pk}-data"')[1]
        .split(">", 1)[1]
        .split("</script>")[0]
    )
    assert chart["data"][1]["y"] == [300.0]


@pytest.mark.parametrize(
    "date,message",
    [
        ((TODAY - dt.timedelta(days=400)).isoformat(), "before the baseline date"),
        ((TODAY + dt.timedelta(days=3)).isoformat(), "cannot be in the future"),
        ("yesterday", "Enter a valid date"),
    ],
)
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-javascript"])
def test_a_bad_measurement_is_refused_with_the_reason_and_the_input_kept(
    client_for, head, benefits, date, message, htmx
):
    benefit = benefits["own"]
    prefix = f"m{benefit.pk}"
    response = client_for(head).post(
        reverse("benefits:measurement_create", args=[benefit.pk]),
        {f"{prefix}-date": date, f"{prefix}-value": "123.5", f"{prefix}-note": "typed note"},
        headers={"HX-Request": "true", "HX-Target": f"benefit-{benefit.pk}"} if htmx else {},
    )
    assert response.status_code == 422
    assert message in response.text
    assert "typed note" in response.text and 'value="123.5"' in response.text
    assert ("<html" in response.text) is not htmx
    assert not Measurement.objects.filter(benefit=benefit, note="typed note").exists()
    assert not Measurement.objects.exists()


def test_one_measurement_per_benefit_and_date(client_for, head, benefits):
    benefit = benefits["own"]
    measure(benefit, TODAY, 10, head)
    prefix = f"m{benefit.pk}"
    response = client_for(head).post(
        reverse("benefits:measurement_create", args=[benefit.pk]),
        {f"{prefix}-date": TODAY.isoformat(), f"{prefix}-value": "11"},
        headers={"HX-Request": "true", "HX-Target": f"benefit-{benefit.pk}"},
    )
    assert response.status_code == 422
    assert "already a measurement on this date" in response.text
    assert Measurement.objects.get().value == 10


def test_a_benefit_form_refuses_a_target_date_before_the_baseline(client_for, head, own_initiative):
    response = client_for(head).post(
        reverse("benefits:create", args=[own_initiative.ref]),
        {**BENEFIT_DATA, "target_date": "2025-01-01"},
    )
    assert response.status_code == 422
    assert "cannot be before the baseline date" in response.text
    assert 'value="Freed hours"' in response.text


def test_the_detail_page_shows_the_benefits_with_their_charts(
    client_for, executive, benefits, head
):
    measure(benefits["own"], TODAY, 100, head)
    response = client_for(executive).get(benefits["own"].initiative.get_absolute_url())
    assert "Freed staff hours" in response.text
    pk = benefits["own"].pk
    assert f'<script id="chart-{pk}-data" type="application/json">' in response.text
    assert "vendor/plotly.min.js" in response.text
    assert "25 %" in response.text.replace("\xa0", " ")


@pytest.fixture
def register_data(head, own_department, other_department):
    robot = make_initiative(own_department, ref="DIG-1", title="Skolmjölksroboten")
    lights = make_initiative(other_department, ref="DIG-2", title="Smarta trafikljus")
    hours = make_benefit(robot, title="Hours", valued_at_hourly_rate=True, owner=head)
    licence = make_benefit(
        robot,
        title="Licence",
        category="financial",
        unit="SEK/year",
        is_disbenefit=True,
        target_value=Decimal("50000"),
        sek_per_unit=Decimal("1"),
        confidence="high",
    )
    travel = make_benefit(
        lights,
        title="Travel time",
        category="quality",
        unit="min",
        direction="lower",
        baseline_value=Decimal("2.5"),
        target_value=Decimal("1.8"),
        confidence="low",
    )
    measure(hours, TODAY, 100, head)  # planned 200 by today: behind
    measure(licence, TODAY, 50000, head)
    measure(travel, TODAY, "1.9", head)  # ahead
    return hours, licence, travel  # fmt: skip


def titles(response) -> list[str]:
    return [benefit.title for benefit in response.context["page"]]


def test_the_register_totals_what_it_shows(client_for, executive, register_data):
    response = client_for(executive).get(reverse("benefits:register"))
    # 400 h × 450 − 50 000 expected; 100 h × 450 − 50 000 realised; travel time has no money.
    assert response.context["totals"] == {
        "expected_sek_total": 130_000,
        "realised_sek_total": -5_000,
    }
    assert titles(response) == ["Hours", "Licence", "Travel time"]


@pytest.mark.parametrize(
    "query,expected_titles",
    [
        ({"behind": "yes"}, ["Hours"]),
        ({"behind": "no"}, ["Licence", "Travel time"]),
        ({"category": "quality"}, ["Travel time"]),
        ({"confidence": "high"}, ["Licence"]),
        ({"q": "trafikljus"}, ["Travel time"]),
        ({"sort": "-expected_sek"}, ["Hours", "Licence", "Travel time"]),
        ({"sort": "expected_sek"}, ["Licence", "Hours", "Travel time"]),
        ({"sort": "bogus", "department": "x"}, ["Hours", "Licence", "Travel time"]),
    ],
)
def test_the_register_filters_and_sorts(
    client_for, executive, register_data, query, expected_titles
):
    assert titles(client_for(executive).get(reverse("benefits:register"), query)) == expected_titles


def test_the_register_filters_by_department_and_owner(
    client_for, executive, head, register_data, other_department
):
    client = client_for(executive)
    by_department = client.get(reverse("benefits:register"), {"department": other_department.pk})
    assert titles(by_department) == ["Travel time"]
    assert titles(client.get(reverse("benefits:register"), {"owner": head.pk})) == ["Hours"]
    filtered = client.get(reverse("benefits:register"), {"department": other_department.pk})
    assert filtered.context["totals"]["expected_sek_total"] is None


def test_the_register_runs_the_same_queries_for_5_and_200_initiatives(
    client_for, executive, head, django_assert_num_queries
):
    department = make_department()

    def fill(n):
        for i in range(n):
            initiative = make_initiative(department)
            benefit = make_benefit(initiative, valued_at_hourly_rate=i % 2 == 0)
            measure(benefit, TODAY, i, head)

    client = client_for(executive)
    fill(5)
    client.get(reverse("benefits:register"))
    with django_assert_num_queries(9) as first:
        client.get(reverse("benefits:register"), {"behind": "yes", "sort": "-realised_sek"})
    fill(195)
    with django_assert_num_queries(len(first)):
        client.get(reverse("benefits:register"), {"behind": "yes", "sort": "-realised_sek"})


def test_the_check_in_lists_benefits_due_for_a_measurement(client_for, head, own_initiative):
    due = make_benefit(own_initiative, title="Due one", frequency="monthly")
    fresh = make_benefit(own_initiative, title="Fresh one", frequency="yearly")
    measure(due, TODAY - dt.timedelta(days=40), 10, head)
    measure(fresh, TODAY - dt.timedelta(days=40), 10, head)
    response = client_for(head).get(reverse("initiatives:check_in"))
    assert [item["benefit"].title for item in response.context["due_benefits"]] == ["Due one"]
    prefix = f"m{due.pk}"
    posted = client_for(head).post(
        reverse("benefits:measurement_create", args=[due.pk]),
        {"from": "check-in", f"{prefix}-date": TODAY.isoformat(), f"{prefix}-value": "20"},
        headers={"HX-Request": "true", "HX-Target": f"benefit-due-{due.pk}"},
    )
    assert posted.status_code == 200
    assert posted.text.lstrip().startswith(f'<li id="benefit-due-{due.pk}"')
    assert "Measurement due" not in posted.text


def test_the_loaded_measurement_form_runs_a_fixed_number_of_queries(
    client_for, head, benefits, django_assert_num_queries
):
    benefit = benefits["own"]
    measure(benefit, TODAY, 10, head)
    client = client_for(head)
    url = reverse("benefits:measurement_create", args=[benefit.pk])
    client.get(url)
    with django_assert_num_queries(5) as first:
        client.get(url, headers={"HX-Request": "true", "HX-Target": f"measure-{benefit.pk}"})
    count = len(first)
    for day in range(1, 30):
        measure(benefit, TODAY - dt.timedelta(days=day), day, head)
    with django_assert_num_queries(count):
        client.get(url, headers={"HX-Request": "true", "HX-Target": f"measure-{benefit.pk}"})
