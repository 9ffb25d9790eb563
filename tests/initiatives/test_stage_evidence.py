"""The stage proposals page shows what a decision rests on; a stage decision can carry the
registry number (diarienummer) and a link to the committee's minutes."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from initiatives import services
from initiatives.models import StageChange
from tests.benefits.factories import make_benefit, measure
from tests.conftest import make_initiative, make_lesson, make_update

PROPOSALS = reverse("initiatives:proposals")
MINUTES = "https://example.se/ks/2026-11-24/protokoll.pdf"


def decide_url(change: StageChange) -> str:
    return reverse("initiatives:stage_decide", args=[change.initiative.ref, change.pk])


def stage_url(initiative) -> str:
    return reverse("initiatives:stage", args=[initiative.ref])


@pytest.fixture
def pilot(own_department, head):
    """A pilot with every kind of evidence, proposed for scaling."""
    initiative = make_initiative(
        own_department,
        ref="DIG-2026-010",
        title="Chatbot för vårdnadshavare",
        stage="pilot",
        hypothesis="Half of the phone questions can be answered by the bot.",
        stop_criteria="Fewer than one in five answers are right.",
        budget=400_000,
        cost_to_date=300_000,
    )
    behind = make_benefit(initiative, title="Answered questions", unit="%")
    today = timezone.localdate()
    measure(behind, today - dt.timedelta(days=10), 40, by=head)  # plan today: about 200
    make_benefit(initiative, title="Shorter phone queues", unit="min")  # not measured
    make_update(initiative, head, days_ago=20, health="green", summary="Started in two schools.")
    make_update(initiative, head, days_ago=2, health="amber", summary="Parents ask in Arabic.")
    make_lesson(initiative, head, kind="did_not_work", text="Translate the answers first.")
    services.stage_propose(
        initiative=initiative, to_stage="scaling", reason="Parents like it.", by=head
    )
    return initiative


def test_a_proposal_shows_hypothesis_stop_criteria_health_update_and_lessons(
    client_for, office, pilot
):
    text = client_for(office).get(PROPOSALS).text
    assert "Half of the phone questions can be answered by the bot." in text
    assert "Fewer than one in five answers are right." in text
    assert "Parents ask in Arabic." in text  # the latest update, not the earlier one
    assert "Started in two schools." not in text
    assert "health-amber" in text
    assert "Translate the answers first." in text


def test_a_proposal_shows_each_benefits_realisation_and_behind_plan_mark(client_for, office, pilot):
    response = client_for(office).get(PROPOSALS)
    (change,) = response.context["proposals"]
    benefits = {b.title: b for b in change.initiative.evidence_benefits}
    # The register's own figures (with_figures): realised 40 of 400 expected, 10 %.
    answered = benefits["Answered questions"]
    assert (answered.realised_improvement, answered.expected_improvement) == (40, 400)
    assert answered.behind_plan is True
    assert benefits["Shorter phone queues"].realised_improvement is None
    text = response.text
    assert re.search(r">10\s?%<", text)
    assert "Behind plan" in text and "Not measured" in text


def test_a_proposal_shows_spend_against_budget(client_for, office, pilot):
    text = client_for(office).get(PROPOSALS).text
    # Grouped and formatted as the active language writes numbers (English here).
    assert re.search(r"300.000 of 400.000 SEK \(75\s?%\)", text)
    assert "over budget" not in text


def test_a_proposal_over_budget_says_so(client_for, office, pilot):
    type(pilot).objects.filter(pk=pilot.pk).update(cost_to_date=500_000)
    assert "over budget" in client_for(office).get(PROPOSALS).text


def test_a_proposal_without_evidence_says_what_is_missing(client_for, office, head, own_initiative):
    services.stage_propose(initiative=own_initiative, to_stage="pilot", reason="Go", by=head)
    text = client_for(office).get(PROPOSALS).text
    assert "No progress updates yet." in text
    assert "No benefits recorded yet." in text
    assert "No lessons recorded yet." in text
    assert "None written." in text


def test_the_proposals_page_runs_the_same_queries_for_2_and_15_proposals(
    client_for, office, head, own_department, django_assert_num_queries
):
    def propose(n):
        for _ in range(n):
            initiative = make_initiative(
                own_department, stage="pilot", budget=100_000, cost_to_date=10_000
            )
            benefit = make_benefit(initiative)
            measure(benefit, timezone.localdate(), 100, by=head)
            make_benefit(initiative, title="Second")
            make_update(initiative, head, days_ago=3)
            make_update(initiative, head, days_ago=1)
            make_lesson(initiative, head)
            services.stage_propose(
                initiative=initiative, to_stage="scaling", reason="Ready", by=head
            )

    client = client_for(office)
    propose(2)
    client.get(PROPOSALS)
    with django_assert_num_queries(8) as first:
        response = client.get(PROPOSALS)
    assert len(response.context["proposals"]) == 2
    propose(13)
    with django_assert_num_queries(len(first)):
        response = client.get(PROPOSALS)
    assert len(response.context["proposals"]) == 15


@pytest.mark.parametrize("role", ["head", "executive"])
def test_only_the_office_sees_the_proposals(client_for, users_by_role, role):
    assert client_for(users_by_role[role]).get(PROPOSALS).status_code == 403


def test_an_approval_records_the_registry_number_and_minutes(client_for, office, pilot):
    change = StageChange.objects.get(initiative=pilot)
    response = client_for(office).post(
        decide_url(change),
        {
            "decision": "approve",
            "comment": "Scale to all schools.",
            "registry_number": " KS 2026/123 ",
            "minutes_url": MINUTES,
            "next": "proposals",
        },
    )
    assert response.status_code == 302
    change.refresh_from_db()
    assert (change.status, change.registry_number, change.minutes_url) == (
        "approved",
        "KS 2026/123",
        MINUTES,
    )
    # Kept in the stage change's own history, with who decided.
    record = change.history.first()
    assert (record.registry_number, record.minutes_url, record.history_user) == (
        "KS 2026/123",
        MINUTES,
        office,
    )


def test_the_stage_history_shows_the_registry_number_and_links_the_minutes(
    client_for, office, pilot
):
    change = StageChange.objects.get(initiative=pilot)
    client = client_for(office)
    client.post(
        decide_url(change),
        {"decision": "decline", "comment": "Not yet.", "registry_number": "KS 2026/124",
         "minutes_url": MINUTES},
    )  # fmt: skip
    text = client.get(pilot.get_absolute_url()).text
    assert "KS 2026/124" in text
    assert f'<a href="{MINUTES}" rel="noopener noreferrer">Minutes</a>' in text


@pytest.mark.parametrize(
    "link", ["javascript:alert(document.cookie)", "JavaScript:alert(1)", "ftp://example.se/x"]
)
def test_a_minutes_link_that_is_not_a_web_address_is_refused_with_a_message(
    client_for, office, pilot, link
):
    change = StageChange.objects.get(initiative=pilot)
    client = client_for(office)
    response = client.post(
        decide_url(change), {"decision": "approve", "minutes_url": link}, follow=True
    )
    assert "Link to the minutes: Use a web address starting with https:// or http://." in (
        response.text
    )
    change.refresh_from_db()
    pilot.refresh_from_db()
    assert (change.status, change.minutes_url, pilot.stage) == ("proposed", "", "pilot")


def test_the_service_refuses_a_script_link_whatever_called_it(office, pilot):
    from django.core.exceptions import ValidationError

    change = StageChange.objects.get(initiative=pilot)
    with pytest.raises(ValidationError):
        services.stage_decide(
            change=change, approve=True, comment="", by=office, minutes_url="javascript:x()"
        )
    change.refresh_from_db()
    assert change.status == "proposed"


def test_the_offices_direct_change_records_the_registry_number_and_minutes(
    client_for, office, own_initiative
):
    response = client_for(office).post(
        stage_url(own_initiative),
        {"to_stage": "pilot", "reason": "The committee decided.",
         "registry_number": "KS 2026/200", "minutes_url": MINUTES},
    )  # fmt: skip
    assert response.status_code == 302
    change = StageChange.objects.get()
    assert (change.status, change.registry_number, change.minutes_url) == (
        "applied",
        "KS 2026/200",
        MINUTES,
    )


def test_the_offices_direct_change_refuses_a_script_link_and_keeps_the_input(
    client_for, office, own_initiative
):
    response = client_for(office).post(
        stage_url(own_initiative),
        {"to_stage": "pilot", "reason": "The committee decided.",
         "registry_number": "KS 2026/200", "minutes_url": "javascript:alert(1)"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "Use a web address starting with https:// or http://." in response.text
    assert "KS 2026/200" in response.text
    assert not StageChange.objects.exists()


def test_a_heads_proposal_has_no_registry_number_or_minutes(client_for, head, own_initiative):
    client = client_for(head)
    form = client.get(stage_url(own_initiative)).context["form"]
    assert "registry_number" not in form.fields and "minutes_url" not in form.fields
    client.post(
        stage_url(own_initiative),
        {"to_stage": "pilot", "reason": "Ready.", "registry_number": "KS 1/1",
         "minutes_url": MINUTES},
    )  # fmt: skip
    change = StageChange.objects.get()
    assert (change.status, change.registry_number, change.minutes_url) == ("proposed", "", "")
