"""A saved prioritisation decision carries a registry number (diarienummer) and a link to the
minutes; the office may add or correct those two afterwards, and nothing else."""

from decimal import Decimal

import pytest
from django.urls import reverse

from portfolio.models import CouncilGoal, Decision
from tests.conftest import make_user

MINUTES = "https://example.se/ks/2026-12-01/protokoll.pdf"
SAVE = reverse("portfolio:decision_save")


@pytest.fixture
def goal(db):
    return CouncilGoal.objects.create(title="Välfärd", weight=Decimal("1"), order=1)


@pytest.fixture
def decision(goal, office):
    return Decision.objects.create(
        comment="The executive committee's priorities for 2027.",
        weights={"Välfärd": 1.0},
        ranking=[],
        created_by=office,
    )


def record_url(decision: Decision) -> str:
    return reverse("portfolio:decision_record", args=[decision.pk])


def test_a_decision_is_saved_with_its_registry_number_and_minutes(client_for, office, goal):
    response = client_for(office).post(
        SAVE,
        {"comment": "KS 2026-12-01", "registry_number": "KS 2026/123", "minutes_url": MINUTES},
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert (decision.registry_number, decision.minutes_url) == ("KS 2026/123", MINUTES)


def test_saving_a_decision_with_a_script_link_is_refused_with_a_message(client_for, office, goal):
    response = client_for(office).post(
        SAVE,
        {
            "comment": "KS 2026-12-01",
            "registry_number": "KS 2026/99",
            "minutes_url": "javascript:alert(1)",
            "query": "budget=5000000",
        },
    )
    assert response.status_code == 422
    assert not Decision.objects.exists()
    assert "Use a web address starting with https:// or http://." in response.text
    # What was typed stays, and so does the ranking it was about.
    form = response.context["decision_form"]
    assert form["comment"].value() == "KS 2026-12-01"
    assert form["registry_number"].value() == "KS 2026/99"
    assert response.context["form"]["budget"].value() == "5000000"
    assert 'name="budget" value="5000000"' in response.text


def test_the_office_adds_the_minutes_afterwards_and_it_is_kept_in_the_history(
    client_for, office, decision
):
    response = client_for(office).post(
        record_url(decision), {"registry_number": "KS 2026/123", "minutes_url": MINUTES}
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert (decision.registry_number, decision.minutes_url) == ("KS 2026/123", MINUTES)
    assert decision.comment == "The executive committee's priorities for 2027."
    latest = decision.history.order_by("-history_date").first()
    assert (latest.history_type, latest.history_user, latest.minutes_url) == ("~", office, MINUTES)
    assert latest.prev_record.minutes_url == ""


def test_the_decision_page_shows_the_registry_number_the_minutes_and_their_changes(
    client_for, office, executive, decision
):
    client_for(office).post(
        record_url(decision), {"registry_number": "KS 2026/123", "minutes_url": MINUTES}
    )
    text = client_for(executive).get(decision.get_absolute_url()).text
    assert "KS 2026/123" in text
    assert f'<a href="{MINUTES}" rel="noopener noreferrer">' in text
    assert "Changes" in text  # the record of who added them
    assert record_url(decision) not in text  # an executive has no form


def test_the_decisions_list_shows_the_registry_number_and_links_the_minutes(
    client_for, executive, decision
):
    decision.record_minutes(registry_number="KS 2026/123", minutes_url=MINUTES, by=None)
    text = client_for(executive).get(reverse("portfolio:decisions")).text
    assert "KS 2026/123" in text
    assert f'<a href="{MINUTES}" rel="noopener noreferrer">Minutes</a>' in text


@pytest.mark.parametrize(
    "link", ["javascript:alert(document.cookie)", "data:text/html,<script>x</script>", "ftp://x.se"]
)
def test_a_minutes_link_that_is_not_a_web_address_is_refused_and_the_input_kept(
    client_for, office, decision, link
):
    response = client_for(office).post(
        record_url(decision), {"registry_number": "KS 2026/123", "minutes_url": link}
    )
    assert response.status_code == 422
    assert "Use a web address starting with https:// or http://." in response.text
    assert 'value="KS 2026/123"' in response.text
    decision.refresh_from_db()
    assert (decision.registry_number, decision.minutes_url) == ("", "")


def test_an_unchanged_record_writes_no_history(client_for, office, decision):
    client_for(office).post(record_url(decision), {"registry_number": "", "minutes_url": ""})
    assert decision.history.count() == 1


@pytest.mark.parametrize(
    ("role", "status"),
    [("office", 302), ("department_head", 403), ("executive", 403), (None, 403)],
)
def test_only_the_office_may_add_the_minutes(client_for, decision, role, status):
    user = make_user(role)
    response = client_for(user).post(
        record_url(decision), {"registry_number": "KS 2026/123", "minutes_url": MINUTES}
    )
    assert response.status_code == status
    decision.refresh_from_db()
    assert (decision.registry_number == "KS 2026/123") == (role == "office")


def test_the_record_cannot_be_read_with_get(client_for, office, decision):
    assert client_for(office).get(record_url(decision)).status_code == 405


def test_a_saved_decision_is_otherwise_still_immutable(office, decision):
    decision.comment = "changed"
    with pytest.raises(ValueError):
        decision.save()
    with pytest.raises(ValueError):
        decision.save(update_fields=["comment"])
    with pytest.raises(ValueError):
        decision.save(update_fields=["registry_number", "comment"])
    with pytest.raises(ValueError):
        decision.delete()
    decision.refresh_from_db()
    assert decision.comment == "The executive committee's priorities for 2027."


def test_only_the_registry_number_and_minutes_may_be_updated(office, decision):
    decision.registry_number = "KS 2026/9"
    decision.save(update_fields=["registry_number"])
    decision.refresh_from_db()
    assert decision.registry_number == "KS 2026/9"


def test_the_model_refuses_a_script_link_whatever_called_it(office, decision):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        decision.record_minutes(registry_number="", minutes_url="javascript:alert(1)", by=office)
    decision.refresh_from_db()
    assert decision.minutes_url == ""
