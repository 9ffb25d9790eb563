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


@pytest.fixture
def pilot(own_initiative):
    own_initiative.stage = "pilot"
    own_initiative.save()
    return own_initiative


def test_leaving_a_pilot_without_evidence_is_refused_to_a_head(client_for, head, pilot):
    response = client_for(head).post(stage_url(pilot), {"to_stage": "scaling", "reason": "Works"})
    assert response.status_code == 422
    assert "needs evidence" in response.text
    assert not StageChange.objects.exists()


def test_the_office_overrides_the_evidence_rule_only_with_a_justification(
    client_for, office, pilot
):
    client = client_for(office)
    refused = client.post(stage_url(pilot), {"to_stage": "scaling", "reason": "Works"})
    assert refused.status_code == 422 and "justification" in refused.text
    client.post(
        stage_url(pilot),
        {"to_stage": "scaling", "reason": "Works",
         "override_justification": "The council decided to scale before the first measurement."},
    )  # fmt: skip
    pilot.refresh_from_db()
    change = StageChange.objects.get()
    assert pilot.stage == "scaling"
    assert change.override_justification.startswith("The council decided")
    assert "The council decided" in client.get(pilot.get_absolute_url()).text


def test_a_measured_benefit_is_evidence_enough(client_for, head, office, pilot):
    from tests.benefits.factories import TODAY, make_benefit, measure

    measure(make_benefit(pilot), TODAY, 50, head)
    client_for(head).post(stage_url(pilot), {"to_stage": "scaling", "reason": "Measured."})
    change = StageChange.objects.get()
    assert change.status == "proposed"
    services.stage_decide(change=change, approve=True, comment="", by=office)
    pilot.refresh_from_db()
    assert pilot.stage == "scaling"


def test_a_benefit_without_a_measurement_is_not_evidence(client_for, head, pilot):
    from tests.benefits.factories import make_benefit

    make_benefit(pilot)
    response = client_for(head).post(stage_url(pilot), {"to_stage": "scaling", "reason": "x"})
    assert response.status_code == 422


@pytest.mark.parametrize("next_page", ["proposals", ""])
def test_a_refused_decision_comes_back_with_the_reason_and_what_was_typed(
    client_for, office, head, own_initiative, next_page
):
    change = services.stage_propose(
        initiative=own_initiative, to_stage="pilot", reason="Go", by=head
    )
    url = reverse("initiatives:stage_decide", args=[own_initiative.ref, change.pk])
    response = client_for(office).post(
        url,
        {
            "decision": "decline",
            "comment": "",
            "registry_number": "KS 2026/55",
            "minutes_url": "https://kommun.example/protokoll.pdf",
            "next": next_page,
        },
    )
    assert response.status_code == 422
    assert "Say why the proposal is declined." in response.text
    assert 'value="KS 2026/55"' in response.text
    assert 'value="https://kommun.example/protokoll.pdf"' in response.text
    assert 'value="decline" checked' in response.text
    change.refresh_from_db()
    assert change.status == "proposed"
