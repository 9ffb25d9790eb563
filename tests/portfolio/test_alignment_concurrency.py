"""Two first-time scores for one goal at once, and goal forms sent twice: one row, no 500."""

from decimal import Decimal
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from portfolio import services
from portfolio.forms import AlignmentForm
from portfolio.models import Alignment, CouncilGoal
from tests.benefits.concurrency import at_once, in_thread, threads_wait_for_locks, together_after
from tests.conftest import make_user


@pytest.fixture
def goal(db):
    return CouncilGoal.objects.create(title="A green, fossil-free city", weight=Decimal(1))


@pytest.fixture
def colleague(db):
    return make_user("office", username="colleague")


def post_score(client, initiative, goal, score, reason=""):
    prefix = f"g{goal.pk}"
    return client.post(
        reverse("portfolio:alignment_set", args=[initiative.ref, goal.pk]),
        {f"{prefix}-score": score, f"{prefix}-reason": reason},
        headers={"HX-Request": "true", "HX-Target": "goals"},
    )


def test_a_first_score_inserted_by_a_writer_without_the_lock_is_updated_not_a_500(
    office, colleague, own_initiative, goal
):
    # A writer that does not take the initiative's lock (an import) stores a first score between
    # the service's check and its insert: the unique constraint refuses the insert, and the
    # service updates that row instead (the later save wins, as for any edit of a score).
    services.alignment_set(initiative=own_initiative, goal=goal, score=1, by=colleague)
    real_check, missed = services._score_of, []

    def check_too_early(initiative, goal):
        if not missed:
            missed.append(True)
            return None
        return real_check(initiative, goal)

    with mock.patch.object(services, "_score_of", check_too_early):
        services.alignment_set(
            initiative=own_initiative, goal=goal, score=4, reason="Less driving", by=office
        )
    alignment = Alignment.objects.get()
    assert (alignment.score, alignment.reason, alignment.updated_by) == (4, "Less driving", office)


def test_a_first_score_saved_after_the_form_was_checked_is_updated_not_a_500(
    client_for, office, colleague, own_initiative, goal
):
    # What the second of two simultaneous first scores sees once the first one has saved.
    original = AlignmentForm.is_valid

    def valid_then_scored(form):
        valid = original(form)
        services.alignment_set(initiative=own_initiative, goal=goal, score=1, by=colleague)
        return valid

    with mock.patch.object(AlignmentForm, "is_valid", valid_then_scored):
        response = post_score(client_for(office), own_initiative, goal, 4, "Less driving")
    assert response.status_code == 200
    alignment = Alignment.objects.get()
    assert (alignment.score, alignment.reason, alignment.updated_by) == (4, "Less driving", office)
    assert alignment.history.count() == 2  # the colleague's score, then this one


@pytest.mark.django_db(transaction=True)
def test_two_first_scores_at_once_leave_one_row_with_the_later_score(
    own_initiative, office, colleague, goal, tmp_path
):
    clients = []
    for user in (office, colleague):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients.append(client)
    with threads_wait_for_locks(tmp_path), together_after(AlignmentForm, "is_valid"):
        responses = at_once(
            lambda: post_score(clients[0], own_initiative, goal, 2, "mine"),
            lambda: post_score(clients[1], own_initiative, goal, 5, "theirs"),
        )
        stored = in_thread(lambda: list(Alignment.objects.all()))
        history = in_thread(lambda: list(Alignment.history.order_by("history_date")))
    assert [response.status_code for response in responses] == [200, 200]
    (alignment,) = stored
    assert (alignment.score, alignment.reason) in {(2, "mine"), (5, "theirs")}
    assert [entry.history_type for entry in history] == ["+", "~"]
    assert (history[-1].score, history[-1].reason) == (alignment.score, alignment.reason)


def test_the_same_score_sent_twice_records_one_change(client_for, office, own_initiative, goal):
    client = client_for(office)
    for _ in range(2):
        assert post_score(client, own_initiative, goal, 3, "Fewer trips").status_code == 200
    assert Alignment.objects.get().score == 3
    assert Alignment.history.count() == 1


GOAL_DATA = {"title": "A cohesive city", "weight": "1", "order": "1", "active": "on"}


def test_adding_the_same_goal_twice_adds_it_once_and_says_so(client_for, office):
    client = client_for(office)
    assert client.post(reverse("portfolio:goal_create"), GOAL_DATA).status_code == 302
    second = client.post(reverse("portfolio:goal_create"), GOAL_DATA)
    assert second.status_code == 422
    assert "There is already a goal called “A cohesive city”." in second.text
    assert CouncilGoal.objects.filter(title="A cohesive city").count() == 1


def test_saving_a_goal_twice_records_one_change(client_for, office, goal):
    client = client_for(office)
    url = reverse("portfolio:goal_edit", args=[goal.pk])
    for _ in range(2):
        assert client.post(url, {**GOAL_DATA, "weight": "2"}).status_code == 302
    assert goal.history.count() == 2  # created, reweighted


def test_saving_the_ahp_weights_twice_records_one_change_per_goal(client_for, office, goal):
    other = CouncilGoal.objects.create(title="A cohesive city", weight=Decimal(1), order=1)
    client = client_for(office)
    data = {f"p_{goal.pk}_{other.pk}": "3", "action": "save"}
    for _ in range(2):
        assert client.post(reverse("portfolio:ahp"), data).status_code == 302
    goal.refresh_from_db()
    assert goal.weight == Decimal("0.75")
    assert goal.history.count() == 2 and other.history.count() == 2
