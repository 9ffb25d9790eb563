"""Benefits after the project: the hand-over at closure, the follow-up, the closing review; who
may do each (the matrix: role × own/other department × action, and the benefit owner), and
what two people or two clicks at once leave behind."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from benefits import services
from benefits.forms import ClosingReviewForm, HandOverForm
from benefits.models import FOLLOW_UP_AT_LEAST, Benefit, FollowUp, Measurement
from initiatives.models import Outcome, Stage
from tests.benefits.concurrency import at_once, in_thread, threads_wait_for_locks, together_after
from tests.benefits.factories import TODAY, make_benefit, measure
from tests.conftest import make_initiative, make_user

pytestmark = pytest.mark.django_db

ROLES = ["office", "head", "executive", "no_role", "owner", "anonymous"]
YEAR_ON = TODAY + FOLLOW_UP_AT_LEAST


def close(initiative, outcome=Outcome.COMPLETED):
    initiative.stage = Stage.CLOSED
    initiative.outcome = outcome
    initiative.save()
    return initiative


@pytest.fixture
def line_manager(db):
    """A benefit owner in line management, without any role."""
    return make_user(None, username="linjechef")


@pytest.fixture
def people(office, head, executive, line_manager):
    return {
        "office": office,
        "head": head,
        "executive": executive,
        "no_role": make_user(None, username="norole"),
        "owner": line_manager,
        "anonymous": None,
    }


@pytest.fixture
def closed(own_initiative, other_initiative, line_manager):
    """A closed-as-completed initiative in the head's own department and one in another, each
    with a benefit owned by the line manager."""
    result = {}
    for key, initiative in (("own", own_initiative), ("other", other_initiative)):
        close(initiative)
        result[key] = make_benefit(initiative, owner=line_manager)
    return result


def client_of(user) -> Client:
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)
    return client


def handover_data(benefit, owner, until=YEAR_ON) -> dict:
    return {f"b{benefit.pk}-owner": owner.pk, f"b{benefit.pk}-follow_up_until": until.isoformat()}


def review_data(value="350", outcome="partly", why="Fewer cases than planned.", on=TODAY):
    return {"date": on.isoformat(), "value": value, "outcome": outcome, "review_text": why}


def hand_over(benefit, owner, by, until=YEAR_ON):
    entry = services.HandOver(benefit.pk, owner.pk, until)
    services.handover(initiative=benefit.initiative, entries=[entry], by=by)
    benefit.refresh_from_db()
    return benefit


# The states ---------------------------------------------------------------------------------


def test_a_benefit_moves_from_the_project_through_the_hand_over_to_its_closing_review(
    own_initiative, head, line_manager
):
    benefit = make_benefit(own_initiative)
    assert benefit.follow_up_state() == FollowUp.PROJECT
    close(own_initiative)
    assert benefit.follow_up_state(own_initiative) == FollowUp.HANDOVER
    hand_over(benefit, line_manager, head)
    assert benefit.follow_up_state() == FollowUp.AFTER
    assert (benefit.owner, benefit.follow_up_until, benefit.handed_over_by) == (
        line_manager,
        YEAR_ON,
        head,
    )
    services.closing_review(
        benefit=benefit,
        date=TODAY,
        value=Decimal(350),
        outcome="partly",
        review_text="Fewer cases than planned.",
        by=line_manager,
    )
    benefit.refresh_from_db()
    assert benefit.follow_up_state() == FollowUp.REVIEWED
    assert benefit.closing_measurement.value == 350
    assert (benefit.latest_value, benefit.review_outcome) == (350, "partly")
    assert Benefit.objects.followed_up().count() == 0
    assert list(Benefit.objects.after_project()) == [benefit]


def test_a_stopped_initiatives_benefits_are_neither_handed_over_nor_followed(own_initiative):
    benefit = make_benefit(own_initiative)
    close(own_initiative, Outcome.STOPPED)
    assert benefit.follow_up_state(own_initiative) == FollowUp.STOPPED
    assert not Benefit.objects.followed_up().exists()
    assert not Benefit.objects.after_project().exists()


def test_the_default_follow_up_lasts_until_the_target_and_at_least_a_year(own_initiative):
    soon = make_benefit(own_initiative, target_date=TODAY + dt.timedelta(days=30))
    late = make_benefit(own_initiative, title="Late", target_date=TODAY + dt.timedelta(days=900))
    assert soon.default_follow_up_until(TODAY) == YEAR_ON
    assert late.default_follow_up_until(TODAY) == TODAY + dt.timedelta(days=900)


# The hand-over form -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "until", "message"),
    [
        (30, TODAY + dt.timedelta(days=100), "Follow the benefit up for at least a year"),
        (500, TODAY + dt.timedelta(days=400), "cannot end before the benefit"),
        (30, None, "Give the date the follow-up ends."),
        (30, dt.date(9999, 1, 1), "Ensure this value is less than or equal to"),
    ],
)
def test_the_hand_over_refuses_a_short_follow_up_and_keeps_what_was_typed(
    client_for, office, line_manager, own_initiative, target, until, message
):
    close(own_initiative)
    benefit = make_benefit(own_initiative, target_date=TODAY + dt.timedelta(days=target))
    data = handover_data(benefit, line_manager, until or TODAY)
    if until is None:
        data[f"b{benefit.pk}-follow_up_until"] = ""
    response = client_for(office).post(
        reverse("benefits:handover", args=[own_initiative.ref]), data
    )
    assert response.status_code == 422
    assert message in response.text
    assert f'<option value="{line_manager.pk}" selected>' in response.text
    benefit.refresh_from_db()
    assert benefit.handed_over_at is None and benefit.owner is None


def test_the_hand_over_needs_an_owner_for_every_benefit_and_writes_all_or_nothing(
    client_for, office, line_manager, own_initiative
):
    close(own_initiative)
    first = make_benefit(own_initiative, title="A")
    second = make_benefit(own_initiative, title="B")
    data = handover_data(first, line_manager)
    data[f"b{second.pk}-follow_up_until"] = YEAR_ON.isoformat()
    response = client_for(office).post(
        reverse("benefits:handover", args=[own_initiative.ref]), data
    )
    assert response.status_code == 422
    assert "Choose who follows the benefit up after the project." in response.text
    assert not Benefit.objects.filter(handed_over_at__isnull=False).exists()


def test_closing_as_completed_leads_to_the_hand_over_and_it_hands_over(
    client_for, office, line_manager, own_initiative
):
    benefit = make_benefit(own_initiative)
    client = client_for(office)
    response = client.post(
        reverse("initiatives:stage", args=[own_initiative.ref]),
        {"to_stage": "closed", "outcome": "completed", "reason": "Done and in operation."},
    )
    handover_url = reverse("benefits:handover", args=[own_initiative.ref])
    assert response.status_code == 302 and response.url == handover_url
    page = client.get(handover_url)
    assert page.status_code == 200
    # The follow-up date is proposed: the target date, or a year on.
    assert f'value="{benefit.default_follow_up_until().isoformat()}"' in page.text
    response = client.post(handover_url, handover_data(benefit, line_manager))
    assert response.status_code == 302
    benefit.refresh_from_db()
    assert benefit.follow_up_state() == FollowUp.AFTER and benefit.owner == line_manager
    detail = client.get(own_initiative.get_absolute_url())
    assert detail.context["after_project"] == {
        "waiting": 0,
        "following": 1,
        "reviewed": 0,
        "can_hand_over": True,
    }


def test_a_second_hand_over_is_refused_and_names_what_is_there(
    client_for, office, head, line_manager, own_initiative
):
    close(own_initiative)
    benefit = make_benefit(own_initiative)
    url = reverse("benefits:handover", args=[own_initiative.ref])
    client = client_for(office)
    # Both opened the form; the head handed over first, with another owner.
    original = HandOverForm.is_valid

    def valid_then_handed_over(form):
        valid = original(form)
        if Benefit.objects.get(pk=benefit.pk).handed_over_at is None:
            hand_over(benefit, head, head)
        return valid

    from unittest import mock

    with mock.patch.object(HandOverForm, "is_valid", valid_then_handed_over):
        response = client.post(url, handover_data(benefit, line_manager))
    assert response.status_code == 409
    assert "handed over by someone else" in response.text
    benefit.refresh_from_db()
    assert benefit.owner == head  # the first one's choice stands


@pytest.mark.django_db(transaction=True)
def test_two_hand_overs_at_once_write_once(own_department, tmp_path):
    office = make_user("office", username="office1")
    head = make_user("department_head", own_department, username="head1")
    manager = make_user(None, username="manager1")
    initiative = close(make_initiative(own_department))
    benefit = make_benefit(initiative)
    url = reverse("benefits:handover", args=[initiative.ref])
    clients = [client_of(office), client_of(head)]
    with threads_wait_for_locks(tmp_path), together_after(HandOverForm, "is_valid"):
        responses = at_once(
            lambda: clients[0].post(url, handover_data(benefit, manager)),
            lambda: clients[1].post(url, handover_data(benefit, head)),
        )
        stored = in_thread(lambda: Benefit.history.filter(id=benefit.pk).count())
    assert sorted(response.status_code for response in responses) == [302, 409]
    assert stored == 2  # created, handed over once


# The closing review -------------------------------------------------------------------------


def test_the_closing_review_records_the_measurement_and_the_verdict(
    client_for, head, line_manager, own_initiative
):
    close(own_initiative)
    benefit = hand_over(make_benefit(own_initiative, owner=line_manager), line_manager, head)
    client = client_for(line_manager)
    url = reverse("benefits:review", args=[benefit.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, review_data())
    assert response.status_code == 302 and response.url == reverse("benefits:mine")
    benefit.refresh_from_db()
    assert benefit.reviewed_by == line_manager and benefit.review_text.startswith("Fewer")
    # A second click, or a second tab: told it has ended, nothing written twice.
    again = client.post(url, review_data(value="999"))
    assert again.status_code == 200
    assert "The follow-up has ended" in again.text
    assert Measurement.objects.filter(benefit=benefit).count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"outcome": ""}, "Say whether the benefit was realised."),
        ({"why": ""}, "Say in a sentence or two why."),
        ({"value": "lots"}, "Enter a number."),
        ({"on": TODAY + dt.timedelta(days=3)}, "A measurement cannot be in the future."),
    ],
)
def test_a_bad_closing_review_says_why_and_keeps_what_was_typed(
    client_for, head, line_manager, own_initiative, change, message
):
    close(own_initiative)
    benefit = hand_over(make_benefit(own_initiative, owner=line_manager), line_manager, head)
    data = review_data(**change)
    response = client_for(line_manager).post(reverse("benefits:review", args=[benefit.pk]), data)
    assert response.status_code == 422
    assert message in response.text
    if change.get("why") is None:
        assert "Fewer cases than planned." in response.text
    benefit.refresh_from_db()
    assert benefit.reviewed_at is None and not Measurement.objects.exists()


def test_a_closing_value_that_differs_from_a_measurement_on_the_date_is_refused(
    client_for, head, line_manager, own_initiative
):
    close(own_initiative)
    benefit = hand_over(make_benefit(own_initiative, owner=line_manager), line_manager, head)
    measure(benefit, TODAY, 300, head)
    url = reverse("benefits:review", args=[benefit.pk])
    response = client_for(line_manager).post(url, review_data(value="350"))
    assert response.status_code == 422
    assert "There is already a measurement on this date" in response.text.replace("\xa0", " ")
    # The same value: that measurement closes the follow-up.
    response = client_for(line_manager).post(url, review_data(value="300"))
    assert response.status_code == 302
    benefit.refresh_from_db()
    assert benefit.closing_measurement.recorded_by == head


def test_a_review_before_the_hand_over_is_refused(head, line_manager, own_initiative):
    close(own_initiative)
    benefit = make_benefit(own_initiative, owner=line_manager)
    with pytest.raises(services.NotHandedOver):
        services.closing_review(
            benefit=benefit, date=TODAY, value=Decimal(1), outcome="realised",
            review_text="x", by=head,
        )  # fmt: skip
    assert not Measurement.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_closing_reviews_at_once_end_the_follow_up_once(own_department, tmp_path):
    head = make_user("department_head", own_department, username="head2")
    manager = make_user(None, username="manager2")
    initiative = close(make_initiative(own_department))
    benefit = hand_over(make_benefit(initiative, owner=manager), manager, head)
    url = reverse("benefits:review", args=[benefit.pk])
    clients = [client_of(head), client_of(manager)]
    with threads_wait_for_locks(tmp_path), together_after(ClosingReviewForm, "is_valid"):
        responses = at_once(
            lambda: clients[0].post(url, review_data(value="300", outcome="realised")),
            lambda: clients[1].post(url, review_data(value="300", outcome="partly")),
        )
        stored = in_thread(
            lambda: (Measurement.objects.count(), Benefit.history.filter(id=benefit.pk).count())
        )
    assert sorted(response.status_code for response in responses) == [302, 409]
    refused = next(response for response in responses if response.status_code == 409)
    assert "already ended by" in refused.text
    assert stored == (1, 3)  # one measurement; created, handed over, reviewed


# Who may do what ----------------------------------------------------------------------------


@pytest.mark.parametrize("department", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
def test_the_hand_over_follows_the_matrix(people, closed, role, department):
    benefit = closed[department]
    allowed = {"office", "head"} if department == "own" else {"office"}
    client = client_of(people[role])
    url = reverse("benefits:handover", args=[benefit.initiative.ref])
    response = client.post(url, handover_data(benefit, people["owner"]))
    if role == "anonymous":
        assert response.status_code == 302 and "/login/" in response.url
    else:
        assert response.status_code == (302 if role in allowed else 403)
    benefit.refresh_from_db()
    assert (benefit.handed_over_at is not None) == (role in allowed)


@pytest.mark.parametrize("department", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
def test_the_closing_review_follows_the_matrix(people, closed, head, role, department):
    benefit = hand_over(closed[department], people["owner"], head)
    # The benefit's owner reviews it, role or not; otherwise the initiative's editors.
    allowed = {"office", "owner"} | ({"head"} if department == "own" else set())
    client = client_of(people[role])
    response = client.post(reverse("benefits:review", args=[benefit.pk]), review_data())
    if role == "anonymous":
        assert response.status_code == 302 and "/login/" in response.url
    else:
        assert response.status_code == (302 if role in allowed else 403)
    benefit.refresh_from_db()
    assert (benefit.reviewed_at is not None) == (role in allowed)


def test_nothing_is_handed_over_or_reviewed_while_the_initiative_runs_or_when_stopped(
    client_for, office, line_manager, own_initiative
):
    benefit = make_benefit(own_initiative, owner=line_manager)
    client = client_for(office)
    url = reverse("benefits:handover", args=[own_initiative.ref])
    assert client.post(url, handover_data(benefit, line_manager)).status_code == 403
    close(own_initiative, Outcome.STOPPED)
    assert client.post(url, handover_data(benefit, line_manager)).status_code == 403
    review = reverse("benefits:review", args=[benefit.pk])
    assert client.post(review, review_data()).status_code == 403
    assert not Benefit.objects.filter(handed_over_at__isnull=False).exists()


def test_an_archived_initiatives_benefits_are_out_of_reach(
    client_for, office, head, line_manager, own_initiative
):
    close(own_initiative)
    benefit = hand_over(make_benefit(own_initiative, owner=line_manager), line_manager, head)
    own_initiative.archived_at = timezone.now()
    own_initiative.save()
    assert client_for(line_manager).get(reverse("benefits:mine")).context["items"] == []
    response = client_for(line_manager).post(
        reverse("benefits:review", args=[benefit.pk]), review_data()
    )
    assert response.status_code == 403
    response = client_for(office).post(reverse("benefits:review", args=[benefit.pk]), review_data())
    assert response.status_code == 403


# My benefits --------------------------------------------------------------------------------


def test_a_line_manager_without_a_role_lands_on_their_benefits(client_for, closed, line_manager):
    client = client_for(line_manager)
    response = client.get("/")
    assert response.status_code == 302 and response.url == reverse("benefits:mine")
    page = client.get(reverse("benefits:mine"))
    assert {item["benefit"].pk for item in page.context["items"]} == {
        closed["own"].pk,
        closed["other"].pk,
    }
    # The rest of the portfolio stays closed to them.
    assert client.get(reverse("initiatives:list")).status_code == 403
    assert client.get(closed["own"].initiative.get_absolute_url()).status_code == 403
    # Someone else without a role and without benefits is told whom to ask.
    assert "no role yet" in client_for(make_user(None)).get("/").text


def test_my_benefits_lists_only_what_is_still_followed_up(
    client_for, head, line_manager, own_initiative, other_department
):
    running = make_benefit(make_initiative(other_department), owner=line_manager, title="Run")
    close(own_initiative)
    done = hand_over(
        make_benefit(own_initiative, owner=line_manager, title="Done"), line_manager, head
    )
    done.reviewed_at = timezone.now()
    done.save()
    stopped = close(make_initiative(other_department), Outcome.STOPPED)
    make_benefit(stopped, owner=line_manager, title="Stopped")
    make_benefit(own_initiative, owner=head, title="Someone else's")
    page = client_for(line_manager).get(reverse("benefits:mine"))
    assert [item["benefit"].title for item in page.context["items"]] == [running.title]


def test_a_measurement_from_my_benefits_comes_back_into_the_row(client_for, closed, line_manager):
    benefit = closed["own"]
    prefix = f"m{benefit.pk}"
    response = client_for(line_manager).post(
        reverse("benefits:measurement_create", args=[benefit.pk]),
        {f"{prefix}-date": TODAY.isoformat(), f"{prefix}-value": "120", "from": "mine"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert (
        f'id="benefit-{benefit.pk}"' in response.text and "Measurement recorded." in response.text
    )
    assert "<html" not in response.text


def test_my_benefits_costs_the_same_queries_for_3_and_60_benefits(
    client_for, line_manager, other_department, django_assert_num_queries
):
    def add(n):
        for _ in range(n):
            initiative = make_initiative(other_department)
            benefit = make_benefit(initiative, owner=line_manager)
            measure(benefit, TODAY - dt.timedelta(days=5), 10, line_manager)

    client = client_for(line_manager)
    add(3)
    client.get(reverse("benefits:mine"))  # warm: the session, the hourly rate row
    with django_assert_num_queries(7) as few:
        client.get(reverse("benefits:mine"))
    add(57)
    with django_assert_num_queries(len(few)):
        client.get(reverse("benefits:mine"))


def test_the_hand_over_page_costs_the_same_queries_for_2_and_40_benefits(
    client_for, office, own_initiative, django_assert_num_queries
):
    close(own_initiative)
    for n in range(2):
        make_benefit(own_initiative, title=f"B{n}")
    client = client_for(office)
    url = reverse("benefits:handover", args=[own_initiative.ref])
    client.get(url)
    with django_assert_num_queries(6) as few:
        client.get(url)
    for n in range(2, 40):
        make_benefit(own_initiative, title=f"B{n}")
    with django_assert_num_queries(len(few)):
        client.get(url)


def test_the_check_in_shows_hand_overs_waiting_and_reviews_due(
    client_for, head, line_manager, own_initiative, other_department
):
    close(own_initiative)
    benefit = make_benefit(own_initiative, owner=head, target_date=TODAY - dt.timedelta(days=30))
    page = client_for(head).get(reverse("initiatives:check_in"))
    assert [row["ref"] for row in page.context["handovers"]] == [own_initiative.ref]
    hand_over(benefit, head, head)
    Benefit.objects.filter(pk=benefit.pk).update(follow_up_until=TODAY)
    page = client_for(head).get(reverse("initiatives:check_in"))
    assert page.context["handovers"] == []
    (item,) = page.context["due_benefits"]
    assert item["benefit"].pk == benefit.pk and item["review_due"]
    assert reverse("benefits:review", args=[benefit.pk]) in page.text


def test_a_benefit_handed_over_while_the_form_was_open_refuses_the_whole_form(
    client_for, office, head, line_manager, own_initiative
):
    close(own_initiative)
    first = make_benefit(own_initiative, title="A")
    second = make_benefit(own_initiative, title="B")
    hand_over(first, head, head)  # someone else, after the office opened the form for both
    data = {**handover_data(first, line_manager), **handover_data(second, line_manager)}
    response = client_for(office).post(
        reverse("benefits:handover", args=[own_initiative.ref]), data
    )
    assert response.status_code == 409
    assert "handed over by someone else" in response.text and "“A”" in response.text
    assert f'<option value="{line_manager.pk}" selected>' in response.text  # B's choice kept
    second.refresh_from_db()
    assert second.handed_over_at is None
    first.refresh_from_db()
    assert first.owner == head
