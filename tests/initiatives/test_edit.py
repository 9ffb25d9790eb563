import pytest
from django.urls import reverse
from django.utils import translation

from initiatives.history import initiative_history
from initiatives.models import Initiative
from tests.initiatives.test_merge import posted_form


def form_data(initiative: Initiative, **changes) -> dict:
    data = {
        "title": initiative.title,
        "summary": initiative.summary,
        "kind": initiative.kind,
        "department": initiative.department_id,
        "owner": initiative.owner_id or "",
        "planned_start": "",
        "planned_end": "",
        "budget": "",
        "running_cost": "",
        "cost_to_date": "",
        "hypothesis": initiative.hypothesis,
        "stop_criteria": "",
        "tags": "",
        "version": initiative.version,
    }
    data.update(changes)
    return data


def edit_url(initiative) -> str:
    return reverse("initiatives:edit", args=[initiative.ref])


def test_a_head_edits_an_initiative_of_their_department(client_for, head, own_initiative):
    response = client_for(head).post(
        edit_url(own_initiative), form_data(own_initiative, title="Skolmjölk-RPA", budget="250000")
    )
    assert response.status_code == 302
    own_initiative.refresh_from_db()
    assert own_initiative.title == "Skolmjölk-RPA"
    # Money is edited as cost lines (test_cost_lines.py): a budget posted here is not taken.
    assert own_initiative.budget is None
    assert own_initiative.version == 2


def test_htmx_success_redirects_the_client(client_for, head, own_initiative):
    response = client_for(head).post(
        edit_url(own_initiative), form_data(own_initiative, title="Ny titel"),
        headers={"HX-Request": "true", "HX-Target": "initiative-form"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response["HX-Redirect"] == own_initiative.get_absolute_url()


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"title": ""}, "title", "This field is required"),
        ({"planned_start": "2026-05-01", "planned_end": "2026-01-01"}, "planned_end",
         "cannot be before"),
        ({"planned_start": "2026-13-45"}, "planned_start", "Enter a valid date"),
        ({"kind": "pilot", "hypothesis": ""}, "hypothesis", "hypothesis"),
    ],
)  # fmt: skip
def test_invalid_input_is_refused_with_a_message_and_kept(
    client_for, head, own_initiative, changes, field, message
):
    data = form_data(own_initiative, summary="What I typed", **changes)
    response = client_for(head).post(
        edit_url(own_initiative),
        data,
        headers={"HX-Request": "true", "HX-Target": "initiative-form"},
    )
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert message in response.text
    assert "What I typed" in response.text
    own_initiative.refresh_from_db()
    assert own_initiative.version == 1


def test_a_stale_edit_is_refused_and_nothing_is_overwritten(
    client_for, office, head, own_initiative
):
    opened = form_data(own_initiative)  # both open the form at version 1
    client_for(office).post(
        edit_url(own_initiative), {**opened, "title": "Office's title", "tags": "AI"}
    )
    response = client_for(head).post(
        edit_url(own_initiative),
        {**opened, "title": "Head's title", "summary": "Head's summary"},
        headers={"HX-Request": "true", "HX-Target": "initiative-form"},
    )
    assert response.status_code == 409
    own_initiative.refresh_from_db()
    assert own_initiative.title == "Office's title"
    assert own_initiative.tags == "AI"
    # The head's input is kept, and what changed meanwhile is shown.
    assert "Head&#39;s summary" in response.text  # kept in the textarea, escaped
    assert response.context["form"]["title"].value() == "Head's title"
    changed = {change.label: (change.old, change.new) for change in response.context["conflict"]}
    assert changed["Title"] == ("Skolmjölksroboten", "Office's title")
    assert changed["Tags"] == ("—", "AI")


def test_saving_again_after_a_conflict_is_deliberate_and_works(
    client_for, office, head, own_initiative
):
    opened = form_data(own_initiative)
    client_for(office).post(edit_url(own_initiative), {**opened, "title": "Office's title"})
    client = client_for(head)
    conflict = client.post(edit_url(own_initiative), {**opened, "title": "Head's title"})
    assert conflict.status_code == 409
    # Both changed the title: the second save is deliberate once the head chooses their own.
    resubmitted = {**posted_form(conflict.text), "choose_title": "yours"}
    assert client.post(edit_url(own_initiative), resubmitted).status_code == 302
    own_initiative.refresh_from_db()
    assert own_initiative.title == "Head's title"
    assert own_initiative.version == 3


def test_every_edit_is_in_the_change_history_with_who_and_what(client_for, head, own_initiative):
    client_for(head).post(
        edit_url(own_initiative),
        form_data(own_initiative, title="Skolmjölk-RPA", tags="RPA, skola"),
    )
    with translation.override("en"):
        entries = initiative_history(own_initiative)
    latest = entries[0]
    assert latest.who == head.get_full_name()
    assert {(c.label, c.old, c.new) for c in latest.changes} == {
        ("Title", "Skolmjölksroboten", "Skolmjölk-RPA"),
        ("Tags", "—", "RPA, skola"),
    }
    history_url = reverse("initiatives:history", args=[own_initiative.ref])
    page = client_for(head).get(own_initiative.get_absolute_url()).text
    assert "Change history" in page and f'href="{history_url}"' in page
    assert "Skolmjölksroboten" not in page  # the old title: the history is loaded on demand
    response = client_for(head).get(history_url)
    assert "Skolmjölksroboten" in response.text and "Skolmjölk-RPA" in response.text
    assert "<html" in response.text
    fragment = client_for(head).get(
        history_url, headers={"HX-Request": "true", "HX-Target": "change-history"}
    )
    assert fragment.text.lstrip().startswith('<div id="change-history">')
    assert "Skolmjölksroboten" in fragment.text and "<html" not in fragment.text


def test_the_change_history_runs_the_same_queries_however_long_it_is(
    client_for, head, own_initiative, django_assert_num_queries
):
    client = client_for(head)
    history_url = reverse("initiatives:history", args=[own_initiative.ref])

    def edit(times):
        for n in range(times):
            own_initiative.refresh_from_db()
            client.post(edit_url(own_initiative), form_data(own_initiative, title=f"Titel {n}"))

    edit(2)
    client.get(history_url)
    with django_assert_num_queries(9) as first:
        assert client.get(history_url).status_code == 200
    count = len(first)  # now: the next request empties the connection's query log
    edit(20)
    with django_assert_num_queries(count):
        response = client.get(history_url)
    assert "Titel 19" in response.text


def test_creating_generates_a_ref_when_left_blank(client_for, office, own_department):
    response = client_for(office).post(
        reverse("initiatives:create"),
        {
            "title": "Chattbot för invånarfrågor",
            "kind": "eservice",
            "department": own_department.pk,
        },
    )
    initiative = Initiative.objects.get(title="Chattbot för invånarfrågor")
    assert response.status_code == 302
    assert initiative.ref.startswith("DIG-")
    assert initiative.stage == "idea"


def test_a_given_ref_must_be_unique_and_well_formed(client_for, office, own_initiative):
    client = client_for(office)
    data = {"title": "X", "kind": "other", "department": own_initiative.department_id}
    duplicate = client.post(reverse("initiatives:create"), {**data, "ref": own_initiative.ref})
    assert "ref" in duplicate.context["form"].errors
    malformed = client.post(reverse("initiatives:create"), {**data, "ref": "bad ref!"})
    assert "ref" in malformed.context["form"].errors
    assert Initiative.objects.count() == 1
