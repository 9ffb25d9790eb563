"""Cost lines: the money moved into them, kept as the initiative's sums, edited inline by those
who may edit the initiative, and the business case they give (issue 14)."""

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from benefits.models import PortfolioSetting
from initiatives import costs
from initiatives.models import CostLine, Initiative
from initiatives.services import EditConflict, InitiativeArchived, initiative_archive
from tests.benefits.factories import make_benefit, measure
from tests.conftest import make_initiative, make_user

HORIZON = 10
THIS_YEAR = timezone.localdate().year


def lines_of(initiative):
    return [
        (line.year, line.kind, line.planned, line.actual, line.payer_id, line.payer_other)
        for line in CostLine.objects.filter(initiative=initiative).order_by("year", "kind", "id")
    ]


def columns(initiative):
    initiative.refresh_from_db()
    return initiative.budget, initiative.running_cost, initiative.cost_to_date


# --- The migration: today's money into lines --------------------------------------------------


def test_the_migration_moves_every_krona_into_lines(own_department):
    migration = importlib.import_module("initiatives.migrations.0007_money_into_cost_lines")
    full = make_initiative(
        own_department, budget=4_200_000, running_cost=300_000, cost_to_date=4_050_000,
        planned_start=dt.date(2024, 3, 1), planned_end=dt.date(2025, 6, 30),
    )  # fmt: skip
    spent_only = make_initiative(own_department, cost_to_date=12_000)
    nothing = make_initiative(own_department)
    late_end = make_initiative(
        own_department, running_cost=10, planned_start=dt.date(2020, 1, 1),
        planned_end=dt.date(2040, 1, 1),
    )  # fmt: skip
    migration.into_lines(apps, None)
    # The budget and all spent so far in the start year; the running cost every year from the
    # year after the planned end through the start year + 10 (2026 … 2034).
    assert lines_of(full) == [
        (2024, "investment", 4_200_000, 4_050_000, own_department.pk, ""),
        *[(year, "running", 300_000, None, own_department.pk, "") for year in range(2026, 2035)],
    ]
    assert lines_of(nothing) == []
    assert lines_of(late_end) == [(2041, "running", 10, None, own_department.pk, "")]
    created = timezone.localtime(spent_only.created_at).year
    assert lines_of(spent_only) == [(created, "investment", 0, 12_000, own_department.pk, "")]
    # Not a krona lost: the columns are the lines' sums, exactly.
    for initiative in (full, spent_only, nothing, late_end):
        lines = CostLine.objects.filter(initiative=initiative)
        assert costs.sums(lines) == dict(
            zip(costs.MONEY_FIELDS, columns(initiative), strict=True)
        ), initiative.ref
    assert columns(spent_only) == (0, None, 12_000)  # spent with no budget: a budget of 0


# --- Sums and reconcile --------------------------------------------------------------------------


def test_three_figures_become_lines_and_their_sums(own_department, office):
    initiative = make_initiative(
        own_department, planned_start=dt.date(2026, 3, 1), planned_end=dt.date(2027, 6, 30),
        budget=1_000_000, running_cost=50_000, cost_to_date=400_000,
    )  # fmt: skip
    costs.reconcile(
        initiative,
        {"budget": 1_000_000, "running_cost": 50_000, "cost_to_date": 400_000},
        by=office,
        horizon=HORIZON,
    )
    assert lines_of(initiative) == [
        (2026, "investment", 1_000_000, 400_000, own_department.pk, ""),
        *[(year, "running", 50_000, None, own_department.pk, "") for year in range(2028, 2037)],
    ]
    assert columns(initiative) == (1_000_000, 50_000, 400_000)


def test_a_new_budget_changes_only_the_start_years_investment(
    own_department, other_department, office
):
    initiative = make_initiative(own_department, planned_start=dt.date(2026, 1, 1))
    costs.cost_lines_save(
        initiative=initiative,
        lines=[
            costs.LineValues(2026, "investment", 600_000, 100_000, own_department.pk, ""),
            costs.LineValues(2027, "investment", 400_000, None, own_department.pk, ""),
            costs.LineValues(2027, "investment", 50_000, None, other_department.pk, ""),
        ],
        opened_version=initiative.version,
        by=office,
    )
    initiative.refresh_from_db()
    assert columns(initiative) == (1_050_000, None, 100_000)
    costs.reconcile(
        initiative, {"budget": 1_250_000, "cost_to_date": 150_000}, by=office, horizon=10
    )
    assert lines_of(initiative) == [
        (2026, "investment", 800_000, 150_000, own_department.pk, ""),
        (2027, "investment", 400_000, None, own_department.pk, ""),
        (2027, "investment", 50_000, None, other_department.pk, ""),
    ]
    assert columns(initiative) == (1_250_000, None, 150_000)
    # Less than the other years hold: refused, nothing written.
    with pytest.raises(costs.CostError) as refused:
        costs.reconcile(initiative, {"budget": 300_000}, by=office, horizon=10)
    assert refused.value.field == "budget"
    assert columns(initiative) == (1_250_000, None, 150_000)


def test_a_new_running_cost_changes_this_year_and_later_and_keeps_other_payers(
    own_department, other_department, office
):
    initiative = make_initiative(own_department, planned_start=dt.date(THIS_YEAR - 2, 1, 1))
    lines = [
        costs.LineValues(THIS_YEAR - 1, "running", 100, None, own_department.pk, ""),
        costs.LineValues(THIS_YEAR, "running", 100, None, own_department.pk, ""),
        costs.LineValues(THIS_YEAR + 1, "running", 100, None, own_department.pk, ""),
        costs.LineValues(THIS_YEAR + 1, "running", 30, None, other_department.pk, ""),
    ]
    costs.cost_lines_save(
        initiative=initiative, lines=lines, opened_version=initiative.version, by=office
    )
    initiative.refresh_from_db()
    assert initiative.running_cost == 130  # the latest year, both payers
    costs.reconcile(initiative, {"running_cost": 200}, by=office, horizon=10)
    assert [
        (year, planned, payer) for year, _k, planned, _a, payer, _o in lines_of(initiative)
    ] == [
        (THIS_YEAR - 1, 100, own_department.pk),  # the past stays as it was
        (THIS_YEAR, 200, own_department.pk),
        (THIS_YEAR + 1, 170, own_department.pk),
        (THIS_YEAR + 1, 30, other_department.pk),
    ]
    assert columns(initiative)[1] == 200


# --- Saving the lines ----------------------------------------------------------------------------


def test_saving_lines_keeps_the_sums_and_a_second_identical_save_writes_nothing(
    own_department, office
):
    initiative = make_initiative(own_department)
    lines = [
        costs.LineValues(2026, "investment", 500, 200, own_department.pk, ""),
        costs.LineValues(2027, "running", 70, None, None, "Region Stockholm", "licens"),
    ]
    saved = costs.cost_lines_save(initiative=initiative, lines=lines, opened_version=1, by=office)
    assert saved.version == 2 and columns(initiative) == (500, 70, 200)
    history = CostLine.history.count()
    again = costs.cost_lines_save(initiative=initiative, lines=lines, opened_version=2, by=office)
    assert again.version == 2 and CostLine.history.count() == history


def test_a_stale_or_archived_initiative_refuses_the_lines(own_department, office):
    initiative = make_initiative(own_department)
    line = [costs.LineValues(2026, "investment", 500, None, own_department.pk, "")]
    costs.cost_lines_save(initiative=initiative, lines=line, opened_version=1, by=office)
    with pytest.raises(EditConflict):
        costs.cost_lines_save(initiative=initiative, lines=[], opened_version=1, by=office)
    assert len(lines_of(initiative)) == 1
    initiative_archive(initiative=initiative, by=office)
    initiative.refresh_from_db()
    with pytest.raises(InitiativeArchived):
        costs.cost_lines_save(
            initiative=initiative, lines=[], opened_version=initiative.version, by=office
        )


# --- The page: who may, what comes back ----------------------------------------------------------


def url(initiative):
    return reverse("initiatives:costs", args=[initiative.ref])


def form_data(version, rows, *, initial=0):
    data = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(initial),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "200",
        "version": str(version),
    }
    for n, row in enumerate(rows):
        for name, value in row.items():
            data[f"form-{n}-{name}"] = value
    return data


def a_line(department, **values):
    return {"year": "2026", "kind": "investment", "planned": "1 000 000", "actual": "",
            "payer": str(department.pk), "payer_other": "", "note": "", **values}  # fmt: skip


@pytest.mark.parametrize(
    "who, whose, allowed",
    [
        ("office", "own", True),
        ("office", "other", True),
        ("head", "own", True),
        ("head", "other", False),
        ("executive", "own", False),
        ("none", "own", False),
    ],
)
def test_who_may_edit_the_cost_lines(
    client_for, office, head, executive, own_initiative, other_initiative, who, whose, allowed
):
    user = {"office": office, "head": head, "executive": executive, "none": make_user()}[who]
    initiative = own_initiative if whose == "own" else other_initiative
    client = client_for(user)
    page = client.get(url(initiative))
    posted = client.post(url(initiative), form_data(1, [a_line(initiative.department)]))
    if allowed:
        assert page.status_code == 200 and posted.status_code == 302
        assert columns(initiative)[0] == 1_000_000
    else:
        assert page.status_code == posted.status_code == 403
        assert lines_of(initiative) == [] and columns(initiative) == (None, None, None)
    # The initiative page offers the edit only to those who may.
    detail = client.get(initiative.get_absolute_url())
    if who != "none":
        assert ("Edit the cost lines" in detail.text) == allowed


def test_an_anonymous_visitor_is_sent_to_log_in(client, own_initiative):
    response = client.get(url(own_initiative))
    assert response.status_code == 302 and "login" in response.url


@pytest.mark.parametrize(
    "row, field, message",
    [
        ({"year": "1800"}, "year", "greater than or equal to 1990"),
        ({"planned": "-5"}, "planned", "greater than or equal to 0"),
        ({"planned": "tusen"}, "planned", "whole number"),
        ({"payer": ""}, "payer_other", "name the other organisation"),
        ({"planned": "", "actual": ""}, "planned", "planned or an actual amount"),
        ({"kind": "bribe"}, "kind", "Select a valid choice"),
    ],
)
def test_a_bad_line_is_refused_with_its_reason_and_keeps_what_was_typed(
    client_for, office, own_initiative, row, field, message
):
    good = a_line(own_initiative.department, year="2027", note="behåll mig")
    bad = a_line(own_initiative.department, **row)
    response = client_for(office).post(url(own_initiative), form_data(1, [good, bad]))
    assert response.status_code == 422
    assert message in response.text
    assert "Nothing was saved" in response.text
    assert response.context["formset"].forms[1].errors[field]
    assert 'value="behåll mig"' in response.text  # the good line as typed
    assert lines_of(own_initiative) == []


def test_a_forged_number_of_lines_is_refused_not_a_500(client_for, office, own_initiative):
    data = form_data(1, [a_line(own_initiative.department)])
    data["form-TOTAL_FORMS"] = "100000"
    response = client_for(office).post(url(own_initiative), data)
    assert response.status_code == 422 and lines_of(own_initiative) == []


def test_a_stale_form_is_refused_with_the_lines_saved_now_and_yours_kept(
    client_for, office, head, own_initiative
):
    department = own_initiative.department
    # The head opens the form at version 1; the office saves a line meanwhile.
    client_for(office).post(url(own_initiative), form_data(1, [a_line(department, planned="7")]))
    mine = a_line(department, planned="123 456", note="min rad")
    response = client_for(head).post(url(own_initiative), form_data(1, [mine]))
    assert response.status_code == 409
    assert response.context["saved_now"][0].planned == 7
    assert 'value="min rad"' in response.text
    assert lines_of(own_initiative)[0][2] == 7  # nothing of the head's written
    # The form is now opened on the saved version: saving again replaces the lines.
    version = response.context["version"]
    again = client_for(head).post(url(own_initiative), form_data(version, [mine]))
    assert again.status_code == 302 and lines_of(own_initiative)[0][2] == 123_456


def test_htmx_edits_in_place_and_returns_the_business_case(client_for, head, own_initiative):
    client = client_for(head)
    headers = {"HX-Request": "true", "HX-Target": "business-case"}
    form = client.get(url(own_initiative), headers=headers)
    assert form.text.lstrip().startswith('<section id="business-case"')
    assert "Save the cost lines" in form.text
    saved = client.post(
        url(own_initiative), form_data(1, [a_line(own_initiative.department)]), headers=headers
    )
    assert saved.status_code == 200
    assert saved.text.lstrip().startswith('<section id="business-case"')
    assert "The cost lines were saved." in saved.text
    assert 'data-testid="business-case-table"' in saved.text


# --- The business case on the initiative page ---------------------------------------------------


def test_the_business_case_shows_hand_computed_figures(client_for, head, own_department):
    setting = PortfolioSetting.current()
    setting.discount_rate, setting.horizon_years = Decimal("0"), 10
    setting.save()
    initiative = make_initiative(own_department, planned_start=dt.date(2026, 1, 1))
    costs.cost_lines_save(
        initiative=initiative,
        lines=[costs.LineValues(2026, "investment", 1_000_000, None, own_department.pk, "")],
        opened_version=1,
        by=head,
    )
    # Baseline and target on the same day, 1 January 2026: 500 units × 1,000 SEK = 500,000 SEK a
    # year, all of 2026 … 2030 (a lifetime of 5 years), nothing from 2031 on; residents gain.
    make_benefit(
        initiative, baseline_value=Decimal("0"), target_value=Decimal("500"),
        baseline_date=dt.date(2026, 1, 1), target_date=dt.date(2026, 1, 1),
        sek_per_unit=Decimal("1000"), gainer="residents",
    )  # fmt: skip
    response = client_for(head).get(initiative.get_absolute_url())
    case = response.context["case"]
    # Rate 0: NPV = 5 × 500,000 − 1,000,000 = 1,500,000; BCR = 2,500,000 / 1,000,000 = 2.5;
    # cumulative −500,000 in 2026, 0 in 2027: paid back in 2027.
    assert case.npv == pytest.approx(1_500_000)
    assert case.bcr == pytest.approx(2.5)
    assert case.payback_year == 2027
    assert [row.benefit for row in case.years] == [500_000] * 5 + [0] * 6
    assert {actor.name: (actor.pays, actor.gains) for actor in case.actors} == {
        "Utbildningsförvaltningen": (1_000_000, 0),
        "Residents": (0, 2_500_000),
    }
    assert 'data-testid="npv">1,500,000<' in response.text
    assert 'data-testid="payback">2027<' in response.text
    assert 'id="chart-business-case"' in response.text
    # At 3.5 %: −1,000,000 + 500,000 × (1 + 1/1.035 + 1/1.035² + 1/1.035³ + 1/1.035⁴)
    # = −1,000,000 + 500,000 × 4.6730792 = 1,336,539.6.
    setting.discount_rate = Decimal("3.5")
    setting.save()
    case = client_for(head).get(initiative.get_absolute_url()).context["case"]
    assert case.npv == pytest.approx(1_336_539.6, abs=0.1)


def test_without_money_the_page_says_where_the_case_starts(client_for, head, own_initiative):
    response = client_for(head).get(own_initiative.get_absolute_url())
    assert "the business case starts with them" in response.text
    assert response.context["case_chart"] is None


def test_realised_money_follows_the_measurements(client_for, head, own_department):
    initiative = make_initiative(own_department, planned_start=dt.date(THIS_YEAR - 1, 1, 1))
    benefit = make_benefit(
        initiative, baseline_value=Decimal("0"), target_value=Decimal("100"),
        baseline_date=dt.date(THIS_YEAR - 1, 1, 1), target_date=dt.date(THIS_YEAR, 1, 1),
        sek_per_unit=Decimal("10"),
    )  # fmt: skip
    measure(benefit, dt.date(THIS_YEAR - 1, 6, 1), 40, head)
    case = client_for(head).get(initiative.get_absolute_url()).context["case"]
    realised = {row.year: row.realised_benefit for row in case.years}
    # The latest measurement by the end of each year × 10 SEK; nothing yet in the future.
    assert realised[THIS_YEAR - 1] == 400 and realised[THIS_YEAR] == 400
    assert realised[THIS_YEAR + 1] is None


# --- Money typed elsewhere becomes lines ---------------------------------------------------------


def test_a_new_initiatives_money_becomes_its_lines(client_for, office, own_department):
    response = client_for(office).post(
        reverse("initiatives:create"),
        {"title": "Ny e-tjänst", "kind": "eservice", "department": own_department.pk,
         "planned_start": "2026-02-01", "budget": "2 000 000", "cost_to_date": "50 000"},
    )  # fmt: skip
    assert response.status_code == 302
    initiative = Initiative.objects.get(title="Ny e-tjänst")
    assert lines_of(initiative) == [(2026, "investment", 2_000_000, 50_000, own_department.pk, "")]
    assert columns(initiative) == (2_000_000, None, 50_000)


def test_the_edit_form_no_longer_takes_money(client_for, office, own_initiative):
    response = client_for(office).get(reverse("initiatives:edit", args=[own_initiative.ref]))
    assert "budget" not in response.context["form"].fields
    assert 'data-testid="money-in-cost-lines"' in response.text


# --- The portfolio: NPV, BCR and payback of many initiatives at once ----------------------------


def make_case(department, n, head):
    """An initiative with cost lines in two years and two benefits (one a dis-benefit)."""
    initiative = make_initiative(department, planned_start=dt.date(2024 + n % 3, 1 + n % 12, 1))
    costs.cost_lines_save(
        initiative=initiative,
        lines=[
            costs.LineValues(
                2024 + n % 3, "investment", 100_000 * (n + 1), None, department.pk, ""
            ),
            costs.LineValues(2026 + n % 2, "running", 20_000 + n, None, department.pk, ""),
        ],
        opened_version=initiative.version,
        by=head,
    )
    make_benefit(
        initiative, baseline_date=dt.date(2024, 2, 29), target_date=dt.date(2026 + n % 4, 6, 30),
        sek_per_unit=Decimal(100 + n), lifetime_years=n % 6,
    )  # fmt: skip
    make_benefit(
        initiative, title="Licens", is_disbenefit=True, baseline_date=dt.date(2025, 1, 1),
        target_date=dt.date(2025, 1, 1), target_value=Decimal("10"), sek_per_unit=Decimal("5000"),
    )  # fmt: skip
    return initiative


def test_many_initiatives_at_once_give_each_ones_business_case(own_department, head):
    from portfolio import business_case

    initiatives = [make_case(own_department, n, head) for n in range(7)]
    initiatives.append(make_initiative(own_department, budget=500_000, running_cost=1_000))
    initiatives.append(make_initiative(own_department))  # no money at all
    found = business_case.figures_for([i.pk for i in initiatives])
    for initiative in initiatives:
        one = business_case.initiative_case(initiative)
        assert found[initiative.pk].npv == pytest.approx(one.npv, abs=0.01), initiative.ref
        assert found[initiative.pk].bcr == pytest.approx(one.bcr, abs=1e-9)
        assert found[initiative.pk].payback_year == one.payback_year


def test_the_ranking_shows_npv_bcr_and_payback_with_the_same_queries_for_few_and_many(
    client_for, executive, own_department, head, django_assert_num_queries
):
    from portfolio.models import Alignment, CouncilGoal

    goal = CouncilGoal.objects.create(title="Välfärd", weight=Decimal("1"), order=1)

    def add(count, start):
        for n in range(start, start + count):
            initiative = make_case(own_department, n, head)
            Alignment.objects.create(initiative=initiative, goal=goal, score=1 + n % 5)

    add(3, 0)
    client = client_for(executive)
    query = {"col": "economics"}
    client.get(reverse("portfolio:ranking"), query)
    # The ranking's queries (with the links' labels: 2) and four for the business cases of the page.
    with django_assert_num_queries(16) as few:
        first = client.get(reverse("portfolio:ranking"), query)
    assert 'data-testid="npv"' in first.text and "Payback year" in first.text
    add(40, 3)
    with django_assert_num_queries(len(few)):
        many = client.get(reverse("portfolio:ranking"), query)
    rows = [item.row for item in many.context["page"].object_list]
    assert all(row["economics"] is not None for row in rows)
    shown = {row["id"]: row["economics"] for row in rows}
    from portfolio import business_case

    assert shown == business_case.figures_for(list(shown))


def test_saving_many_lines_refreshes_the_dashboard_sums_once(
    own_initiative, own_department, head, monkeypatch
):
    from portfolio import figures

    figures.rebuild()
    refreshed = []
    real = figures.refresh
    monkeypatch.setattr(figures, "refresh", lambda ids: (refreshed.append(list(ids)), real(ids)))
    lines = [
        costs.LineValues(year=2026 + n, kind="running", planned=1000 * (n + 1), actual=None,
                         payer_id=own_department.pk, payer_other="")
        for n in range(10)
    ]  # fmt: skip
    costs.cost_lines_save(
        initiative=own_initiative, lines=lines, opened_version=own_initiative.version, by=head
    )
    assert refreshed == [[own_initiative.pk]]
    assert figures.check() == []
