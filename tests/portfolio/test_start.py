import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from benefits.models import Benefit
from initiatives.models import Initiative, StageChange
from organisation.signals import PREVIOUS_LOGIN
from portfolio.models import ImportBatch
from tests.benefits.factories import make_benefit
from tests.conftest import make_department, make_initiative, make_update, make_user

URL = reverse("portfolio:start")
TODAY = timezone.localdate()


def _as_office(client_for, office, previous_login=None):
    client = client_for(office)
    session = client.session
    session[PREVIOUS_LOGIN] = previous_login.isoformat() if previous_login else None
    session.save()
    return client


def _propose(initiative, by):
    return StageChange.objects.create(
        initiative=initiative,
        from_stage="pilot",
        to_stage="scaling",
        reason="The pilot worked.",
        status="proposed",
        proposed_by=by,
    )


def _section(body: str, heading_id: str) -> str:
    """The part of the page under one of its three headings."""
    return body.split(f'id="{heading_id}"')[1].split("</section>")[0]


def _touch(model, obj, when):
    model.objects.filter(pk=obj.pk).update(updated_at=when)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "expected"),
    [("office", 200), ("head", 403), ("executive", 403), ("no role", 403), ("anonymous", 302)],
)
def test_only_the_office_may_open_the_start_page(client_for, users_by_role, who, expected):
    user = users_by_role.get(who) or (make_user() if who == "no role" else None)
    assert client_for(user).get(URL).status_code == expected


@pytest.mark.django_db
@pytest.mark.parametrize("department", ["own", "other"])
def test_a_head_is_refused_whichever_department_the_items_belong_to(
    client_for, head, office, own_initiative, other_initiative, department
):
    initiative = own_initiative if department == "own" else other_initiative
    _propose(initiative, office)
    assert client_for(head).get(URL).status_code == 403


@pytest.mark.django_db
def test_it_lists_pending_stage_proposals_with_a_link_to_decide_them(
    client_for, office, head, own_initiative
):
    _propose(own_initiative, head)
    decided = make_initiative(title="Already decided")
    StageChange.objects.create(
        initiative=decided, from_stage="idea", to_stage="pilot", reason="r",
        status="approved", proposed_by=head,
    )  # fmt: skip
    body = _as_office(client_for, office).get(URL).content.decode()
    assert own_initiative.title in body
    assert own_initiative.get_absolute_url() in body
    assert reverse("initiatives:proposals") in body
    assert "Already decided" not in _section(body, "waiting-heading")


@pytest.mark.django_db
def test_it_lists_pilots_past_their_planned_end_but_not_running_or_scaled_ones(client_for, office):
    yesterday = TODAY - dt.timedelta(days=1)
    make_initiative(title="Late pilot", stage="pilot", planned_end=yesterday)
    make_initiative(title="Running pilot", stage="pilot", planned_end=TODAY + dt.timedelta(1))
    make_initiative(title="Scaled one", stage="scaling", planned_end=yesterday)
    body = _section(_as_office(client_for, office).get(URL).content.decode(), "waiting-heading")
    assert "Late pilot" in body
    assert "Running pilot" not in body
    assert "Scaled one" not in body


@pytest.mark.django_db
def test_it_lists_imports_uploaded_but_not_applied_with_a_link_to_their_preview(client_for, office):
    waiting = ImportBatch.objects.create(kind="initiatives", filename="waiting.xlsx",
                                         uploaded_by=office)  # fmt: skip
    ImportBatch.objects.create(kind="benefits", filename="done.xlsx", uploaded_by=office,
                               applied_at=timezone.now(), applied_by=office)  # fmt: skip
    body = _as_office(client_for, office).get(URL).content.decode()
    assert "waiting.xlsx" in body
    assert reverse("portfolio:import_preview", args=[waiting.pk]) in body
    assert "done.xlsx" not in body


@pytest.mark.django_db
def test_it_lists_initiatives_without_an_update_in_30_days_and_benefits_due(
    client_for, office, head
):
    stale = make_initiative(title="Stale one")
    make_update(stale, head, days_ago=40)
    fresh = make_initiative(title="Fresh one")
    make_update(fresh, head, days_ago=3)
    make_benefit(fresh, title="Never measured hours")  # baseline 200 days ago: due
    body = _section(_as_office(client_for, office).get(URL).content.decode(), "overdue-heading")
    initiatives, benefits = body.split("Benefits due for a measurement")
    assert "Stale one" in initiatives
    assert "Fresh one" not in initiatives
    assert "Never measured hours" in benefits


@pytest.mark.django_db
def test_it_lists_what_changed_since_the_previous_login(client_for, office):
    previous = timezone.now() - dt.timedelta(days=2)
    old = make_initiative(title="Untouched since")
    _touch(Initiative, old, previous - dt.timedelta(days=1))
    new = make_initiative(title="Edited yesterday")
    benefit = make_benefit(new, title="Edited benefit")
    old_benefit = make_benefit(old, title="Old benefit")
    _touch(Benefit, old_benefit, previous - dt.timedelta(days=1))
    body = _as_office(client_for, office, previous).get(URL).content.decode()
    changed = _section(body, "changed-heading")
    assert "Edited yesterday" in changed
    assert benefit.title in changed
    assert "Untouched since" not in changed
    assert "Old benefit" not in changed


@pytest.mark.django_db
def test_at_a_first_login_it_says_changes_come_from_the_next_visit(client_for, office):
    body = _as_office(client_for, office).get(URL).content.decode()
    assert "This is your first login" in body


@pytest.mark.django_db
def test_archived_initiatives_are_not_listed_as_changed(client_for, office):
    previous = timezone.now() - dt.timedelta(days=2)
    make_initiative(title="Archived one", archived_at=timezone.now())
    body = _as_office(client_for, office, previous).get(URL).content.decode()
    assert "Archived one" not in body


def _portfolio(rows: int, office: User) -> None:
    department = make_department()
    head = make_user("department_head", department)
    yesterday = TODAY - dt.timedelta(days=1)
    for n in range(rows):
        pilot = make_initiative(department, stage="pilot", planned_end=yesterday)
        make_update(pilot, head, days_ago=40)
        make_benefit(pilot, title=f"Benefit {n}")
        _propose(pilot, head)
        ImportBatch.objects.create(kind="initiatives", filename=f"{n}.xlsx", uploaded_by=office)


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [2, 60])
def test_the_start_page_costs_the_same_queries_for_few_and_many_rows(
    client_for, office, django_assert_num_queries, rows
):
    _portfolio(rows, office)
    client = _as_office(client_for, office, timezone.now() - dt.timedelta(days=1))
    client.get(URL)  # warm the session and the user
    # session, user, role; proposals, pilots, imports, overdue, hourly rate, due benefits,
    # changed initiatives, changed benefits
    with django_assert_num_queries(11):
        response = client.get(URL)
    assert response.status_code == 200
