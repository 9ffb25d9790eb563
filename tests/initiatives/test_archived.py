"""An archived initiative is read-only until the office restores it, whichever way a write comes:
the pages hide the forms, and the services refuse what a stale page or a forged post still sends."""

import pytest
from django.urls import reverse
from django.utils import timezone

from initiatives import services
from initiatives.models import Initiative, Lesson, ProgressUpdate, StageChange


@pytest.fixture
def proposal(head, own_initiative) -> StageChange:
    return services.stage_propose(initiative=own_initiative, to_stage="pilot", reason="Go", by=head)


def archive(initiative: Initiative, office) -> None:
    services.initiative_archive(initiative=Initiative.objects.get(pk=initiative.pk), by=office)


def decide_url(change: StageChange) -> str:
    return reverse("initiatives:stage_decide", args=[change.initiative.ref, change.pk])


def assert_unchanged(initiative: Initiative, version: int) -> None:
    saved = Initiative.objects.get(pk=initiative.pk)
    assert (saved.stage, saved.version, saved.title) == ("idea", version, initiative.title)


@pytest.mark.parametrize("decision", ["approve", "decline"])
def test_a_pending_proposal_of_an_archived_initiative_cannot_be_decided(
    client_for, office, own_initiative, proposal, decision
):
    archive(own_initiative, office)
    response = client_for(office).post(
        decide_url(proposal), {"decision": decision, "comment": "Agreed.", "next": "proposals"}
    )

    assert response.status_code == 409
    assert "is archived, so it cannot be changed and nothing was saved" in response.text
    assert_unchanged(own_initiative, version=2)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by, proposal.decision_comment) == (
        "proposed",
        None,
        "",
    )


def test_the_refusal_replaces_the_main_content_under_htmx(
    client_for, office, own_initiative, proposal
):
    archive(own_initiative, office)
    response = client_for(office).post(
        decide_url(proposal), {"decision": "approve"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 409
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#main", "innerHTML")
    assert "<html" not in response.text and "is archived" in response.text


def test_the_proposals_page_offers_no_decision_on_an_archived_initiative(
    client_for, office, own_initiative, proposal
):
    archive(own_initiative, office)
    page = client_for(office).get(reverse("initiatives:proposals")).text
    assert own_initiative.ref in page
    assert "restore it to decide this proposal" in page
    assert decide_url(proposal) not in page
    detail = client_for(office).get(own_initiative.get_absolute_url()).text
    assert decide_url(proposal) not in detail


def test_a_restored_initiative_s_proposal_can_be_decided_again(
    client_for, office, own_initiative, proposal
):
    archive(own_initiative, office)
    services.initiative_restore(initiative=own_initiative, by=office)
    client_for(office).post(decide_url(proposal), {"decision": "approve"})
    own_initiative.refresh_from_db()
    assert own_initiative.stage == "pilot"


# Each write service, given the initiative as a page loaded it before it was archived.

WRITES = {
    "edit": lambda i, by: services.initiative_update(
        initiative=i, values={"title": "Changed"}, opened_version=i.version, by=by
    ),
    "stage change": lambda i, by: services.stage_change(
        initiative=i, to_stage="pilot", reason="Go", by=by
    ),
    "proposal": lambda i, by: services.stage_propose(
        initiative=i, to_stage="pilot", reason="Go", by=by
    ),
    "progress update": lambda i, by: services.progress_update_create(
        initiative=i, by=by, health="green", summary="Fine"
    ),
    "lesson": lambda i, by: services.lesson_create(
        initiative=i, by=by, kind="worked", text="Start small."
    ),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_no_write_reaches_an_initiative_archived_after_its_page_was_loaded(
    office, head, own_initiative, write
):
    loaded = Initiative.objects.get(pk=own_initiative.pk)
    archive(own_initiative, office)

    with pytest.raises(services.InitiativeArchived):
        write(loaded, office)

    assert_unchanged(own_initiative, version=2)
    assert not StageChange.objects.exists()
    assert not ProgressUpdate.objects.exists()
    assert not Lesson.objects.exists()


def test_a_decision_service_call_on_an_archived_initiative_writes_nothing(
    office, own_initiative, proposal
):
    archive(own_initiative, office)
    with pytest.raises(services.InitiativeArchived):
        services.stage_decide(change=proposal, approve=True, comment="", by=office)
    assert_unchanged(own_initiative, version=2)


def test_archiving_twice_bumps_the_version_once(office, own_initiative):
    stale = Initiative.objects.get(pk=own_initiative.pk)
    archive(own_initiative, office)
    services.initiative_archive(initiative=stale, by=office)
    saved = Initiative.objects.get(pk=own_initiative.pk)
    assert saved.version == 2 and saved.archived_at <= timezone.now()
    assert saved.history.filter(version=2).count() == 1
