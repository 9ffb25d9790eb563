import pytest
from django.urls import reverse

from initiatives import services
from initiatives.models import Lesson, StageChange


def stage_url(initiative) -> str:
    return reverse("initiatives:stage", args=[initiative.ref])


def test_the_office_changes_a_stage_directly_and_it_is_recorded(client_for, office, own_initiative):
    response = client_for(office).post(
        stage_url(own_initiative), {"to_stage": "pilot", "reason": "Two schools volunteered."}
    )
    assert response.status_code == 302
    own_initiative.refresh_from_db()
    assert own_initiative.stage == "pilot"
    change = StageChange.objects.get()
    assert (change.from_stage, change.to_stage, change.status) == ("idea", "pilot", "applied")
    assert change.proposed_by == office and change.decided_by == office
    assert change.reason == "Two schools volunteered."


def test_a_head_proposes_and_the_stage_waits_for_the_office(client_for, head, own_initiative):
    client_for(head).post(stage_url(own_initiative), {"to_stage": "pilot", "reason": "Ready."})
    own_initiative.refresh_from_db()
    assert own_initiative.stage == "idea"
    assert StageChange.objects.get().status == "proposed"


def test_the_office_approves_a_proposal_and_the_stage_changes(
    client_for, office, head, own_initiative
):
    change = services.stage_propose(
        initiative=own_initiative, to_stage="pilot", reason="Go", by=head
    )
    client = client_for(office)
    assert change.initiative.ref in client.get(reverse("initiatives:proposals")).text
    client.post(
        reverse("initiatives:stage_decide", args=[own_initiative.ref, change.pk]),
        {"decision": "approve", "comment": "Agreed.", "next": "proposals"},
    )
    own_initiative.refresh_from_db()
    change.refresh_from_db()
    assert own_initiative.stage == "pilot"
    assert (change.status, change.decided_by, change.decision_comment) == (
        "approved",
        office,
        "Agreed.",
    )


def test_declining_needs_a_comment_and_keeps_the_stage(client_for, office, head, own_initiative):
    change = services.stage_propose(
        initiative=own_initiative, to_stage="pilot", reason="Go", by=head
    )
    url = reverse("initiatives:stage_decide", args=[own_initiative.ref, change.pk])
    client = client_for(office)
    client.post(url, {"decision": "decline", "comment": ""})
    change.refresh_from_db()
    assert change.status == "proposed"
    client.post(url, {"decision": "decline", "comment": "Measure the baseline first."})
    change.refresh_from_db()
    own_initiative.refresh_from_db()
    assert change.status == "declined" and own_initiative.stage == "idea"


def test_closing_as_stopped_requires_a_lesson(client_for, office, own_initiative):
    client = client_for(office)
    response = client.post(
        stage_url(own_initiative),
        {"to_stage": "closed", "outcome": "stopped", "reason": "No effect.", "lesson_text": ""},
    )
    assert response.status_code == 422
    assert "lesson_text" in response.context["form"].errors
    assert "Closing as stopped needs a lesson learned" in response.text
    assert "No effect." in response.text
    own_initiative.refresh_from_db()
    assert own_initiative.stage == "idea"
    client.post(
        stage_url(own_initiative),
        {"to_stage": "closed", "outcome": "stopped", "reason": "No effect.",
         "lesson_text": "Check the data quality before the pilot."},
    )  # fmt: skip
    own_initiative.refresh_from_db()
    assert (own_initiative.stage, own_initiative.outcome) == ("closed", "stopped")
    assert Lesson.objects.get().text == "Check the data quality before the pilot."


def test_closing_needs_an_outcome(client_for, office, own_initiative):
    response = client_for(office).post(
        stage_url(own_initiative), {"to_stage": "closed", "reason": "Done."}
    )
    assert "outcome" in response.context["form"].errors


def test_a_stage_cannot_change_to_itself(client_for, office, own_initiative):
    response = client_for(office).post(
        stage_url(own_initiative), {"to_stage": "idea", "reason": "x"}
    )
    assert response.status_code == 422


def test_only_one_proposal_waits_at_a_time(head, own_initiative):
    services.stage_propose(initiative=own_initiative, to_stage="pilot", reason="Go", by=head)
    with pytest.raises(services.StageRuleError):
        services.stage_propose(initiative=own_initiative, to_stage="scaling", reason="Go", by=head)


def test_a_proposal_overtaken_by_a_direct_change_cannot_be_approved(office, head, own_initiative):
    change = services.stage_propose(
        initiative=own_initiative, to_stage="pilot", reason="Go", by=head
    )
    services.stage_change(initiative=own_initiative, to_stage="scaling", reason="Fast", by=office)
    with pytest.raises(services.StageRuleError):
        services.stage_decide(change=change, approve=True, comment="", by=office)


def test_a_stage_change_bumps_the_version_so_open_edit_forms_go_stale(office, own_initiative):
    services.stage_change(initiative=own_initiative, to_stage="pilot", reason="Go", by=office)
    own_initiative.refresh_from_db()
    assert own_initiative.version == 2
