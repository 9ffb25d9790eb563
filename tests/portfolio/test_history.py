"""Who changed what, and when, for every record an auditor asks about (issue 12): stage changes,
departments and their members, API tokens and saved decisions, as for initiatives and benefits."""

from django.urls import reverse

from api.models import ApiToken
from initiatives import services
from initiatives.models import StageChange
from portfolio.models import CouncilGoal, Decision
from tests.conftest import make_department, make_user


def test_a_stage_proposal_and_its_decision_are_kept_with_who_and_when(
    client_for, head, office, own_initiative
):
    client_for(head).post(
        reverse("initiatives:stage", args=[own_initiative.ref]),
        {"to_stage": "pilot", "reason": "Ready to try"},
    )
    change = StageChange.objects.get()
    client_for(office).post(
        reverse("initiatives:stage_decide", args=[own_initiative.ref, change.pk]),
        {"decision": "approve", "comment": "Go ahead"},
    )
    records = list(change.history.order_by("history_date"))
    assert [(r.history_type, r.status, r.history_user) for r in records] == [
        ("+", "proposed", head),
        ("~", "approved", office),
    ]
    assert records[-1].decision_comment == "Go ahead"


def test_a_direct_stage_change_by_the_office_is_in_the_history(office, own_initiative):
    services.stage_change(initiative=own_initiative, to_stage="pilot", reason="Start", by=office)
    assert StageChange.objects.get().history.get().history_type == "+"


def test_departments_and_their_members_keep_a_history(db):
    department = make_department("Miljöförvaltningen", "MF")
    department.name = "Miljö- och hälsoskyddsförvaltningen"
    department.save()
    member = make_user("department_head", department)
    records = list(department.history.order_by("history_date", "history_id"))
    assert [r.name for r in records[:2]] == [
        "Miljöförvaltningen",
        "Miljö- och hälsoskyddsförvaltningen",
    ]
    assert not records[1].members.exists()
    # Adding a member is a change of its own, with the members as they were then.
    assert [m.user_id for m in records[-1].members.all()] == [member.pk]


def test_an_api_token_created_and_revoked_through_the_page_is_in_the_history(client_for, office):
    client = client_for(office)
    client.post(reverse("api:tokens"), {"name": "Power BI"})
    token = ApiToken.objects.get()
    client.post(reverse("api:token_revoke", args=[token.pk]))
    records = list(token.history.order_by("history_date"))
    assert [(r.history_type, r.history_user) for r in records] == [("+", office), ("~", office)]
    assert records[0].revoked_at is None and records[1].revoked_at is not None
    assert not hasattr(records[0], "token_hash")


def test_a_saved_decision_records_who_saved_it(client_for, office, own_initiative):
    CouncilGoal.objects.create(title="En sammanhållen stad", weight=1)
    client_for(office).post(reverse("portfolio:decision_save"), {"comment": "KS 2026-12-01"})
    decision = Decision.objects.get()
    assert decision.history.get().history_user == office
