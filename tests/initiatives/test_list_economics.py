"""The initiative list's optional column "NPV, BCR, payback year" (issue 14): the business case of
each initiative on the page, as the ranking shows it, in the same queries for few and many."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from initiatives import costs
from portfolio import business_case
from tests.benefits.factories import make_benefit
from tests.conftest import make_initiative

pytestmark = pytest.mark.django_db

URL = reverse("initiatives:list")


def make_case(department, n: int, head):
    start = 2024 + n % 3
    initiative = make_initiative(department, planned_start=dt.date(start, 1, 1))
    costs.cost_lines_save(
        initiative=initiative,
        lines=[
            costs.LineValues(start, "investment", 100_000 * (n + 1), None, department.pk, ""),
            costs.LineValues(2026, "running", 20_000 + n, None, department.pk, ""),
        ],
        opened_version=initiative.version,
        by=head,
    )
    make_benefit(
        initiative, baseline_date=dt.date(2024, 1, 1), target_date=dt.date(2025, 6, 30),
        sek_per_unit=Decimal(200 + n),
    )  # fmt: skip
    return initiative


def test_the_column_is_offered_but_not_shown_by_default(client_for, head, own_department):
    make_case(own_department, 1, head)
    page = client_for(head).get(URL)
    assert 'name="col" value="economics"' in page.text
    assert "Payback year" not in page.text
    assert 'data-testid="npv"' not in page.text


def test_the_column_shows_each_initiatives_npv_bcr_and_payback(client_for, head, own_department):
    initiatives = [make_case(own_department, n, head) for n in range(3)]
    bare = make_initiative(own_department)  # no money at all: NPV 0, no BCR
    page = client_for(head).get(URL, {"col": "economics"})
    assert page.status_code == 200
    assert "Payback year" in page.text and "Net present value (SEK)" in page.text
    shown = {i.pk: i.economics for i in page.context["page"].object_list}
    assert shown == business_case.figures_for([i.pk for i in [*initiatives, bare]])
    assert shown[bare.pk].bcr is None
    assert page.text.count('data-testid="npv"') == 4


def test_the_fragment_keeps_the_column(client_for, head, own_department):
    make_case(own_department, 1, head)
    page = client_for(head).get(
        URL, {"col": "economics"}, headers={"HX-Request": "true", "HX-Target": "initiative-table"}
    )
    assert 'data-testid="npv"' in page.text
    assert "<html" not in page.text


def test_the_column_takes_the_same_queries_for_few_and_many(
    client_for, head, own_department, django_assert_num_queries
):
    for n in range(2):
        make_case(own_department, n, head)
    client = client_for(head)
    query = {"col": "economics"}
    client.get(URL, query)
    with django_assert_num_queries(12) as few:
        client.get(URL, query)
    for n in range(2, 40):
        make_case(own_department, n, head)
    with django_assert_num_queries(len(few)):
        page = client.get(URL, query)
    assert page.text.count('data-testid="npv"') == 25
